"""Reconciliation: announced vs recorded, and the projects that explain the difference."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from analytics import reconcile
from events.models import Event
from projects.models import Project
from testing.analytics import PUDONG, XUHUI, expansion, make_user, yi
from testing.factories import make_project

pytestmark = pytest.mark.django_db


def signing(count: int | None, total: Decimal | None) -> Event:
    return Event.objects.create(
        name="集中签约", kind="signing", date=dt.date(2024, 3, 1),
        announced_project_count=count, announced_total_cny=total,
    )  # fmt: skip


def test_an_event_that_matches_its_records() -> None:
    admin = make_user("a", "admin")
    event = signing(2, yi(5))
    make_project("甲", amount_cny=yi(2), signing_event=event)
    make_project("乙", amount_cny=yi(3), signing_event=event)
    r = reconcile.reconcile_event(event, admin)
    assert (r.recorded_count, r.recorded_total_cny) == (2, yi(5))
    assert r.matches and r.explanations == []


def test_the_difference_is_explained_by_the_counting_rules() -> None:
    admin = make_user("a", "admin")
    event = signing(5, yi(30))
    keep = make_project("保留", amount_cny=yi(4), signing_event=event)
    make_project("重复", amount_cny=yi(4), signing_event=event, duplicate_of=keep)
    expansion("增资", yi(10), yi(2), signing_event=event)
    make_project("估算", amount_cny=yi(6), amount_is_estimated=True, signing_event=event)
    with translation.override("en"):
        r = reconcile.reconcile_event(event, admin, include_estimated=False)
    assert r.recorded_count == 3
    assert r.recorded_total_cny == yi(6)  # 4 + increment 2; the estimate is left out
    assert r.count_difference == 2 and r.total_difference_cny == yi(24)
    reasons = {e.name: e.reason for e in r.explanations}
    assert set(reasons) == {"重复", "增资", "估算"}
    assert "merged duplicate" in reasons["重复"]
    # One announced project is not on record at all; 6亿 of the announced total neither.
    assert r.unexplained_count == 1
    assert r.unexplained_total_cny == yi(6)


def test_an_officer_reconciles_only_what_they_may_see() -> None:
    officer = make_user("o", "officer", districts=[XUHUI])
    event = signing(2, yi(5))
    make_project("徐汇", amount_cny=yi(2), signing_event=event, district=XUHUI)
    make_project("浦东", amount_cny=yi(3), signing_event=event, district=PUDONG)
    r = reconcile.reconcile_event(event, officer)
    assert (r.recorded_count, r.projects_on_record) == (1, 1)


def test_an_aggregate_statement_from_the_news_reconciles_against_any_scope() -> None:
    admin = make_user("a", "admin")
    make_project("大", amount_cny=yi(3), signed_on=dt.date(2024, 2, 1))
    make_project("小", amount_cny=yi("0.5"), signed_on=dt.date(2024, 2, 1))
    scope = Project.objects.restrict(admin, "aggregate").filter(
        signed_on__year=2024, amount_cny__gte=yi(1)
    )
    r = reconcile.reconcile(420, yi(3435), scope, viewer=admin)
    assert r.recorded_count == 1 and r.count_difference == 419
    assert Decimal(r.as_dict()["total_difference_cny"]) == yi(3432)
