"""Jobs in one process: who sees a job, the polled fragment, the per-user limit, and the
rollup rebuild started from the cockpit (run by the immediate backend, inside the request)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from analytics import rollup
from analytics.models import ProjectFact, Rollup, RollupState
from jobs import runner
from jobs.models import Job

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ledger(personas: dict[str, Any]) -> dict[str, Any]:
    from testing.analytics import two_districts

    return two_districts()


@pytest.fixture
def queued(settings: Any) -> Any:
    """Tasks are recorded but not run: jobs stay queued."""
    settings.TASKS = DUMMY
    return settings


def test_only_the_starter_and_administrators_see_a_job(
    personas: dict[str, Any], queued: Any
) -> None:
    analyst = personas["analyst"]
    job = Job.objects.create(user=analyst, kind="rollup", label="x")
    for name, status in [("analyst", 200), ("admin", 200), ("viewer", 404), ("partner", 404)]:
        client = _client(personas[name])
        assert client.get(f"/jobs/{job.pk}/").status_code == status, name
        assert client.get(f"/jobs/{job.pk}/progress/").status_code == status, name
        assert client.get(f"/api/v1/jobs/{job.pk}").status_code == status, name
    assert Client().get(f"/api/v1/jobs/{job.pk}").status_code == 401


def test_the_fragment_polls_every_second_until_the_job_is_finished(
    personas: dict[str, Any], queued: Any
) -> None:
    job = Job.objects.create(
        user=personas["analyst"], kind="rollup", label="x", status="running", done=3, total=4
    )
    client = _client(personas["analyst"])
    running = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in running
    assert 'value="75"' in running
    Job.objects.filter(pk=job.pk).update(status="failed", message="la raison")
    failed = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "hx-trigger" not in failed
    assert "la raison" in failed
    body = client.get(f"/api/v1/jobs/{job.pk}").json()
    assert body["status"] == "failed" and body["message"] == "la raison"


def test_per_user_limit_is_refused_with_429(
    personas: dict[str, Any], queued: Any, english: None
) -> None:
    queued.JOBS_PER_USER = 2
    client = _client(personas["admin"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # each request activates its own language
    for _ in range(2):
        response = client.post("/api/v1/jobs/", {"kind": "rollup"}, content_type="application/json")
        assert response.status_code == 202, response.content
        assert response.json()["status"] == "queued"
    refused = client.post("/api/v1/jobs/", {"kind": "rollup"}, content_type="application/json")
    assert refused.status_code == 429
    assert "at most 2 at a time" in refused.json()["error"]["message"]
    assert Job.objects.filter(kind="rollup").count() == 2
    # The page answers with the same reason and goes back.
    page = client.post("/jobs/start/rollup/", {"next": "/cockpit/"}, follow=True)
    assert "at most 2 at a time" in page.content.decode()
    # Another user has their own allowance; finished jobs do not count.
    Job.objects.filter(kind="rollup").update(status="done")
    assert client.post("/jobs/start/rollup/").status_code == 302


def test_only_administrators_may_rebuild_the_rollup(personas: dict[str, Any], queued: Any) -> None:
    analyst = _client(personas["analyst"])
    assert analyst.post("/jobs/start/rollup/").status_code == 403
    response = analyst.post("/api/v1/jobs/", {"kind": "rollup"}, content_type="application/json")
    assert response.status_code == 403
    assert "rebuild-rollup" not in analyst.get("/cockpit/").content.decode()
    assert "rebuild-rollup" in _client(personas["admin"]).get("/cockpit/").content.decode()
    unknown = _client(personas["admin"]).post(
        "/api/v1/jobs/", {"kind": "nope"}, content_type="application/json"
    )
    assert unknown.status_code == 404
    assert not Job.objects.exists()


def _snapshot() -> tuple[list[Any], list[Any]]:
    facts = list(ProjectFact.objects.order_by("pk").values_list())
    columns = [f.attname for f in Rollup._meta.concrete_fields if f.attname != "id"]
    rows = list(Rollup.objects.order_by(*columns).values_list(*columns))
    return facts, rows


def test_cockpit_button_rebuilds_the_rollup_and_the_job_page_follows_it(
    personas: dict[str, Any], ledger: Any, settings: Any
) -> None:
    settings.TASKS = IMMEDIATE
    client = _client(personas["admin"])
    response = client.post("/jobs/start/rollup/")
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == "done", job.message
    assert job.task_id
    assert job.total == job.done == rollup.rebuild_steps()
    assert RollupState.objects.exists() and ProjectFact.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert 'value="100"' in page and "/cockpit/" in page


def test_a_failed_rebuild_reports_its_error_and_leaves_the_rollup_as_it_was(
    personas: dict[str, Any], ledger: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.TASKS = IMMEDIATE
    rollup.rebuild()
    before = _snapshot()
    assert before[0] and before[1]

    def broken(dim: str, city: bool) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(rollup, "_group_rows", broken)
    job = runner.start(personas["admin"], "rollup")
    job.refresh_from_db()
    assert job.status == "failed"
    assert "disk full" in job.message
    assert job.finished is not None
    assert _snapshot() == before


def test_messages_are_in_the_starters_language(personas: dict[str, Any], settings: Any) -> None:
    settings.TASKS = IMMEDIATE
    from django.utils import translation

    def fail(progress: runner.Progress) -> None:
        raise RuntimeError("boom")

    job = Job.objects.create(user=personas["admin"], kind="rollup", label="x", language="en")
    with translation.override("zh-hans"), pytest.raises(RuntimeError):
        runner.run_job(job.pk, fail)
    job.refresh_from_db()
    assert job.message == "The job failed: boom"
