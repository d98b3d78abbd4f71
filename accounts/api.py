"""/api/v1/me (who am I, what may I do) and /api/v1/audit (administrators only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from accounts.audit import audited_models, page_across
from accounts.policy import CAPABILITIES, can, role_of
from core.api.auth import actor
from core.api.crud import MAX_ID, MAX_PAGE, MAX_PAGE_SIZE, Page
from core.api.errors import ERROR_STATUSES, ApiError, ErrorOut
from core.api.schemas import CalendarDateTime, Out, UserRef

me_router = Router(tags=["accounts"])
audit_router = Router(tags=["audit"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in ERROR_STATUSES}


class MeOut(Out):
    id: int
    username: str
    role: str
    capabilities: list[str]


@me_router.get("/", response={200: MeOut, **ERRORS}, summary="The current user")
def me(request: HttpRequest) -> Any:
    user = actor(request)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "role": role_of(user),
        "capabilities": sorted(c for c in CAPABILITIES if can(user, c)),
    }


class FieldChange(Out):
    field: str
    old: Any = None
    new: Any = None


class AuditRecordOut(Out):
    model: str
    object_id: str
    history_id: int
    type: str
    at: dt.datetime
    user: UserRef | None
    request_id: str
    source: str
    reason: str
    changes: list[FieldChange]


class AuditQuery(Schema):
    model: str | None = Field(None, description="app_label.model, e.g. projects.project")
    object_id: int | None = Field(None, ge=1, le=MAX_ID)
    user: int | None = Field(None, ge=1, le=MAX_ID, description="user id")
    request_id: str | None = Field(None, max_length=64)
    since: CalendarDateTime | None = None
    until: CalendarDateTime | None = None
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


@audit_router.get("/", response={200: Page[AuditRecordOut], **ERRORS}, summary="Audit trail")
def audit(request: HttpRequest, filters: Query[AuditQuery]) -> Any:
    """Who changed what, when, under which request or batch id, with before/after values."""
    if not can(actor(request), "audit"):
        raise PermissionDenied(_("Only administrators may read the audit trail."))
    models = audited_models()
    if filters.model:
        if filters.model not in models:
            raise ApiError(422, _("Unknown model."), fields={"model": [", ".join(models)]})
        models = {filters.model: models[filters.model]}
    offset = (filters.page - 1) * filters.page_size
    total, page = page_across(
        models,
        offset,
        filters.page_size,
        object_id=filters.object_id,
        user_id=filters.user,
        request_id=filters.request_id,
        since=filters.since,
        until=filters.until,
    )
    from accounts.audit import record_out

    return {
        "count": total,
        "page": filters.page,
        "page_size": filters.page_size,
        "pages": (total + filters.page_size - 1) // filters.page_size,
        "results": [record_out(label, r) for label, r in page],
    }
