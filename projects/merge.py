"""Merging duplicate projects or companies into a survivor, and undoing a merge.

A merge never deletes anything. Records that belong to the duplicate (activities,
follow-ups, attachments, paid-in capital, evidence; for companies also projects, honours,
facilities and subsidiaries) are re-pointed at the survivor; the duplicate's stage history
and its history records stay where they are, and the duplicate keeps existing with
``duplicate_of`` pointing at the survivor (and, for projects, out of the statistics).
Empty fields of the survivor are filled from the duplicate. A :class:`ingest.models.MergeRecord`
lists every id that moved and every field that changed, so :func:`undo_merge` can put
everything back.

A merge (and its undo) by a user goes ahead only if that user may change every record it
touches — the two records and each row it re-points (a company's projects in other
districts, a project's expansions): otherwise nothing is written and the refusal names the
records the user may see and counts the others (:func:`_check_may_change`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.policy import restrict
from companies.models import Company
from core.context import change_context, current, new_id
from ingest.models import DuplicateSuggestion, MergeRecord
from projects.forms import EDITABLE_FIELDS
from projects.models import Project

# Related records that stay with the duplicate: its own stage history (a timeline that
# would be wrong on the survivor) and history tables (what happened, as it happened).
KEEP_WITH_DUPLICATE = {"projects.stagechange"}
PROJECT_FILL_FIELDS = tuple(
    f for f in EDITABLE_FIELDS if f not in ("external_id", "stage", "counted_in_stats")
)
COMPANY_FILL_FIELDS = ("name_zh_hant", "name_en", "country", "parent", "website", "notes")


def _authed(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _relations(model: Any) -> list[Any]:
    """One-to-many relations pointing at `model` whose rows move to the survivor."""
    out = []
    for rel in model._meta.related_objects:
        if not (rel.one_to_many and rel.field.concrete):
            continue
        related = rel.related_model
        label = related._meta.label_lower
        if related._meta.model_name.startswith("historical") or label in KEEP_WITH_DUPLICATE:
            continue
        if rel.field.name == "duplicate_of":
            continue
        out.append(rel)
    return out


def _to_move(model: Any, survivor: Any, duplicate: Any) -> dict[type[Model], set[Any]]:
    """The rows a merge of `duplicate` into `survivor` re-points, by model."""
    rows: dict[type[Model], set[Any]] = {}
    for rel in _relations(model):
        ids = set(
            rel.related_model._default_manager.filter(**{rel.field.name: duplicate}).values_list(
                "pk", flat=True
            )
        )
        if rel.related_model is model:
            ids.discard(survivor.pk)
        if ids:
            rows.setdefault(rel.related_model, set()).update(ids)
    return rows


def _check_may_change(user: Any, touched: dict[type[Model], set[Any]]) -> None:
    """Refuse (ValidationError) unless `user` may change every record in `touched`.

    The message names the refused records the user may see and only counts the others.
    `user` None is the command line, whose operator may change anything.
    """
    if user is None:
        return
    named: list[str] = []
    unseen = 0
    for model, ids in touched.items():
        changeable = set(
            restrict(model, user, "change").filter(pk__in=ids).values_list("pk", flat=True)
        )
        refused = ids - changeable
        if not refused:
            continue
        seen = {obj.pk: obj for obj in restrict(model, user, "view").filter(pk__in=refused)}
        for pk in sorted(refused):
            if pk in seen:
                named.append(
                    "{kind} #{id} “{name}”".format(
                        kind=model._meta.verbose_name, id=pk, name=seen[pk]
                    )
                )
            else:
                unseen += 1
    if not named and not unseen:
        return
    parts = list(named)
    if unseen:
        parts.append(
            ngettext("{n} record you may not see", "{n} records you may not see", unseen).format(
                n=unseen
            )
        )
    raise ValidationError(
        _("This would change records you may not change: {records}. Nothing was changed.").format(
            records="; ".join(parts)
        )
    )


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _move_related(
    model: Any, survivor: Any, duplicate: Any
) -> tuple[dict[str, list[int]], list[str]]:
    moved: dict[str, list[int]] = {}
    kept: list[str] = []
    for rel in _relations(model):
        related = rel.related_model
        field = rel.field
        key = f"{related._meta.label_lower}.{field.name}"
        for obj in related._default_manager.filter(**{field.name: duplicate}):
            if related is model and obj.pk == survivor.pk:
                continue  # the survivor itself (e.g. it expands the duplicate)
            setattr(obj, field.name, survivor)
            try:
                with transaction.atomic():
                    obj.save(update_fields=[field.name])
            except IntegrityError:
                # A uniqueness rule (the same honour in the same year) already holds on the
                # survivor: this row stays with the duplicate.
                setattr(obj, field.name, duplicate)
                kept.append(f"{key}:{obj.pk}")
                continue
            moved.setdefault(key, []).append(obj.pk)
    return moved, kept


def _fill(survivor: Any, duplicate: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """Copy the duplicate's values into the survivor's empty fields; returns the before-image."""
    from ingest.engine import _json

    before: dict[str, Any] = {}
    for name in names:
        f = survivor._meta.get_field(name)
        if _is_blank(getattr(survivor, f.attname)) and not _is_blank(getattr(duplicate, f.attname)):
            before[f.attname] = _json(getattr(survivor, f.attname))
            setattr(survivor, f.attname, getattr(duplicate, f.attname))
    return before


def _check_pair(model: Any, survivor: Any, duplicate: Any) -> tuple[Any, Any]:
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("A record cannot be merged into itself."))
    s = model._default_manager.select_for_update().get(pk=survivor.pk)
    d = model._default_manager.select_for_update().get(pk=duplicate.pk)
    if d.duplicate_of_id:
        raise ValidationError(
            _("#{id} is already merged into #{other}.").format(id=d.pk, other=d.duplicate_of_id)
        )
    if s.duplicate_of_id:
        raise ValidationError(
            _("#{id} is itself merged into #{other}; merge into that one.").format(
                id=s.pk, other=s.duplicate_of_id
            )
        )
    return s, d


def _record(kind: str, s: Any, d: Any, moved: Any, s_before: Any, d_before: Any, **kw: Any) -> Any:
    ctx = current()
    record = MergeRecord.objects.create(
        kind=kind,
        survivor_id=s.pk,
        merged_id=d.pk,
        moved=moved,
        survivor_before=s_before,
        merged_before=d_before,
        reason=kw.get("reason", "")[:300],
        request_id=ctx.request_id if ctx else "",
        created_by=_authed(kw.get("user")),
    )
    lo, hi = sorted((s.pk, d.pk))
    DuplicateSuggestion.objects.filter(kind=kind, first_id=lo, second_id=hi).update(
        status=DuplicateSuggestion.Status.MERGED,
        decided_at=timezone.now(),
        decided_by=_authed(kw.get("user")),
    )
    return record


# --------------------------------------------------------------------------- projects


def merge_projects(
    survivor: Project, duplicate: Project, *, user: Any = None, reason: str = ""
) -> MergeRecord:
    """Merge `duplicate` into `survivor`; returns the record that undoes it."""
    with change_context("merge", request_id=new_id("merge"), user=user), transaction.atomic():
        s, d = _check_pair(Project, survivor, duplicate)
        touched = _to_move(Project, s, d)
        touched.setdefault(Project, set()).update({s.pk, d.pk})
        _check_may_change(user, touched)
        moved, kept = _move_related(Project, s, d)
        s_before = _fill(s, d, PROJECT_FILL_FIELDS)
        if s_before:
            s._change_reason = _("merged #{id} into this project").format(id=d.pk)
            s.save(update_fields=list(s_before))
        d_before = {
            "duplicate_of_id": None,
            "counted_in_stats": d.counted_in_stats,
            "exclusion_reason": d.exclusion_reason,
        }
        d.duplicate_of = s
        if d.counted_in_stats:
            d.counted_in_stats = False
            d.exclusion_reason = _("merged into #{id}").format(id=s.pk)
        d._change_reason = _("merged into #{id}").format(id=s.pk)
        d.save(update_fields=["duplicate_of", "counted_in_stats", "exclusion_reason"])
        if kept:
            moved["_kept"] = kept  # type: ignore[assignment]
        record = _record("projects", s, d, moved, s_before, d_before, user=user, reason=reason)
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    return record


# --------------------------------------------------------------------------- companies


def merge_companies(
    survivor: Company, duplicate: Company, *, user: Any = None, reason: str = ""
) -> MergeRecord:
    """Merge company `duplicate` into `survivor` (its projects now name the survivor)."""
    with change_context("merge", request_id=new_id("merge"), user=user), transaction.atomic():
        s, d = _check_pair(Company, survivor, duplicate)
        touched = _to_move(Company, s, d)
        touched.setdefault(Company, set()).update({s.pk, d.pk})
        _check_may_change(user, touched)
        moved, kept = _move_related(Company, s, d)
        s_before = _fill(s, d, COMPANY_FILL_FIELDS)
        s_before["aliases"] = list(s.aliases)
        names = [n for n in d.all_names() if n not in s.all_names()]
        s.aliases = [*s.aliases, *names]
        d_before: dict[str, Any] = {"duplicate_of_id": None, "credit_code": d.credit_code}
        if not s.credit_code and d.credit_code:
            s_before["credit_code"] = None
            code = d.credit_code
            d.credit_code = None
            d.save(update_fields=["credit_code"])
            s.credit_code = code
        s._change_reason = _("merged #{id} into this company").format(id=d.pk)
        s.save()
        d.duplicate_of = s
        d._change_reason = _("merged into #{id}").format(id=s.pk)
        d.save(update_fields=["duplicate_of"])
        if kept:
            moved["_kept"] = kept  # type: ignore[assignment]
        record = _record("companies", s, d, moved, s_before, d_before, user=user, reason=reason)
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    return record


# --------------------------------------------------------------------------- undo


def undo_merge(record: MergeRecord, *, user: Any = None) -> None:
    """Put everything a merge moved or changed back; refuse when the merge was undone."""
    if record.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    from ingest.engine import restore

    model: Any = Project if record.kind == "projects" else Company
    with (
        change_context("merge-undo", request_id=f"undo-{record.request_id}"[:64], user=user),
        transaction.atomic(),
    ):
        s = model._default_manager.select_for_update().get(pk=record.survivor_id)
        d = model._default_manager.select_for_update().get(pk=record.merged_id)
        relations = {
            f"{rel.related_model._meta.label_lower}.{rel.field.name}": rel
            for rel in _relations(model)
        }
        touched: dict[type[Model], set[Any]] = {model: {s.pk, d.pk}}
        for key, ids in record.moved.items():
            rel = relations.get(key)
            if rel is not None:
                back = rel.related_model._default_manager.filter(
                    pk__in=ids, **{rel.field.name: s}
                ).values_list("pk", flat=True)
                touched.setdefault(rel.related_model, set()).update(back)
        _check_may_change(user, touched)
        for key, ids in record.moved.items():
            rel = relations.get(key)
            if rel is None:
                continue
            for obj in rel.related_model._default_manager.filter(pk__in=ids, **{rel.field.name: s}):
                setattr(obj, rel.field.name, d)
                obj.save(update_fields=[rel.field.name])
        # The duplicate first: a credit code can only be on one of the two at a time.
        if record.kind == "companies" and record.survivor_before.get("credit_code", 1) is None:
            s.credit_code = None
            s.save(update_fields=["credit_code"])
        names = restore(d, record.merged_before)
        d.save(update_fields=names)
        s_image = dict(record.survivor_before)
        if record.kind == "companies":
            s.refresh_from_db()
        names = restore(s, s_image)
        if record.kind == "companies":
            s.save()  # recomputes the search key from the restored names
        elif names:
            s.save(update_fields=names)
        record.undone_at = timezone.now()
        record.undone_by = _authed(user)
        record.save(update_fields=["undone_at", "undone_by"])
        lo, hi = sorted((record.survivor_id, record.merged_id))
        DuplicateSuggestion.objects.filter(kind=record.kind, first_id=lo, second_id=hi).update(
            status=DuplicateSuggestion.Status.OPEN, decided_at=None, decided_by=None
        )
