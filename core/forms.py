"""Helpers shared by the record edit pages (companies, projects)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.policy import restrict
from core.concurrency import StaleVersion, check_version


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
