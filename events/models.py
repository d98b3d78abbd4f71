"""Promotion events: conferences, signing ceremonies, roadshows, with their announced totals."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import CalendarDateField, NameField
from core.history import audited
from core.models import BaseModel


class Event(BaseModel):
    """An investment-promotion event and the totals it announced (to reconcile with records)."""

    class Kind(models.TextChoices):
        CONFERENCE = "conference", _("promotion conference")
        SIGNING = "signing", _("signing ceremony (集中签约)")
        CLOUD_SIGNING = "cloud_signing", _("online signing (云签约)")
        ROADSHOW = "roadshow", _("roadshow")
        VISIT = "visit", _("delegation visit")
        EXPO = "expo", _("expo / fair")
        OTHER = "other", _("other")

    name = NameField(_("name"), max_length=300)
    name_en = NameField(_("name (English)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    date = CalendarDateField(_("date"), db_index=True)
    end_date = CalendarDateField(_("end date"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    organiser = models.CharField(_("organiser"), max_length=300, blank=True)
    district = models.ForeignKey(
        "geo.District", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("district")
    )
    zone = models.ForeignKey(
        "geo.Zone", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("zone")
    )
    announced_project_count = models.PositiveIntegerField(
        _("announced project count"), null=True, blank=True
    )
    announced_total_cny = models.DecimalField(
        _("announced total (yuan)"),
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    announced_total_text = models.CharField(
        _("announced total as published"), max_length=100, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic (generated)"), default=False)

    history = audited()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("date")),
                name="event_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(announced_total_cny__isnull=True)
                | models.Q(announced_total_cny__gte=0),
                name="event_announced_total_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%Y-%m-%d})"
