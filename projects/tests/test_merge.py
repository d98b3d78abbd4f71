"""Merging projects and companies keeps everything, points the duplicate at the survivor
and can be undone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from companies.models import Company
from ingest.models import DuplicateSuggestion, MergeRecord
from projects.merge import merge_companies, merge_projects, undo_merge
from projects.models import Activity, Project, StageChange
from testing.factories import make_company, make_project

pytestmark = pytest.mark.django_db


def _two_projects() -> tuple[Project, Project]:
    investor = make_company("比亚迪电子有限公司")
    survivor = make_project("研发总部", investor=investor, amount_cny=None, description="")
    duplicate = make_project(
        "研发总部项目",
        investor=investor,
        amount_cny=Decimal("5e8"),
        description="来自新闻",
        external_id="N-1",
    )
    Activity.objects.create(
        project=duplicate, kind="visit_out", happened_on=dt.date(2024, 4, 1), summary="拜访"
    )
    return survivor, duplicate


def test_merging_projects_moves_activities_fills_gaps_and_keeps_the_duplicate() -> None:
    survivor, duplicate = _two_projects()
    with translation.override("en"):
        record = merge_projects(survivor, duplicate)
    assert duplicate.duplicate_of_id == survivor.pk
    assert not duplicate.counted_in_stats and "merged" in duplicate.exclusion_reason
    assert Activity.objects.get().project_id == survivor.pk
    assert survivor.amount_cny == Decimal("5e8") and survivor.description == "来自新闻"
    assert StageChange.objects.filter(project=duplicate).exists()  # its history stays
    assert Project.objects.filter(pk=duplicate.pk).exists()
    assert record.moved["projects.activity.project"]
    assert duplicate.history.first().change_source == "merge"


def test_undoing_a_project_merge_puts_everything_back() -> None:
    survivor, duplicate = _two_projects()
    before = {
        p.pk: (p.amount_cny, p.description, p.counted_in_stats) for p in (survivor, duplicate)
    }
    record = merge_projects(survivor, duplicate)
    undo_merge(record)
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of_id is None
    assert Activity.objects.get().project_id == duplicate.pk
    after = {p.pk: (p.amount_cny, p.description, p.counted_in_stats) for p in (survivor, duplicate)}
    assert after == before
    record.refresh_from_db()
    assert record.undone_at is not None
    with pytest.raises(ValidationError):
        undo_merge(record)


def test_a_merge_is_refused_for_the_same_record_or_one_already_merged() -> None:
    survivor, duplicate = _two_projects()
    with pytest.raises(ValidationError):
        merge_projects(survivor, survivor)
    merge_projects(survivor, duplicate)
    with pytest.raises(ValidationError):
        merge_projects(survivor, duplicate)
    with pytest.raises(ValidationError):
        merge_projects(duplicate, make_project("第三个"))


def test_merging_companies_moves_projects_names_and_credit_code_and_undoes() -> None:
    survivor = make_company("比亚迪电子有限公司")
    duplicate = make_company(
        "比亞迪電子(上海)有限公司", credit_code="91310000MA1FL8XQ37", name_en="BYD Electronic"
    )
    project = make_project("研发总部", investor=duplicate)
    lo, hi = sorted((survivor.pk, duplicate.pk))
    DuplicateSuggestion.objects.create(
        kind="companies", first_id=lo, second_id=hi, score=Decimal("92"), reasons=["x"]
    )
    record = merge_companies(survivor, duplicate)
    project.refresh_from_db()
    assert project.investor_id == survivor.pk
    assert survivor.credit_code == "91310000MA1FL8XQ37" and duplicate.credit_code is None
    assert "比亞迪電子(上海)有限公司" in survivor.aliases and survivor.name_en == "BYD Electronic"
    assert "比亚迪电子(上海)有限公司" in survivor.search_key
    assert duplicate.duplicate_of_id == survivor.pk
    assert DuplicateSuggestion.objects.get().status == "merged"
    undo_merge(record)
    project.refresh_from_db()
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert project.investor_id == duplicate.pk
    assert duplicate.credit_code == "91310000MA1FL8XQ37" and survivor.credit_code is None
    assert survivor.aliases == [] and survivor.name_en == ""
    assert duplicate.duplicate_of_id is None
    assert DuplicateSuggestion.objects.get().status == "open"
    assert MergeRecord.objects.get().undone_at is not None
    assert Company.objects.count() == 2
