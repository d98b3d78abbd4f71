"""/api/v1/jobs: start a background job and follow it (the starter and administrators)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from accounts.policy import restrict
from core.api.auth import actor
from core.api.errors import ERROR_STATUSES, ApiError, ErrorOut
from core.api.schemas import Out
from jobs import runner
from jobs.models import Job

router = Router(tags=["jobs"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in ERROR_STATUSES}


class JobOut(Out):
    id: int
    kind: str
    label: str
    status: str
    done: int
    total: int | None
    percent: int | None
    message: str
    result_url: str
    created: dt.datetime
    started: dt.datetime | None
    finished: dt.datetime | None


class JobIn(Schema):
    kind: str = Field(..., max_length=64, description="the kind of job, e.g. rollup")


def _out(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "label": job.label,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "result_url": job.result_url,
        "created": job.created,
        "started": job.started,
        "finished": job.finished,
    }


@router.get("/{int:id}", response={200: JobOut, **ERRORS}, summary="A background job")
def job_detail(request: HttpRequest, id: int) -> Any:  # noqa: A002 - {id} as in every API path
    """Status and progress of a job you started (administrators: any job)."""
    return _out(get_object_or_404(restrict(Job, actor(request), "view"), pk=id))


@router.post("/", response={202: JobOut, **ERRORS}, summary="Start a background job")
def job_start(request: HttpRequest, payload: JobIn) -> Any:
    """Queue a job; 429 when you already have JOBS_PER_USER of that kind queued or running."""
    try:
        job = runner.start(actor(request), payload.kind)
    except runner.JobRefused as refused:
        raise ApiError(refused.status, refused.message) from refused
    return Status(202, _out(job))
