"""The one place where projects change stage (and get merged or marked lost).

Every transition is atomic, locks the project row, checks what the target stage needs
(a date, a reason), updates the milestone dates on the project and writes a StageChange.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bounds import date_range_message, in_calendar
from core.concurrency import check_version
from core.context import current
from projects.models import Project, Stage, StageChange


def _today() -> dt.date:
    return timezone.localdate()


def _actor(user: Any) -> Any:
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


def _validate_move(project: Project, to_stage: Stage, on: dt.date | None, reason: str) -> dt.date:
    from_stage = project.stage
    if from_stage.pk == to_stage.pk:
        raise ValidationError(
            {"stage": _("The project is already at stage {stage}.").format(stage=to_stage)}
        )
    if to_stage.requires_date and on is None:
        raise ValidationError(
            {"date": _("Stage {stage} needs the date it happened.").format(stage=to_stage)}
        )
    effective = on or _today()
    if not in_calendar(effective):
        raise ValidationError({"date": date_range_message(effective.isoformat())})
    if effective > _today():
        raise ValidationError({"date": _("A stage move cannot be dated in the future.")})
    if from_stage.is_lost and not reason.strip():
        raise ValidationError({"reason": _("Give a reason to reopen a project that was lost.")})
    if to_stage.is_lost and not reason.strip():
        raise ValidationError({"reason": _("Give the reason the project was lost.")})
    last = project.stage_changes.order_by("-effective_on", "-id").first()
    if last is not None and effective < last.effective_on:
        # A move dated before the last recorded change would silently reorder the history.
        raise ValidationError(
            {
                "date": _("The date is earlier than the last stage change ({day}).").format(
                    day=last.effective_on.isoformat()
                )
            }
        )
    return effective


@transaction.atomic
def move_stage(
    project: Project,
    to_stage: Stage | str,
    *,
    on: dt.date | None = None,
    user: Any = None,
    reason: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> StageChange:
    """Move `project` to `to_stage` and record the change; raises ValidationError."""
    if isinstance(to_stage, str):
        try:
            to_stage = Stage.objects.get(code=to_stage)
        except Stage.DoesNotExist:
            raise ValidationError(
                {"stage": _("Unknown stage {code}.").format(code=to_stage)}
            ) from None
    check_version(project, expected_version)
    locked = Project.objects.select_for_update().select_related("stage").get(pk=project.pk)
    effective = _validate_move(locked, to_stage, on, reason)
    from_stage = locked.stage
    locked.stage = to_stage
    locked.stage_entered_on = effective
    locked.last_progress_on = max(effective, locked.last_progress_on or effective)
    if to_stage.date_field:
        setattr(locked, to_stage.date_field, effective)
        disorder = locked.date_order_errors()
        if disorder:  # e.g. construction dated before the signing
            raise ValidationError({"date": list(disorder.values())})
    if to_stage.is_lost:
        locked.lost_reason = reason.strip()
    elif from_stage.is_lost:
        locked.lost_reason = ""
    ctx = current()
    # Stored, not shown: kept language-neutral so history reads the same in every UI language.
    locked._change_reason = f"stage {from_stage.code} → {to_stage.code}"  # type: ignore[attr-defined]
    locked.save()
    change = StageChange.objects.create(
        project=locked,
        from_stage=from_stage,
        to_stage=to_stage,
        effective_on=effective,
        changed_by=_actor(user) or (_actor(ctx.user) if ctx else None),
        reason=reason.strip(),
        note=note,
        request_id=ctx.request_id if ctx else "",
    )
    # Keep the caller's instance in step with what was stored.
    project.refresh_from_db()
    return change


def mark_lost(
    project: Project, *, reason: str, user: Any = None, on: dt.date | None = None
) -> StageChange:
    lost = Stage.objects.filter(is_lost=True).order_by("sequence").first()
    if lost is None:
        raise ValidationError({"stage": _("No stage is configured as lost.")})
    return move_stage(project, lost, on=on, user=user, reason=reason)


@transaction.atomic
def create_project(*, user: Any = None, stage_on: dt.date | None = None, **fields: Any) -> Project:
    """Create a project at its initial stage, validated, with the first StageChange."""
    project = Project(**fields)
    stage = project.stage
    if stage.requires_date:
        day = stage_on or (getattr(project, stage.date_field) if stage.date_field else None)
        if day is None:
            raise ValidationError(
                {"date": _("Stage {stage} needs the date it happened.").format(stage=stage)}
            )
        if stage.date_field and getattr(project, stage.date_field) is None:
            setattr(project, stage.date_field, day)
    else:
        day = stage_on or _today()
    project.stage_entered_on = project.stage_entered_on or day
    project.last_progress_on = project.last_progress_on or day
    project.full_clean()
    project.save()
    record_initial_stage(project, on=day, user=user)
    return project


def record_initial_stage(project: Project, *, on: dt.date, user: Any = None) -> StageChange:
    ctx = current()
    return StageChange.objects.create(
        project=project,
        from_stage=None,
        to_stage=project.stage,
        effective_on=on,
        changed_by=_actor(user) or (_actor(ctx.user) if ctx else None),
        request_id=ctx.request_id if ctx else "",
    )
