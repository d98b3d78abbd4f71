"""Named test personas, one per role (docs/security.md), and a scenario of records in and out
of each persona's scope, for the persona suites.

The accounts themselves are made by projects.demo_accounts (the demo uses them too).
"""

from __future__ import annotations

from typing import Any

from projects.demo_accounts import (  # noqa: F401  (re-exported for the tests)
    JIADING,
    PERSONA_PARTNER_NAME,
    PERSONA_PASSWORD,
    PERSONAS,
    XUHUI,
    create_personas,
)

# Names that must never appear in a page or response for a persona outside their scope.
SCENARIO_NAMES = {
    "xuhui": "徐汇ALPHA项目",
    "jiading": "嘉定BRAVO项目",
    "referred": "嘉定引荐CHARLIE项目",
    "confidential": "徐汇保密DELTA项目",
    "pudong": "浦东ECHO项目",
}
CONFIDENTIAL_INVESTOR = "保密投资方FOXTROT集团"
# Which scenario projects (SCENARIO_NAMES keys) each persona may see.
SCENARIO_VISIBLE: dict[str, set[str]] = {
    "admin": set(SCENARIO_NAMES),
    "analyst": set(SCENARIO_NAMES),
    "viewer": set(SCENARIO_NAMES),
    "officer_xuhui": {"xuhui", "confidential"},
    "officer_jiading": {"jiading", "referred"},
    "partner": {"referred"},
}


def create_scenario() -> dict[str, Any]:
    """A small pipeline across districts that makes every access boundary observable.

    Projects: 徐汇 (two, one confidential), 嘉定 (two, one referred by the persona partner)
    and 浦东 (nobody's district). Also a company, event, partner and source document that no
    project depends on (so they can be deleted), and a follow-up on the 徐汇 project.
    Call after `create_personas()`.
    """
    import datetime as dt
    from decimal import Decimal

    from companies.models import Company
    from events.models import Event
    from evidence.models import SourceDocument
    from partners.models import Partner
    from projects.models import Activity, FollowUp
    from testing.factories import make_company, make_project

    partner_org = Partner.objects.get(name_zh_hans=PERSONA_PARTNER_NAME)
    investor = make_company("通用投资股份有限公司")
    secret_investor = make_company(CONFIDENTIAL_INVESTOR)
    projects = {
        "xuhui": make_project(
            SCENARIO_NAMES["xuhui"], district=XUHUI, investor=investor, amount_cny=Decimal("1e9")
        ),
        "jiading": make_project(
            SCENARIO_NAMES["jiading"],
            district=JIADING,
            investor=investor,
            amount_cny=Decimal("3e9"),
        ),
        "referred": make_project(
            SCENARIO_NAMES["referred"],
            district=JIADING,
            investor=investor,
            amount_cny=Decimal("5e8"),
            referring_partner=partner_org,
        ),
        "confidential": make_project(
            SCENARIO_NAMES["confidential"],
            district=XUHUI,
            investor=secret_investor,
            amount_cny=Decimal("2e9"),
            confidential=True,
        ),
        "pudong": make_project(
            SCENARIO_NAMES["pudong"],
            district="310115",
            investor=investor,
            amount_cny=Decimal("7e9"),
        ),
    }
    follow_up = FollowUp.objects.create(
        project=projects["xuhui"], due_on=dt.date(2026, 1, 5), title="回访"
    )
    activity = Activity.objects.create(
        project=projects["xuhui"],
        kind=Activity.Kind.VISIT_OUT,
        happened_on=dt.date(2025, 6, 1),
        summary="拜访",
    )
    spare_company: Company = make_company("闲置测试有限公司")
    event = Event.objects.create(
        name="测试推介会", kind=Event.Kind.CONFERENCE, date=dt.date(2025, 5, 1)
    )
    spare_partner = Partner.objects.create(name_zh_hans="闲置合作伙伴", kind=Partner.Kind.CHAMBER)
    document = SourceDocument.objects.create(
        title="测试新闻", text="某公司在徐汇区签约。", language=SourceDocument.Language.ZH_HANS
    )
    return {
        "projects": projects,
        "partner_org": partner_org,
        "company": spare_company,
        "investor": investor,
        "event": event,
        "partner": spare_partner,
        "document": document,
        "follow_up": follow_up,
        "activity": activity,
    }
