"""Every API operation as every persona: exactly what each may see and do.

The matrix below lists each operation of the OpenAPI document; a new endpoint without a row
here fails `test_every_operation_is_in_the_matrix`, so nobody can add one unreviewed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from config.api import api
from geo.models import District
from projects.models import Stage
from testing.personas import (
    CONFIDENTIAL_INVESTOR,
    SCENARIO_NAMES,
    SCENARIO_VISIBLE,
    create_scenario,
)

pytestmark = pytest.mark.django_db

PERSONAS = ("admin", "analyst", "officer_xuhui", "officer_jiading", "partner", "viewer", "anon")
A, N, X, J, P, V = "admin", "analyst", "officer_xuhui", "officer_jiading", "partner", "viewer"


def expect(default: int, **overrides: int) -> dict[str, int]:
    table = dict.fromkeys(PERSONAS, default)
    table["anon"] = 401
    table.update(overrides)
    return table


READ_ALL = expect(200)
# Resource key → (path prefix, scenario object providing {id}).
RESOURCES = {
    "projects": ("projects", lambda s: s["projects"]["xuhui"]),
    "companies": ("companies", lambda s: s["company"]),
    "events": ("events", lambda s: s["event"]),
    "partners": ("partners", lambda s: s["partner"]),
    "source-documents": ("source-documents", lambda s: s["document"]),
    "districts": ("districts", lambda s: District.objects.get(code="310104")),
    "zones": ("zones", lambda s: District.objects.get(code="310104").primary_zones.first()),
    "industries": ("industries", lambda s: s["projects"]["xuhui"].industry),
    "stages": ("stages", lambda s: Stage.objects.get(code="signed")),
    "jobs": ("jobs", lambda s: _analysts_job()),
}


def _analysts_job() -> Any:
    from django.contrib.auth import get_user_model

    from jobs.models import Job

    analyst = get_user_model().objects.get(username="analyst")
    return Job.objects.create(user=analyst, kind="rollup", label="rollup")


SHARED_WRITE = {  # companies and events: officers register them, only admins/analysts delete
    "create": expect(201, partner=403, viewer=403),
    "change": expect(200, partner=403, viewer=403),
    "delete": expect(200, officer_xuhui=403, officer_jiading=403, partner=403, viewer=403),
}
ADMIN_ANALYST_WRITE = {
    "create": expect(403, admin=201, analyst=201),
    "change": expect(403, admin=200, analyst=200),
    "delete": expect(403, admin=200, analyst=200),
}
PROJECT_CHANGE = expect(200, officer_jiading=404, partner=404, viewer=403)

MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/projects/"): READ_ALL,
    ("GET", "/api/v1/projects/totals"): READ_ALL,
    ("GET", "/api/v1/projects/{id}"): expect(200, officer_jiading=404, partner=404),
    ("GET", "/api/v1/projects/{id}/stage-changes"): expect(200, officer_jiading=404, partner=404),
    # An officer of 嘉定 may create projects, but not in 徐汇 (the body's district).
    ("POST", "/api/v1/projects/"): expect(201, officer_jiading=403, partner=403, viewer=403),
    ("PUT", "/api/v1/projects/{id}"): PROJECT_CHANGE,
    ("PATCH", "/api/v1/projects/{id}"): PROJECT_CHANGE,
    ("POST", "/api/v1/projects/{id}/stage"): PROJECT_CHANGE,
    ("DELETE", "/api/v1/projects/{id}"): expect(
        200, officer_xuhui=403, officer_jiading=404, partner=404, viewer=403
    ),
    ("GET", "/api/v1/source-documents/"): READ_ALL,
    ("GET", "/api/v1/source-documents/{id}"): expect(200, partner=404),
    ("POST", "/api/v1/source-documents/"): expect(201, partner=403, viewer=403),
    ("PUT", "/api/v1/source-documents/{id}"): expect(200, partner=404, viewer=403),
    ("PATCH", "/api/v1/source-documents/{id}"): expect(200, partner=404, viewer=403),
    ("DELETE", "/api/v1/source-documents/{id}"): expect(
        200, officer_xuhui=403, officer_jiading=403, partner=404, viewer=403
    ),
    ("GET", "/api/v1/me/"): READ_ALL,
    ("GET", "/api/v1/audit/"): expect(403, admin=200),
    # A job is seen by whoever started it (here the analyst) and administrators; only
    # administrators may start the rollup rebuild.
    ("GET", "/api/v1/jobs/{id}"): expect(404, admin=200, analyst=200),
    ("POST", "/api/v1/jobs/"): expect(403, admin=202),
}
for _name, _rules in (
    ("companies", SHARED_WRITE),
    ("events", SHARED_WRITE),
    ("partners", ADMIN_ANALYST_WRITE),
):
    MATRIX[("GET", f"/api/v1/{_name}/")] = READ_ALL
    MATRIX[("GET", f"/api/v1/{_name}/{{id}}")] = READ_ALL
    MATRIX[("POST", f"/api/v1/{_name}/")] = _rules["create"]
    MATRIX[("PUT", f"/api/v1/{_name}/{{id}}")] = _rules["change"]
    MATRIX[("PATCH", f"/api/v1/{_name}/{{id}}")] = _rules["change"]
    MATRIX[("DELETE", f"/api/v1/{_name}/{{id}}")] = _rules["delete"]
for _name in ("districts", "zones", "industries", "stages"):
    MATRIX[("GET", f"/api/v1/{_name}/")] = READ_ALL
    MATRIX[("GET", f"/api/v1/{_name}/{{id}}")] = READ_ALL


def _openapi_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_operation_is_in_the_matrix() -> None:
    assert _openapi_operations() == set(MATRIX)


def _body(method: str, path: str, scenario: dict[str, Any], obj: Any) -> dict[str, Any] | None:
    xuhui = District.objects.get(code="310104")
    signed = Stage.objects.get(code="signed")
    version = {"version": obj.version} if obj is not None and hasattr(obj, "version") else {}
    if path.endswith("/stage"):
        return {"stage": "registered", "on": "2025-02-01", **version}
    if method == "DELETE" or method == "GET":
        return None
    resource = path.split("/")[3]
    bodies: dict[str, dict[str, Any]] = {
        "projects": {
            "name": "新建项目",
            "stage": signed.pk,
            "district": xuhui.pk,
            "signed_on": "2025-01-02",
            "amount_cny": "100000000",
        },
        "companies": {"name_zh_hans": "新建投资有限公司", "country": "CN"},
        "events": {"name": "新活动", "kind": "conference", "date": "2025-03-01"},
        "partners": {"name_zh_hans": "新合作伙伴", "kind": "bank"},
        "source-documents": {"text": "新的新闻正文。", "language": "zh-hans"},
        "jobs": {"kind": "rollup"},
    }
    body = dict(bodies[resource])
    if method == "PATCH":
        key = next(iter(body))
        body = {key: body[key]}
    return {**body, **(version if method in {"PUT", "PATCH"} else {})}


def _client_for(persona: str, personas: dict[str, Any]) -> Client:
    client = Client()
    if persona != "anon":
        client.force_login(personas[persona])
    return client


@pytest.mark.parametrize("operation", sorted(MATRIX), ids=lambda op: f"{op[0]} {op[1]}")
def test_operation_as_every_persona(operation: tuple[str, str], personas: dict[str, Any]) -> None:
    """One scenario per operation; each persona's request runs in a rolled-back savepoint."""
    scenario = create_scenario()
    method, path = operation
    wrong: dict[str, str] = {}
    for persona in PERSONAS:
        with transaction.atomic():
            obj = None
            url = path
            if "{id}" in path:
                obj = RESOURCES[path.split("/")[3]][1](scenario)
                url = path.replace("{id}", str(obj.pk))
            body = _body(method, path, scenario, obj)
            if method == "DELETE" and obj is not None:
                url += f"?version={getattr(obj, 'version', 1)}"
            response = _client_for(persona, personas).generic(
                method,
                url,
                data=json.dumps(body) if body is not None else "",
                content_type="application/json",
            )
            expected = MATRIX[operation][persona]
            if response.status_code != expected:
                wrong[persona] = (
                    f"{response.status_code} (expected {expected}): "
                    + (response.content.decode()[:300])
                )
            elif expected >= 400:
                error = response.json()["error"]
                if error["status"] != expected or not error["request_id"]:
                    wrong[persona] = f"bad envelope {error}"
            transaction.set_rollback(True)
    assert not wrong, json.dumps(wrong, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------------
# What each persona sees


VISIBLE = SCENARIO_VISIBLE


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_project_list_shows_exactly_the_personas_projects(
    persona: str, personas: dict[str, Any]
) -> None:
    create_scenario()
    client = _client_for(persona, personas)
    names = {row["name"] for row in client.get("/api/v1/projects/?page_size=200").json()["results"]}
    assert names == {SCENARIO_NAMES[key] for key in VISIBLE[persona]}


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_project_totals_count_only_what_the_persona_may_aggregate(
    persona: str, personas: dict[str, Any]
) -> None:
    scenario = create_scenario()
    client = _client_for(persona, personas)
    body = client.get("/api/v1/projects/totals?by=district").json()
    expected = [p for key, p in scenario["projects"].items() if key in VISIBLE[persona]]
    assert body["count"] == len(expected)
    assert Decimal(body["amount_cny"]) == sum((p.amount_cny for p in expected), Decimal(0))


def test_a_district_officers_aggregates_exclude_other_districts(personas: dict[str, Any]) -> None:
    """The dashboard rule: an officer's totals never include another district's projects."""
    from django.db.models import Sum

    from projects.models import Project

    scenario = create_scenario()
    officer = personas["officer_xuhui"]
    totals = Project.objects.restrict(officer, "aggregate").aggregate(total=Sum("amount_cny"))
    assert totals["total"] == Decimal("3e9")  # 徐汇 1亿×10 + 20亿, not 嘉定/浦东
    api_totals = _client_for(X, personas).get("/api/v1/projects/totals?by=district").json()
    assert Decimal(api_totals["amount_cny"]) == Decimal("3e9")
    assert [g["key"] for g in api_totals["groups"]] == ["310104"]
    city_total = sum((p.amount_cny for p in scenario["projects"].values()), Decimal(0))
    assert Decimal(api_totals["amount_cny"]) < city_total


def test_an_officer_granted_city_aggregates_sees_city_totals_but_not_rows(
    personas: dict[str, Any],
) -> None:
    from accounts.policy import forget_scope

    scenario = create_scenario()
    officer = personas["officer_xuhui"]
    officer.profile.city_aggregates = True
    officer.profile.save()
    forget_scope(officer)
    client = _client_for(X, personas)
    totals = client.get("/api/v1/projects/totals").json()
    assert totals["count"] == len(scenario["projects"])
    rows = client.get("/api/v1/projects/").json()
    assert rows["count"] == 2


@pytest.mark.parametrize(
    ("persona", "sees_investor"),
    [(A, True), (N, True), (X, True), (V, False)],
)
def test_confidential_investor_is_hidden_without_the_right(
    persona: str, sees_investor: bool, personas: dict[str, Any]
) -> None:
    scenario = create_scenario()
    client = _client_for(persona, personas)
    project = scenario["projects"]["confidential"]
    detail = client.get(f"/api/v1/projects/{project.pk}")
    listing = client.get("/api/v1/projects/?confidential=true")
    assert detail.status_code == 200
    assert detail.json()["investor_hidden"] is (not sees_investor)
    for response in (detail, listing):
        # Anywhere in the body, whatever the JSON escaping.
        text = json.dumps(response.json(), ensure_ascii=False)
        assert (CONFIDENTIAL_INVESTOR in text) is sees_investor
