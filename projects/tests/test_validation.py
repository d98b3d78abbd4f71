"""Rules between a project's fields (security review, finding 18): no project expands itself
or closes a cycle of expansions; construction not before signing, operation not before
construction, each with a message naming both dates; in the model, the forms, the API,
stage moves and the importer."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.test import Client
from django.utils import translation

from ingest import engine
from projects.forms import ProjectForm
from projects.models import Project
from projects.services import move_stage
from testing.factories import make_project

pytestmark = pytest.mark.django_db

SIGNED = dt.date(2024, 3, 29)  # make_project's signing date


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def _patch(user: Any, project: Project, **values: Any) -> Any:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    body = {"version": project.version, **values}
    return client.patch(
        f"/api/v1/projects/{project.pk}",
        json.dumps(body),
        content_type="application/json",
    )


def _form(project: Project, **changes: Any) -> ProjectForm:
    data = {
        name: value
        for name, value in ProjectForm(instance=project, user=None).initial.items()
        if value is not None
    }
    data.update(changes)
    return ProjectForm(data=data, instance=project, user=None)


# ---- expansions ------------------------------------------------------------------------


def test_a_project_cannot_expand_itself(personas: dict[str, Any]) -> None:
    project = make_project("扩产测试项目")
    response = _patch(personas["admin"], project, expands=project.pk)
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["expands"] == [
        "A project cannot be an expansion of itself."
    ]
    form = _form(project, expands=project.pk)
    assert not form.is_valid() and "expands" in form.errors
    project.refresh_from_db()
    assert project.expands_id is None
    # The database refuses it too, whatever writes.
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(expands=F("pk"))


def test_a_cycle_of_expansions_is_refused_without_naming_the_projects(
    personas: dict[str, Any],
) -> None:
    first, second, third = (make_project(f"扩产链{i}") for i in range(3))
    Project.objects.filter(pk=second.pk).update(expands=first)
    Project.objects.filter(pk=third.pk).update(expands=second)
    first.refresh_from_db()
    response = _patch(personas["admin"], first, expands=third.pk)
    assert response.status_code == 422
    message = response.json()["error"]["fields"]["expands"][0]
    assert "cycle" in message and "扩产链" not in message
    first.refresh_from_db()
    assert first.expands_id is None
    # A chain without a cycle is fine.
    other = make_project("独立项目")
    assert _patch(personas["admin"], other, expands=third.pk).status_code == 200


# ---- milestone dates ---------------------------------------------------------------------


def test_construction_before_signing_is_refused_naming_both_dates(
    personas: dict[str, Any],
) -> None:
    project = make_project("开工日期测试")
    response = _patch(personas["admin"], project, construction_on="2024-01-15")
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["construction_on"] == [
        "Construction cannot start (2024-01-15) before the project was signed (2024-03-29)."
    ]
    form = _form(project, construction_on="2024-01-15")
    assert not form.is_valid()
    assert "2024-03-29" in str(form.errors["construction_on"])


def test_operation_before_construction_is_refused(personas: dict[str, Any]) -> None:
    project = make_project("投产日期测试")
    response = _patch(
        personas["admin"], project, construction_on="2024-06-01", operating_on="2024-05-01"
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["operating_on"] == [
        "Operation cannot start (2024-05-01) before construction started (2024-06-01)."
    ]
    # Without a construction date, operation still cannot precede the signing.
    response = _patch(personas["admin"], project, operating_on="2024-01-01")
    assert "2024-03-29" in response.json()["error"]["fields"]["operating_on"][0]


def test_registration_may_precede_signing_and_dates_in_order_are_kept(
    personas: dict[str, Any],
) -> None:
    project = make_project("扩产先注册")
    response = _patch(
        personas["admin"],
        project,
        registered_on="2023-12-01",
        construction_on="2024-03-29",
        operating_on="2024-09-01",
    )
    assert response.status_code == 200, response.content
    project.refresh_from_db()
    assert project.registered_on == dt.date(2023, 12, 1)


def test_a_stage_move_dated_before_the_signing_is_refused(personas: dict[str, Any]) -> None:
    # In talks since January, with the signing date already entered as June.
    project = make_project("阶段移动日期测试", stage="negotiating")
    Project.objects.filter(pk=project.pk).update(signed_on=dt.date(2024, 6, 1))
    project.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        move_stage(project, "construction", on=dt.date(2024, 3, 1))
    assert "2024-06-01" in str(refused.value.message_dict["date"])
    project.refresh_from_db()
    assert project.stage.code == "negotiating" and project.construction_on is None
    with pytest.raises(ValidationError) as refused:
        move_stage(project, "signed", on=dt.date(1900, 1, 1))
    assert "1949-01-01" in str(refused.value.message_dict["date"])


def test_an_import_mapping_some_columns_reports_the_dates_as_a_row_error() -> None:
    # The ledger maps the construction date but not the signing date the project has: the
    # error lands on the row (the form has no signed_on field) instead of crashing.
    make_project("台账项目", external_id="L-9")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["项目编号", "项目名称", "开工时间"])
    writer.writerow(["L-9", "台账项目", "2024-01-10"])
    _batch, plan = engine.import_file(
        out.getvalue().encode("utf-8"), "ledger.csv", "projects", dry_run=True
    )
    assert plan is not None
    row = plan.rows[0]
    assert row.action == "error"
    assert any("2024-01-10" in e and "2024-03-29" in e for e in row.errors), row.errors
