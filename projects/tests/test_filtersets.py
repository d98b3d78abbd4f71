from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from projects.filtersets import ProjectFilterSet
from projects.models import Project
from testing.factories import make_company, make_project

pytestmark = pytest.mark.django_db


def names(params: dict[str, str]) -> set[str]:
    filterset = ProjectFilterSet(params, queryset=Project.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("name", flat=True))


@pytest.fixture
def ledger() -> None:
    make_project("徐汇芯片", district="310104", industry="ic.design", amount_cny=Decimal("5e8"))
    make_project("嘉定电池", district="310114", industry="auto.battery", amount_cny=Decimal("5e9"))
    make_project(
        "浦东药", district="310115", industry="biomed", stage="lead", amount_cny=None,
        investor=make_company("比亚迪电子"),
    )  # fmt: skip


def test_it_filters_by_district_code_or_id(ledger: None) -> None:
    from geo.models import District

    assert names({"district": "310104"}) == {"徐汇芯片"}
    jiading = District.objects.get(code="310114")
    assert names({"district": f"310104,{jiading.pk}"}) == {"徐汇芯片", "嘉定电池"}


def test_an_industry_code_includes_its_subtracks(ledger: None) -> None:
    assert names({"industry": "ic"}) == {"徐汇芯片"}
    assert names({"industry": "auto.battery,biomed"}) == {"嘉定电池", "浦东药"}


def test_stage_and_amount_range_in_yi(ledger: None) -> None:
    assert names({"stage": "signed"}) == {"徐汇芯片", "嘉定电池"}
    assert names({"amount_min_yi": "10"}) == {"嘉定电池"}
    assert names({"amount_max_yi": "10"}) == {"徐汇芯片"}


def test_search_ignores_traditional_and_full_width(ledger: None) -> None:
    assert names({"q": "比亞迪"}) == {"浦东药"}
    assert names({"q": "徐汇"}) == {"徐汇芯片"}


def test_merged_duplicates_are_hidden_unless_asked_for(ledger: None) -> None:
    survivor = Project.objects.get(name="徐汇芯片")
    duplicate = make_project("徐汇芯片(重复)", district="310104")
    Project.objects.filter(pk=duplicate.pk).update(duplicate_of=survivor)
    assert "徐汇芯片(重复)" not in names({})
    assert "徐汇芯片(重复)" in names({"include_duplicates": "true"})


def test_stale_projects_are_those_without_recent_progress(ledger: None) -> None:
    old = dt.date.today() - dt.timedelta(days=100)
    Project.objects.filter(name="浦东药").update(last_progress_on=old)
    Project.objects.filter(name="嘉定电池").update(
        last_progress_on=dt.date.today() - dt.timedelta(days=70)
    )
    Project.objects.filter(name="徐汇芯片").update(last_progress_on=dt.date.today())
    assert names({"stale": "red"}) == {"浦东药"}
    assert names({"stale": "yellow"}) == {"浦东药", "嘉定电池"}


def test_it_filters_by_source_country(ledger: None) -> None:
    Project.objects.filter(name="嘉定电池").update(origin="foreign", source_country="DE")
    assert names({"source_country": "de"}) == {"嘉定电池"}
    assert names({"source_country": "DE,JP"}) == {"嘉定电池"}
    assert names({"source_country": "JP"}) == set()


def test_sorting_by_amount(ledger: None) -> None:
    filterset = ProjectFilterSet({"ordering": "-amount", "stage": "signed"}, Project.objects.all())
    assert [p.name for p in filterset.qs] == ["嘉定电池", "徐汇芯片"]


def test_it_reports_a_bad_amount_and_date() -> None:
    filterset = ProjectFilterSet(
        {"amount_min_yi": "lots", "signed_from": "yesterday"}, Project.objects.all()
    )
    assert not filterset.is_valid()
    assert {"amount_min_yi", "signed_from"} <= set(filterset.errors)
