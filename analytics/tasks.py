"""Background tasks of the cockpit (django-tasks; run by `zhaoshang db_worker`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from analytics import rollup
from jobs.runner import Kind, Progress, register, run_job

ROLLUP_KIND = "rollup"


def _rebuild(progress: Progress) -> str:
    steps = rollup.rebuild_steps()
    progress.set_total(steps)
    rollup.rebuild(progress=rollup.step_counter(steps - len(rollup.DIMENSIONS), progress.update))
    rollup.vacuum()
    progress.update(steps)
    return reverse("analytics:cockpit")


@task()
def rebuild_rollup(job_id: int) -> None:
    """Rebuild the cockpit's facts and rollup (all or nothing: see analytics.rollup.rebuild)."""
    run_job(job_id, _rebuild)


def register_jobs() -> None:
    register(
        Kind(
            kind=ROLLUP_KIND,
            label=lambda: _("Rebuild the cockpit rollup"),
            task=rebuild_rollup,
            capability="maintenance",
        )
    )
