"""Abstract base models shared by every domain app, and the table stamps (core.stamps)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import NameField
from core.querysets import RestrictedQuerySet


class BaseModel(models.Model):
    """Timestamps, an optimistic-concurrency version and the restricted manager."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every saved change bumps the version; writers that hold an older version are
        # refused by core.concurrency.save_if_current.
        if not self._state.adding:
            self.version = (self.version or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)


class NamedModel(BaseModel):
    """A record with a name in zh-Hans, zh-Hant and English."""

    name_zh_hans = NameField(_("name (Simplified)"), max_length=200)
    name_zh_hant = NameField(_("name (Traditional)"), max_length=200, blank=True)
    name_en = NameField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_zh_hans

    def localized_name(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        lang = (language or get_language() or "zh-hans").lower()
        if lang.startswith("en") and self.name_en:
            return self.name_en
        if lang in {"zh-hant", "zh-tw", "zh-hk"} and self.name_zh_hant:
            return self.name_zh_hant
        return self.name_zh_hans


class TableStamp(models.Model):
    """A counter per table that a database trigger raises on every insert, update and delete.

    Caches of values derived from those tables (the project list's counts) key on the
    counters, so a write anywhere makes them miss; see core.stamps.
    """

    table_name = models.CharField(primary_key=True, max_length=100)
    stamp = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("table stamp")

    def __str__(self) -> str:
        return f"{self.table_name}: {self.stamp}"
