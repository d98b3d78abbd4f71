"""The project API: FilterSet lists, validation by ProjectForm, stage moves, 409 on stale
versions, one error envelope, and audit records carrying the request id and user."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from config.env import parse_cache_url
from geo.models import District
from projects.models import Project, Stage, StageChange
from testing.factories import make_project
from testing.personas import SCENARIO_NAMES, create_scenario

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, body: Any = None, **headers: Any) -> Any:
    return client.generic(
        method,
        url,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )


def test_list_uses_the_project_filterset(personas: dict[str, Any]) -> None:
    create_scenario()
    client = client_for(personas["admin"])
    body = client.get("/api/v1/projects/?district=310114&amount_min_yi=10").json()
    assert {r["name"] for r in body["results"]} == {SCENARIO_NAMES["jiading"]}
    body = client.get("/api/v1/projects/?q=嘉定").json()
    assert body["count"] == 2


def test_list_is_paged_and_sorted(personas: dict[str, Any]) -> None:
    create_scenario()
    client = client_for(personas["admin"])
    first = client.get("/api/v1/projects/?ordering=-amount&page_size=2").json()
    assert first["count"] == 5 and first["pages"] == 3 and len(first["results"]) == 2
    assert [r["name"] for r in first["results"]] == [
        SCENARIO_NAMES["pudong"],
        SCENARIO_NAMES["jiading"],
    ]
    last = client.get("/api/v1/projects/?ordering=-amount&page_size=2&page=3").json()
    assert [r["name"] for r in last["results"]] == [SCENARIO_NAMES["referred"]]
    beyond = client.get("/api/v1/projects/?page=9").json()
    assert beyond["results"] == []


def test_invalid_filter_values_answer_422_naming_the_parameter(personas: dict[str, Any]) -> None:
    client = client_for(personas["admin"])
    response = client.get("/api/v1/projects/?signed_from=yesterday&ordering=nonsense")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"signed_from", "ordering"}


def test_list_query_count_does_not_grow_with_rows(
    personas: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    create_scenario()
    for i in range(20):
        make_project(f"批量项目{i}", district="310104")
    client = client_for(personas["officer_xuhui"])
    client.get("/api/v1/projects/")  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/projects/?page_size=50")
    assert response.json()["count"] == 22


def test_create_validates_with_the_project_form(personas: dict[str, Any]) -> None:
    client = client_for(personas["officer_xuhui"])
    xuhui = District.objects.get(code="310104")
    signed = Stage.objects.get(code="signed")
    missing_date = send(
        client,
        "POST",
        "/api/v1/projects/",
        {"name": "缺日期", "stage": signed.pk, "district": xuhui.pk},
    )
    assert missing_date.status_code == 422
    assert "signed_on" in missing_date.json()["error"]["fields"]
    unknown = send(
        client, "POST", "/api/v1/projects/", {"name": "x", "stage": 999999, "district": xuhui.pk}
    )
    assert unknown.status_code == 422 and "stage" in unknown.json()["error"]["fields"]
    created = send(
        client,
        "POST",
        "/api/v1/projects/",
        {"name": "新签约项目", "stage": signed.pk, "district": xuhui.pk, "signed_on": "2025-03-01"},
    )
    assert created.status_code == 201, created.content
    project = Project.objects.get(pk=created.json()["id"])
    # The first stage is recorded by the stage service, as for every other way in.
    assert StageChange.objects.filter(project=project, from_stage=None).count() == 1


def test_an_officer_cannot_create_or_move_a_project_outside_the_district(
    personas: dict[str, Any],
) -> None:
    scenario = create_scenario()
    client = client_for(personas["officer_xuhui"])
    jiading = District.objects.get(code="310114")
    signed = Stage.objects.get(code="signed")
    before = Project.objects.count()
    response = send(
        client,
        "POST",
        "/api/v1/projects/",
        {"name": "越界项目", "stage": signed.pk, "district": jiading.pk, "signed_on": "2025-03-01"},
    )
    assert response.status_code == 403
    assert Project.objects.count() == before
    project = scenario["projects"]["xuhui"]
    moved = send(
        client, "PATCH", f"/api/v1/projects/{project.pk}", {"district": jiading.pk, "version": 1}
    )
    assert moved.status_code == 403
    project.refresh_from_db()
    assert project.district.code == "310104" and project.version == 1


def test_stale_version_answers_409_and_changes_nothing(personas: dict[str, Any]) -> None:
    scenario = create_scenario()
    project = scenario["projects"]["xuhui"]
    first, second = client_for(personas["officer_xuhui"]), client_for(personas["admin"])
    ok = send(
        first, "PATCH", f"/api/v1/projects/{project.pk}", {"name": "第一次修改", "version": 1}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = send(second, "PATCH", f"/api/v1/projects/{project.pk}", {"name": "覆盖", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_version"
    assert stale.json()["error"]["current_version"] == 2
    project.refresh_from_db()
    assert project.name == "第一次修改" and project.version == 2
    for method, url, body in (
        (
            "PUT",
            f"/api/v1/projects/{project.pk}",
            {"name": "x", "stage": project.stage_id, "version": 1},
        ),
        ("POST", f"/api/v1/projects/{project.pk}/stage", {"stage": "registered", "version": 1}),
        ("DELETE", f"/api/v1/projects/{project.pk}?version=1", None),
    ):
        assert send(second, method, url, body).status_code == 409, method
    assert Project.objects.filter(pk=project.pk, version=2, stage__code="signed").exists()


def test_patch_keeps_unsent_fields(personas: dict[str, Any]) -> None:
    scenario = create_scenario()
    project = scenario["projects"]["jiading"]
    client = client_for(personas["admin"])
    body = send(
        client, "PATCH", f"/api/v1/projects/{project.pk}", {"priority": "A", "version": 1}
    ).json()
    assert body["priority"] == "A"
    assert Decimal(body["amount_cny"]) == Decimal("3e9")
    assert body["district"]["code"] == "310114"


def test_stage_moves_go_through_the_stage_service(personas: dict[str, Any]) -> None:
    scenario = create_scenario()
    project = scenario["projects"]["xuhui"]
    client = client_for(personas["officer_xuhui"])
    moved = send(
        client,
        "POST",
        f"/api/v1/projects/{project.pk}/stage",
        {"stage": "registered", "on": "2025-02-01", "version": 1},
        HTTP_X_REQUEST_ID="req-stage-move-1",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["stage"]["code"] == "registered"
    assert moved.json()["registered_on"] == "2025-02-01"
    change = StageChange.objects.filter(project=project).latest("id")
    assert change.to_stage.code == "registered"
    assert change.changed_by == personas["officer_xuhui"]
    assert change.request_id == "req-stage-move-1"
    history = client.get(f"/api/v1/projects/{project.pk}/stage-changes").json()
    assert [h["to_stage"] for h in history] == ["signed", "registered"]

    lost = send(
        client, "POST", f"/api/v1/projects/{project.pk}/stage", {"stage": "lost", "version": 2}
    )
    if Stage.objects.filter(code="lost").exists():
        assert lost.status_code == 422 and "reason" in lost.json()["error"]["fields"]
    unknown = send(
        client, "POST", f"/api/v1/projects/{project.pk}/stage", {"stage": "nope", "version": 2}
    )
    assert unknown.status_code == 422


def test_delete_refuses_projects_other_records_point_to(personas: dict[str, Any]) -> None:
    scenario = create_scenario()
    original = scenario["projects"]["jiading"]
    make_project("扩建项目", district="310114", expands=original)
    client = client_for(personas["admin"])
    response = send(client, "DELETE", f"/api/v1/projects/{original.pk}?version=1")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "protected"
    assert Project.objects.filter(pk=original.pk).exists()


def test_api_writes_record_request_id_and_user_in_history(personas: dict[str, Any]) -> None:
    from accounts.models import ApiToken

    scenario = create_scenario()
    project = scenario["projects"]["xuhui"]
    _token, secret = ApiToken.issue(personas["officer_xuhui"], "t")
    response = send(
        Client(),
        "PATCH",
        f"/api/v1/projects/{project.pk}",
        {"name": "令牌修改", "version": 1},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_X_REQUEST_ID="req-audit-check-42",
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-audit-check-42"
    record = project.history.latest("history_date")
    assert record.request_id == "req-audit-check-42"
    assert record.change_source == "api"
    assert record.history_user == personas["officer_xuhui"]
    assert record.name == "令牌修改"


def test_every_error_uses_the_envelope(personas: dict[str, Any]) -> None:
    client = client_for(personas["viewer"])
    cases = {
        404: client.get("/api/v1/projects/999999"),
        405: client.put("/api/v1/projects/"),
        422: client.get("/api/v1/projects/abc"),
        401: Client().get("/api/v1/projects/"),
        403: send(client, "POST", "/api/v1/companies/", {"name_zh_hans": "x"}),
    }
    cases[404 + 1000] = client.get("/api/v1/no/such/endpoint")
    for status, response in cases.items():
        body = response.json()
        assert set(body) == {"error"}, status
        assert body["error"]["status"] == status % 1000
        assert body["error"]["request_id"] == response["X-Request-ID"]


def test_unexpected_errors_answer_500_in_the_envelope(
    personas: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import projects.api

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(projects.api, "project_brief_row", boom)
    create_scenario()
    response = client_for(personas["admin"]).get("/api/v1/projects/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "boom" not in response.content.decode()


def test_throttling_answers_429(personas: dict[str, Any], settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.API_THROTTLE_RATE = "3/m"
    client = client_for(personas["viewer"])
    statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]
    cache.clear()
    assert statuses == [200, 200, 200, 429]


def _redis_url() -> str | None:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return None
    return "redis://127.0.0.1:6379/7"


@pytest.mark.skipif(_redis_url() is None, reason="no Redis server at 127.0.0.1:6379")
def test_throttle_counts_in_a_shared_cache_when_one_is_configured(
    personas: dict[str, Any], settings: Any
) -> None:
    """With CACHE_URL=redis://..., every worker process increments the same counter."""
    import redis
    from django.core.cache import caches

    settings.CACHES = {"default": parse_cache_url(_redis_url() or "")}
    caches["default"].clear()
    settings.API_THROTTLE_RATE = "3/m"
    client = client_for(personas["viewer"])
    statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]
    # The counter lives in the Redis server, where another worker process would find it.
    counters = [
        int(v)
        for k in redis.Redis.from_url(_redis_url() or "").scan_iter("*throttle_user*")
        if (v := redis.Redis.from_url(_redis_url() or "").get(k)) is not None
    ]
    caches["default"].clear()
    assert statuses == [200, 200, 200, 429]
    assert counters == [4]


def test_openapi_document_and_docs_page_are_served(personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["viewer"])  # outside DEBUG the docs need a login
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for resource in (
        "projects",
        "companies",
        "events",
        "partners",
        "districts",
        "zones",
        "industries",
        "stages",
        "source-documents",
    ):
        assert f"/api/v1/{resource}/" in paths, resource
    assert "/api/v1/projects/{id}/stage" in paths
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_creating_a_project_reports_and_queues_likely_duplicates(
    personas: dict[str, Any],
) -> None:
    from ingest.models import DuplicateSuggestion
    from testing.factories import make_company

    investor = make_company("示例半导体有限公司")
    existing = make_project(
        "示例半导体研发中心", investor=investor, amount_cny=Decimal("500000000")
    )
    other_district = make_project(
        "示例半导体浦东基地", investor=investor, district="310115", signed_on=existing.signed_on
    )
    client = client_for(personas["officer_xuhui"])
    body = {
        "name": "示例半导体研发中心项目",
        "investor": investor.pk,
        "stage": Stage.objects.get(code="signed").pk,
        "district": District.objects.get(code="310104").pk,
        "signed_on": "2024-04-15",
        "amount_cny": "520000000",
    }
    created = send(client, "POST", "/api/v1/projects/", body)
    assert created.status_code == 201, created.content
    hints = created.json()["possible_duplicates"]
    # Same investor, same district, amount within 10%, dates within 180 days; the 浦东
    # project is outside the officer's view and outside the rule (another district).
    assert [h["id"] for h in hints] == [existing.pk]
    assert hints[0]["reasons"] and hints[0]["score"] > 0
    new_id = created.json()["id"]
    pair = DuplicateSuggestion.objects.get(kind="projects")
    assert (pair.first_id, pair.second_id) == (existing.pk, new_id)
    assert pair.status == DuplicateSuggestion.Status.OPEN
    assert other_district.pk not in {pair.first_id, pair.second_id}
    # A project unlike any other gets an empty list and queues nothing.
    body.update(name="全新项目", investor=None, amount_cny="1000")
    lonely = send(client, "POST", "/api/v1/projects/", body)
    assert lonely.status_code == 201 and lonely.json()["possible_duplicates"] == []
    assert DuplicateSuggestion.objects.count() == 1


@pytest.mark.parametrize("persona", ["admin", "officer_xuhui", "officer_jiading", "partner"])
def test_detail_from_values_equals_the_model_instance_rendering(
    personas: dict[str, Any], persona: str
) -> None:
    """The detail is read as plain values by a prepared query; it must say exactly what the
    model-instance rendering (used after writes) says, investor hiding included."""
    from accounts.models import ApiToken
    from accounts.policy import restrict
    from events.models import Event
    from projects.schemas import FULL_RELATED, ProjectOut, project_out

    create_scenario()
    event = Event.objects.order_by("pk").first()
    Project.objects.update(signing_event=event, owner=personas["officer_xuhui"])
    user = personas[persona]
    _token, secret = ApiToken.issue(user, "t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    visible = set(restrict(Project, user, "view").values_list("pk", flat=True))
    assert visible
    for project in Project.objects.select_related(*FULL_RELATED):
        response = client.get(f"/api/v1/projects/{project.pk}")
        if project.pk not in visible:
            assert response.status_code == 404
            continue
        expected = ProjectOut.model_validate(project_out(project, user)).model_dump(mode="json")
        assert response.json() == expected
