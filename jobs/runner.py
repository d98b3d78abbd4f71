"""Start long work as a task and keep its Job up to date while it runs.

- `register(kind, ...)` names a kind of job a page or the API may start (apps register theirs
  when Django starts, e.g. analytics registers the rollup rebuild).
- `start(user, kind, ...)` checks who may start it and the per-user limit
  (settings.JOBS_PER_USER), creates the Job and enqueues the task with the job's id.
- `run_job(job_id, work)` is what a task calls: it marks the Job running, hands `work` a
  `Progress`, and records how it ended: done with its result link, or failed with a message
  in the starter's language. The exception is re-raised so the task result is FAILED too.

A task's own data changes are the task's business: work that must leave nothing behind when
it fails runs in one transaction (`transaction.atomic`), so a failure or a killed worker rolls
it back and running the task again gives the same data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.policy import can
from jobs.models import Job

ACTIVE = (Job.Status.QUEUED, Job.Status.RUNNING)


class JobError(Exception):
    """A failure whose message is meant for the user (already translated)."""


class JobRefused(Exception):
    """The job was not started; `status` is the HTTP answer (403 or 429)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Kind:
    kind: str
    label: Callable[[], str]
    task: Any  # a django_tasks Task taking the job id first
    capability: str | None = None  # accounts.policy capability needed to start it


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    KINDS[kind.kind] = kind


def may_start(user: Any, kind: str) -> bool:
    found = KINDS.get(kind)
    if found is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    return found.capability is None or can(user, found.capability)


def active_jobs(user: Any, kind: str) -> int:
    return Job.objects.filter(user=user, kind=kind, status__in=ACTIVE).count()


def start(user: Any, kind: str, *args: Any, label: str = "") -> Job:
    """Create the Job and enqueue its task; JobRefused when not allowed or over the limit."""
    found = KINDS.get(kind)
    if found is None:
        raise JobRefused(404, _("Unknown kind of job: {kind}.").format(kind=kind))
    if not may_start(user, kind):
        raise JobRefused(403, _("You may not start this job."))
    limit = settings.JOBS_PER_USER
    with transaction.atomic():
        if active_jobs(user, kind) >= limit:
            raise JobRefused(
                429,
                _(
                    "You already have {n} jobs of this kind queued or running; wait until "
                    "one finishes (at most {limit} at a time)."
                ).format(n=active_jobs(user, kind), limit=limit),
            )
        job = Job.objects.create(
            user=user,
            kind=kind,
            label=label or found.label(),
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    result = found.task.enqueue(job.pk, *args)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


class Progress:
    """Counts done out of total for one Job, written at most every `every` seconds.

    Inside a transaction (work that must leave nothing behind runs in one) the count cannot
    go through the work's own connection: nobody would see it before the commit. On
    PostgreSQL it goes through a second connection; SQLite allows one writer at a time, so
    there the bar moves when the transaction ends (the page shows the job as running).
    """

    def __init__(self, job_id: int, every: float = 0.5) -> None:
        self.job_id = job_id
        self.every = every
        self.done = 0
        self.total: int | None = None
        self._last = 0.0
        self._side: Any = None

    def set_total(self, total: int | None) -> None:
        self.total = total
        self._write(force=True)

    def advance(self, n: int = 1) -> None:
        self.update(self.done + n)

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        self._write()

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        values = {"done": self.done, "total": self.total}
        conn = connections["default"]
        if not conn.in_atomic_block:
            Job.objects.filter(pk=self.job_id).update(**values)
        elif conn.vendor == "postgresql":
            self._write_aside(values)

    def _write_aside(self, values: dict[str, Any]) -> None:
        if self._side is None:
            self._side = connections.create_connection("default")
        table = self._side.ops.quote_name(Job._meta.db_table)
        with self._side.cursor() as cursor:
            cursor.execute(
                "UPDATE {} SET done = %s, total = %s WHERE id = %s".format(table),
                [values["done"], values["total"], self.job_id],
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def run_job(job_id: int, work: Callable[[Progress], str | None]) -> str | None:
    """Run `work(progress)` for the Job; `work` returns the result link (or None)."""
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.RUNNING, started=timezone.now(), message="", finished=None
    )
    progress = Progress(job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            url = work(progress)
        except BaseException as exc:
            message = (
                str(exc)
                if isinstance(exc, JobError)
                else _("The job failed: {error}").format(error=exc or type(exc).__name__)
            )
            Job.objects.filter(pk=job_id).update(
                status=Job.Status.FAILED, message=message, finished=timezone.now()
            )
            raise
        finally:
            progress.close()
    values: dict[str, Any] = {
        "status": Job.Status.DONE,
        "finished": timezone.now(),
        "result_url": url or "",
        "done": progress.total if progress.total is not None else progress.done,
    }
    if progress.total is not None:
        values["total"] = progress.total
    Job.objects.filter(pk=job_id).update(**values)
    return url
