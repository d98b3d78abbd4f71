"""Helpers shared by the record edit forms and pages (companies, projects, events, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.concurrency import StaleVersion, check_version
from core.policy import is_user_model, relation_targets, restrict, sees_all

# ---------------------------------------------------------------------------------------------
# Relations a user writes


def _current_ids(form: forms.BaseForm, name: str, field: forms.ModelChoiceField[Any]) -> list[Any]:
    """The ids a stored record's relation `name` holds now (none for a new record)."""
    instance = getattr(form, "instance", None)
    if instance is None or instance.pk is None:
        return []
    if isinstance(field, forms.ModelMultipleChoiceField):
        return list(getattr(instance, name).values_list("pk", flat=True))
    model_field = instance._meta.get_field(name)
    value = getattr(instance, model_field.attname, None)
    return [] if value is None else [value]


def restrict_relations(form: forms.BaseForm, user: Any) -> None:
    """Let every relation field of `form` accept only records `user` may point at.

    The one place where foreign keys written by a user are checked (ScopedModelForm calls
    it; the API, the pages and the importer all validate through such forms): each
    ModelChoiceField's queryset is narrowed by `accounts.policy.relation_targets` (records
    the user may view; for owners, users the user may assign). A value outside it gets the
    same error as an id that does not exist, so the answer tells nothing about hidden rows.
    The record's current value stays acceptable, so that saving other fields never fails
    on (or silently drops) a link someone else made; `form.hidden_relations` names the
    fields whose current target the user may not see (pages show a placeholder for them).
    `user` None means the command line (unrestricted).
    """
    hidden: set[str] = set()
    form.hidden_relations = hidden  # type: ignore[attr-defined]
    if user is None:
        return
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        base = field.queryset
        if base is None:
            continue
        label = getattr(base.model._meta, "verbose_name", name)
        field.error_messages["invalid_choice"] = _(
            "There is no {record} with the id %(value)s that you may use."
        ).format(record=label)
        users = is_user_model(base.model)
        if not users and sees_all(user, base.model):
            continue  # reference data and shared records: nothing to narrow, no query
        allowed = relation_targets(user, base)
        current = _current_ids(form, name, field)
        if current:
            kept = set(allowed.filter(pk__in=current).values_list("pk", flat=True))
            if set(current) - kept:
                if not users:
                    hidden.add(name)
                allowed = allowed | base.filter(pk__in=current)
        field.queryset = allowed


class ScopedModelForm(forms.ModelForm):
    """A ModelForm that knows who writes: its relation fields accept only what that user may
    point at (see `restrict_relations`). `user` is required, so no write path can forget it;
    None stands for the command line."""

    hidden_relations: set[str]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        restrict_relations(self, user)


def id_field_help(form: ScopedModelForm, name: str, *, shown: bool = True) -> str:
    """Help text of a relation typed as an id (tables too large for a <select>): the name of
    the record it points at now, when the writer may see it (and `shown`: e.g. not a
    confidential investor), else a placeholder that names nothing."""
    instance = form.instance
    current = None
    if instance.pk is not None:
        current = getattr(instance, instance._meta.get_field(name).attname, None)
    if current is None:
        return str(_("id; find it with the search box"))
    if not shown or name in form.hidden_relations:
        return str(_("current: not visible to you"))
    record = getattr(instance, name)
    named = getattr(record, "localized_name", None)
    return str(_("current: {name}").format(name=named() if callable(named) else record))


# ---------------------------------------------------------------------------------------------
# Edit pages


def form_sections(
    form: forms.BaseForm, layout: Iterable[tuple[Any, Iterable[str]]]
) -> list[tuple[Any, list[Any]]]:
    """(title, bound fields) per section of `layout`, skipping names the form does not have
    (templates/includes/form_sections.html renders them)."""
    return [
        (title, [form[name] for name in names if name in form.fields]) for title, names in layout
    ]


def posted_version(request: HttpRequest) -> int | None:
    """The record version the edit form was read at (its hidden `version` field)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


class _OutsideScope(Exception):
    pass


def save_at_version(form: forms.ModelForm[Any], version: int | None, user: Any) -> bool:
    """Save a bound ModelForm if its record is still at `version`; True when saved.

    Otherwise nothing is saved and the reason is on the form: its own errors, a lost
    version number, the record changed by someone else since the form was read
    (core.concurrency), or a result outside what `user` may change (an officer moving a
    project to another district): the saved row is checked through the choke point before
    the transaction commits."""
    if version is None:
        form.add_error(None, _("The form lost its version number; reload the page."))
        return False
    if not form.is_valid():
        return False
    try:
        with transaction.atomic():
            check_version(form.instance, version)
            record = form.save()
            if not restrict(type(record), user, "change").filter(pk=record.pk).exists():
                raise _OutsideScope
    except StaleVersion as exc:
        form.add_error(None, str(exc))
        return False
    except _OutsideScope:
        form.add_error(None, _("The result would be outside what you may edit."))
        return False
    return True
