"""Reading the audit trail (django-simple-history records): who, when, request id, diff.

Used by the audit API (accounts/api.py) and available to History tabs in the UI.
"""

from __future__ import annotations

import datetime as dt
import heapq
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import QuerySet

_HIDDEN_FIELDS = {"id", "version", "updated_at", "created_at", "search_key"}


def audited_models() -> dict[str, type[models.Model]]:
    """Every model with a history table, keyed by "app_label.model"."""
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models():
        attr = getattr(model._meta, "simple_history_manager_attribute", None)
        if attr and not model.__name__.startswith("Historical"):
            found[model._meta.label_lower] = model
    return dict(sorted(found.items()))


def history_model(model: type[models.Model]) -> Any:
    attr = model._meta.simple_history_manager_attribute  # type: ignore[attr-defined]
    return getattr(model, attr).model


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float):
        return value
    if isinstance(value, list | dict):
        return value
    return str(value)


def _values(record: Any) -> dict[str, Any]:
    out = {}
    for field in record.tracked_fields:
        if field.name in _HIDDEN_FIELDS:
            continue
        out[field.name if not field.is_relation else field.attname] = _plain(
            getattr(record, field.attname)
        )
    return out


def changes_of(record: Any, previous: Any | None) -> list[dict[str, Any]]:
    """Field-level before/after between a history record and the one before it."""
    after = _values(record) if record.history_type != "-" else {}
    before = _values(previous) if previous is not None else {}
    if record.history_type == "-":
        before = _values(record)
    names = sorted(set(after) | set(before))
    return [
        {"field": name, "old": before.get(name), "new": after.get(name)}
        for name in names
        if before.get(name) != after.get(name)
    ]


def record_out(label: str, record: Any) -> dict[str, Any]:
    user = record.history_user
    return {
        "model": label,
        "object_id": str(record.id),
        "history_id": record.history_id,
        "type": {"+": "create", "~": "update", "-": "delete"}.get(record.history_type, "?"),
        "at": record.history_date,
        "user": {"id": user.pk, "username": user.get_username()} if user else None,
        "request_id": getattr(record, "request_id", ""),
        "source": getattr(record, "change_source", ""),
        "reason": record.history_change_reason or "",
        "changes": changes_of(record, record.prev_record),
    }


def records(
    model: type[models.Model],
    *,
    object_id: int | None = None,
    user_id: int | None = None,
    request_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[Any]:
    qs = history_model(model).objects.select_related("history_user")
    if object_id is not None:
        qs = qs.filter(id=object_id)
    if user_id is not None:
        qs = qs.filter(history_user_id=user_id)
    if request_id:
        qs = qs.filter(request_id=request_id)
    if since is not None:
        qs = qs.filter(history_date__gte=since)
    if until is not None:
        qs = qs.filter(history_date__lt=until)
    return qs.order_by("-history_date", "-history_id")


def page_across(
    selected: dict[str, type[models.Model]], offset: int, limit: int, **filters: Any
) -> tuple[int, list[tuple[str, Any]]]:
    """Newest-first records across several models: (total count, one page)."""
    total = 0
    streams = []
    for label, model in selected.items():
        qs = records(model, **filters)
        total += qs.count()
        head = list(qs[: offset + limit])
        streams.append([(r.history_date, r.history_id, label, r) for r in head])
    merged = heapq.merge(*streams, key=lambda t: (t[0], t[1]), reverse=True)
    page = [(label, r) for (_, _, label, r) in list(merged)[offset : offset + limit]]
    return total, page
