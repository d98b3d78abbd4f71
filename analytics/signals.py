"""Keep the rollup in step with ORM writes (bulk writes are caught by rollup.is_fresh)."""

from __future__ import annotations

import threading
from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from analytics import rollup
from projects.models import PaidInCapital, Project, Stage, StageChange
from taxonomy.models import Industry, ProjectType

# Projects being deleted in this thread: their cascaded children must not re-add a fact.
_local = threading.local()


def _deleting() -> set[int]:
    if not hasattr(_local, "ids"):
        _local.ids = set()
    ids: set[int] = _local.ids
    return ids


@receiver(post_save, sender=Project, dispatch_uid="analytics_project_saved")
def project_saved(
    sender: Any, instance: Project, created: bool, raw: bool = False, **kw: Any
) -> None:
    if raw:
        return
    rollup.refresh_project(instance.pk, ("project", instance.pk) if created else None)


@receiver(pre_delete, sender=Project, dispatch_uid="analytics_project_deleted")
def project_deleting(sender: Any, instance: Project, **kw: Any) -> None:
    _deleting().add(instance.pk)
    rollup.remove_project(instance.pk)


@receiver(post_delete, sender=Project, dispatch_uid="analytics_project_gone")
def project_gone(sender: Any, instance: Project, **kw: Any) -> None:
    _deleting().discard(instance.pk)


@receiver(post_save, sender=StageChange, dispatch_uid="analytics_stagechange_saved")
@receiver(post_save, sender=PaidInCapital, dispatch_uid="analytics_paidin_saved")
def child_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kw: Any) -> None:
    if raw:
        return
    label = sender._meta.model_name
    rollup.refresh_project(instance.project_id, (label, instance.pk) if created else None)


@receiver(post_delete, sender=StageChange, dispatch_uid="analytics_stagechange_deleted")
@receiver(post_delete, sender=PaidInCapital, dispatch_uid="analytics_paidin_deleted")
def child_deleted(sender: Any, instance: Any, **kw: Any) -> None:
    if instance.project_id not in _deleting():
        rollup.refresh_project(instance.project_id)


@receiver(post_save, sender=Stage, dispatch_uid="analytics_stage_saved")
@receiver(post_save, sender=Industry, dispatch_uid="analytics_industry_saved")
@receiver(post_save, sender=ProjectType, dispatch_uid="analytics_type_saved")
def reference_saved(sender: Any, raw: bool = False, **kw: Any) -> None:
    rollup.invalidate()
