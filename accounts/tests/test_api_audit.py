"""The audit API: administrators read who changed what, when, under which request id."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from testing.personas import create_scenario

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_audit_shows_before_and_after_with_request_id_and_user(personas: dict[str, Any]) -> None:
    scenario = create_scenario()
    project = scenario["projects"]["xuhui"]
    officer = client_for(personas["officer_xuhui"])
    officer.generic(
        "PATCH",
        f"/api/v1/projects/{project.pk}",
        json.dumps({"name": "改名后的项目", "priority": "A", "version": 1}),
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-audit-77",
    )
    admin = client_for(personas["admin"])
    body = admin.get(
        f"/api/v1/audit/?model=projects.project&object_id={project.pk}&request_id=req-audit-77"
    ).json()
    assert body["count"] == 1
    record = body["results"][0]
    assert record["type"] == "update"
    assert record["user"]["username"] == "officer_xuhui"
    assert record["request_id"] == "req-audit-77"
    assert record["source"] == "api"
    changes = {c["field"]: (c["old"], c["new"]) for c in record["changes"]}
    assert changes["name"] == ("徐汇ALPHA项目", "改名后的项目")
    assert changes["priority"] == ("B", "A")


def test_audit_lists_records_across_models_newest_first(personas: dict[str, Any]) -> None:
    create_scenario()
    body = client_for(personas["admin"]).get("/api/v1/audit/?page_size=5").json()
    assert body["count"] > 5 and len(body["results"]) == 5
    times = [r["at"] for r in body["results"]]
    assert times == sorted(times, reverse=True)
    assert {"model", "object_id", "type", "changes"} <= set(body["results"][0])


def test_audit_is_for_administrators_only(personas: dict[str, Any]) -> None:
    for key in ("analyst", "officer_xuhui", "partner", "viewer"):
        response = client_for(personas[key]).get("/api/v1/audit/")
        assert response.status_code == 403, key


def test_audit_rejects_unknown_models(personas: dict[str, Any]) -> None:
    response = client_for(personas["admin"]).get("/api/v1/audit/?model=nope.nothing")
    assert response.status_code == 422
    assert "model" in response.json()["error"]["fields"]


def test_command_changes_carry_a_batch_id(personas: dict[str, Any]) -> None:
    from accounts.models import ApiToken

    call_command(
        "token",
        "create",
        "--user",
        "viewer",
        "--name",
        "batch",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert ApiToken.objects.filter(name="batch").exists()
    # Profiles are audited; the persona factory ran outside any context, a command inside one.
    from core.context import change_context

    with change_context("command") as ctx:
        profile = personas["viewer"].profile
        profile.unit = "市投促办"
        profile.save()
    record = profile.history.latest("history_date")
    assert record.request_id == ctx.request_id and record.change_source == "command"
