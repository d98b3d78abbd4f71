"""Exports: the importer's own layout, formula injection escaped, export → import = no change."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from companies.models import Company
from ingest import engine
from projects.models import Project
from reports.exports import companies_file, escape_formula, export_projects, projects_file
from taxonomy.models import Industry
from testing.factories import make_company, make_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _projects() -> list[Project]:
    investor = make_company("比亚迪电子有限公司", credit_code="91310000MA1FL8XQ37")
    ambiguous = Industry.objects.filter(name_zh_hans="扩展现实").first()
    return [
        make_project(
            '=HYPERLINK("http://evil")',
            investor=investor,
            amount_cny=Decimal("123456789.12"),
            amount_text="约1.23亿元",
            amount_is_estimated=True,
            description="+danger",
            external_id="L-1",
            priority="A",
            origin="foreign",
            source_country="HK",
            owner_unit="徐汇区投促办",
            lead_source="news",
            counted_in_stats=False,
            exclusion_reason="不予认定",
        ),
        make_project(
            "在谈项目",
            stage="negotiating",
            district="310115",
            amount_cny=None,
            industry=ambiguous.code if ambiguous else "ic",
            currency="USD",
            amount_original=Decimal("15000000"),
        ),
        make_project(
            "注册项目",
            stage="registered",
            registered_on=dt.date(2024, 6, 1),
            contracted_amount_cny=Decimal("5000000000"),
            confidential=True,
        ),
    ]


def _snapshot() -> list[dict[str, Any]]:
    rows = Project.objects.order_by("pk").values()
    return [{k: v for k, v in r.items() if k not in ("updated_at",)} for r in rows]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(fmt: str) -> None:
    _projects()
    before = _snapshot()
    companies_before = list(Company.objects.order_by("pk").values())
    history_before = Project.history.count()
    data = projects_file(Project.objects.all(), fmt)
    batch, plan = engine.import_file(data, f"export.{fmt}", "projects")
    assert plan is not None, batch.message
    assert [r.action for r in plan.rows] == ["skip"] * 3, [r.errors for r in plan.rows]
    assert _snapshot() == before
    assert list(Company.objects.order_by("pk").values()) == companies_before
    assert Project.history.count() == history_before


def test_formula_like_text_is_escaped_in_both_formats() -> None:
    _projects()
    wb = load_workbook(io.BytesIO(projects_file(Project.objects.all(), "xlsx")))
    ws = wb.active
    names = [ws.cell(row=r, column=3).value for r in range(2, ws.max_row + 1)]
    assert '\'=HYPERLINK("http://evil")' in names
    assert all(ws.cell(row=r, column=3).data_type == "s" for r in range(2, ws.max_row + 1))
    text = projects_file(Project.objects.all(), "csv").decode("utf-8-sig")
    assert "'+danger" in text and ",=HYPERLINK" not in text
    assert escape_formula("-5") == "'-5" and escape_formula(5) == 5


def test_the_export_uses_the_importer_headers_and_units() -> None:
    _projects()
    wb = load_workbook(io.BytesIO(projects_file(Project.objects.all(), "xlsx")))
    headers = [c.value for c in wb.active[1]]
    assert headers[:6] == [
        "系统ID",
        "项目编号",
        "项目名称",
        "投资方",
        "统一社会信用代码",
        "总投资(万元)",
    ]
    first = [c.value for c in wb.active[2]]
    assert first[5] == pytest.approx(12345.678912)


def test_companies_export_round_trips_too() -> None:
    make_company("比亚迪电子有限公司", name_en="BYD Electronic", aliases=["比亚迪电子", "BYDE"])
    make_company("某某(上海)有限公司", credit_code="91310000MA1FL8XQ37")
    before = list(Company.objects.order_by("pk").values())
    _batch, plan = engine.import_file(
        companies_file(Company.objects.all(), "xlsx"), "c.xlsx", "companies"
    )
    assert plan is not None and [r.action for r in plan.rows] == ["skip", "skip"]
    assert list(Company.objects.order_by("pk").values()) == before


def test_the_export_view_filters_and_respects_the_user_scope(client: Any) -> None:
    from testing.personas import create_personas

    people = create_personas()
    make_project("徐汇项目", district="310104")
    make_project("嘉定项目", district="310114")
    client.force_login(people["officer_jiading"])
    response = client.get("/data/export/projects.csv")
    text = response.content.decode("utf-8-sig")
    assert response.status_code == 200 and "嘉定项目" in text and "徐汇项目" not in text
    client.force_login(people["admin"])
    text = client.get("/data/export/projects.csv?district=310104").content.decode("utf-8-sig")
    assert "徐汇项目" in text and "嘉定项目" not in text
    response = export_projects(Project.objects.all(), "xlsx")
    assert '.xlsx"; filename*=UTF-8' in response["Content-Disposition"]


def test_a_hidden_confidential_investor_is_not_exported_and_does_not_change_on_import() -> None:
    from testing.personas import create_personas

    people = create_personas()
    investor = make_company("保密投资方集团")
    project = make_project("保密项目", investor=investor, confidential=True, external_id="S-1")
    data = projects_file(Project.objects.all(), "csv", people["viewer"])
    text = data.decode("utf-8-sig")
    assert "保密投资方集团" not in text and "（保密）" in text
    _batch, plan = engine.import_file(data, "x.csv", "projects", user=people["admin"])
    assert plan is not None and [r.action for r in plan.rows] == ["skip"]
    project.refresh_from_db()
    assert project.investor_id == investor.pk
