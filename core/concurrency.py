"""Optimistic concurrency: a write carrying a stale version changes nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _


class StaleVersion(Exception):
    """The record changed since the writer read it."""

    def __init__(self, current_version: int, given_version: int) -> None:
        super().__init__(
            _(
                "This record was changed by someone else (version {current}, you had {given})."
            ).format(current=current_version, given=given_version)
        )
        self.current_version = current_version
        self.given_version = given_version


def check_version(instance: Any, expected_version: int | None) -> None:
    """Lock the row and raise StaleVersion when its stored version differs from `expected`."""
    if expected_version is None or instance.pk is None:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("check_version must run inside transaction.atomic()")
    stored = (
        type(instance)
        ._default_manager.select_for_update()
        .filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    if stored is not None and stored != expected_version:
        raise StaleVersion(stored, expected_version)
