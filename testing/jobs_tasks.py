"""Tasks used by the worker tests only (jobs/tests/test_worker.py); never imported by apps."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from jobs.runner import JobError, Progress, run_job


def _write_then_fail(progress: Progress) -> str:
    from companies.models import Company

    progress.set_total(2)
    with transaction.atomic():
        Company.objects.create(name_zh_hans="半途而废有限公司")
        progress.update(1)
        raise JobError("第 2 步失败：数据有误")


@task()
def write_then_fail(job_id: int) -> None:
    """Writes a company inside its transaction, then fails: nothing may be left behind."""
    run_job(job_id, _write_then_fail)
