from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from core.concurrency import StaleVersion
from core.context import change_context
from projects.models import Project, StageChange
from projects.services import create_project, mark_lost, move_stage
from testing.factories import make_project

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 5, 6)


def test_moving_to_signed_needs_the_signing_date() -> None:
    project = make_project(stage="negotiating")
    with pytest.raises(ValidationError) as err:
        move_stage(project, "signed")
    assert "date" in err.value.message_dict
    project.refresh_from_db()
    assert project.stage.code == "negotiating"
    assert project.stage_changes.count() == 1  # only the initial stage


def test_a_move_records_history_and_the_milestone_date() -> None:
    project = make_project(stage="negotiating")
    change = move_stage(project, "signed", on=DAY, reason="", note="集中签约")
    project.refresh_from_db()
    assert project.stage.code == "signed"
    assert project.signed_on == DAY
    assert project.stage_entered_on == DAY
    assert (change.from_stage.code, change.to_stage.code) == ("negotiating", "signed")  # type: ignore[union-attr]
    assert list(project.stage_changes.values_list("to_stage__code", flat=True)) == [
        "negotiating",
        "signed",
    ]
    assert project.history.first().history_change_reason == "stage negotiating → signed"


def test_a_stage_move_carries_the_batch_id_into_history() -> None:
    project = make_project(stage="negotiating")
    with change_context("command", request_id="batch-42"):
        change = move_stage(project, "signed", on=DAY)
    assert change.request_id == "batch-42"
    record = project.history.first()
    assert record is not None
    assert (record.request_id, record.change_source) == ("batch-42", "command")


def test_it_refuses_to_mark_a_project_lost_without_a_reason() -> None:
    project = make_project(stage="contacted")
    with pytest.raises(ValidationError) as err:
        mark_lost(project, reason="  ")
    assert "reason" in err.value.message_dict


def test_it_refuses_to_leave_lost_without_a_reason() -> None:
    project = make_project(stage="contacted")
    mark_lost(project, reason="投资方改选苏州")
    project.refresh_from_db()
    assert project.lost_reason == "投资方改选苏州"
    with pytest.raises(ValidationError) as err:
        move_stage(project, "negotiating")
    assert "reason" in err.value.message_dict
    move_stage(project, "negotiating", reason="投资方重新接洽")
    project.refresh_from_db()
    assert project.stage.code == "negotiating"
    assert project.lost_reason == ""


def test_it_refuses_future_dates_and_no_op_moves() -> None:
    project = make_project(stage="negotiating")
    with translation.override("en"):
        with pytest.raises(ValidationError, match="future"):
            move_stage(project, "signed", on=dt.date.today() + dt.timedelta(days=30))
        with pytest.raises(ValidationError, match="already"):
            move_stage(project, "negotiating")


def test_it_rejects_an_unknown_stage_code() -> None:
    project = make_project(stage="lead")
    with translation.override("en"), pytest.raises(ValidationError, match="Unknown stage"):
        move_stage(project, "celebrating")


def test_a_stale_version_changes_nothing() -> None:
    project = make_project(stage="negotiating")
    seen = project.version
    project.description = "edited elsewhere"
    project.save()
    with pytest.raises(StaleVersion):
        move_stage(project, "signed", on=DAY, expected_version=seen)
    project.refresh_from_db()
    assert project.stage.code == "negotiating"
    assert StageChange.objects.filter(project=project).count() == 1


def test_saving_bumps_the_version() -> None:
    project = make_project()
    before = project.version
    project.description = "x"
    project.save()
    assert project.version == before + 1


def test_creating_a_signed_project_requires_its_date() -> None:
    from projects.models import Stage

    with pytest.raises(ValidationError), transaction.atomic():
        create_project(name="无日期项目", stage=Stage.objects.get(code="signed"))
    assert not Project.objects.filter(name="无日期项目").exists()


def test_a_negative_amount_is_rejected_and_nothing_is_saved() -> None:
    with pytest.raises(ValidationError) as err:
        make_project("负数项目", amount_cny=Decimal("-1"))
    assert "amount_cny" in err.value.message_dict
    assert not Project.objects.filter(name="负数项目").exists()
