"""Audit trail: django-simple-history with the request or batch id on every record."""

from __future__ import annotations

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
