"""Audit trail: django-simple-history with the request or batch id on every record."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from core.context import current


class HistoryContextFields(models.Model):
    """Extra columns on every historical table: where the change came from."""

    request_id = models.CharField(_("request or batch id"), max_length=64, blank=True, default="")
    change_source = models.CharField(_("change source"), max_length=16, blank=True, default="")

    class Meta:
        abstract = True


def audited(**kwargs: Any) -> HistoricalRecords:
    """The one way models declare their history, so every table gets the same columns."""
    return HistoricalRecords(bases=[HistoryContextFields], **kwargs)


@receiver(pre_create_historical_record)
def _stamp_context(sender: Any, **kwargs: Any) -> None:
    record = kwargs["history_instance"]
    ctx = current()
    if ctx is None:
        return
    record.request_id = ctx.request_id
    record.change_source = ctx.source
    user = ctx.user
    if record.history_user_id is None and user is not None and user.is_authenticated:
        record.history_user_id = user.pk


# ---------------------------------------------------------------------------------------------
# The History tab of a record page


HISTORY_LIMIT = 100


def _shown(field: models.Field[Any, Any] | None, value: Any) -> Any:
    """A stored value as the History tab shows it (None stays None: the template says ∅)."""
    import datetime as dt
    import json

    from django.utils import timezone

    if value is None:
        return None
    if field is not None and field.flatchoices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "、".join(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def history_rows(
    obj: models.Model,
    *,
    user: Any = None,
    hidden_fields: Collection[str] = (),
    limit: int = HISTORY_LIMIT,
) -> list[dict[str, Any]]:
    """The History tab of `obj`: its historical records newest first, each with the field
    changes against the record before (rendered by templates/includes/history_table.html).

    Call it only with a record the user may view (the page's `restrict(user, "view")`
    query); the history carries no permission check of its own. Foreign keys are shown by
    name, one query per related model; with `user` given, only the related records that
    user may view are named (the others by id). Values of `hidden_fields` are replaced by
    "hidden (confidential)". Fields that are not editable (version, timestamps, derived
    search keys) are left out, as simple-history's diff does.
    """
    from core.policy import restrict_queryset

    history = obj.history  # type: ignore[attr-defined]
    # One record more than shown, so that the oldest one shown still has its diff.
    records = list(
        history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    fields = {f.name: f for f in type(obj)._meta.concrete_fields}
    order = {name: index for index, name in enumerate(fields)}
    rows: list[dict[str, Any]] = []
    wanted: dict[Any, set[Any]] = {}
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes: list[dict[str, Any]] = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in sorted(delta.changes, key=lambda c: order.get(c.field, len(order))):
                field = fields.get(change.field)
                related = field.related_model if field is not None and field.is_relation else None
                if related is not None and change.field not in hidden_fields:
                    wanted.setdefault(related, set()).update(
                        v for v in (change.old, change.new) if v is not None
                    )
                changes.append(
                    {
                        "field": field.verbose_name if field is not None else change.field,
                        "name": change.field,
                        "model_field": field,
                        "related": related,
                        "old": change.old,
                        "new": change.new,
                    }
                )
        rows.append({"record": record, "changes": changes})
    names: dict[Any, dict[Any, Any]] = {}
    for model, ids in wanted.items():
        qs = model._default_manager.all()
        if user is not None:
            qs = restrict_queryset(qs, user, "view")
        names[model] = qs.in_bulk(list(ids))
    hidden = _("hidden (confidential)")
    for row in rows:
        for change in row["changes"]:
            related = change.pop("related")
            name = change.pop("name")
            field = change.pop("model_field")
            for key in ("old", "new"):
                value = change[key]
                if value is None:
                    continue
                if name in hidden_fields:
                    change[key] = hidden
                elif related is not None:
                    found = names[related].get(value)
                    if found is None:
                        change[key] = f"#{value}"
                    else:
                        named = getattr(found, "localized_name", None)
                        change[key] = named() if callable(named) else str(found)
                else:
                    change[key] = _shown(field, value)
    return rows


def record_tabs(
    request: Any, record: models.Model, overview: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Context of a record page with an Overview and a History tab (companies, events,
    partners; templates/includes/record_tabs.html): the chosen tab and only its data."""
    tab = request.GET.get("tab", "overview")
    if tab == "history":
        return {"tab": tab, "history": history_rows(record, user=request.user)}
    return {"tab": "overview", **overview()}
