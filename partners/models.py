"""Partner organisations (全球招商合作伙伴, 中介/引荐人) that refer projects."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import CalendarDateField
from core.history import audited
from core.models import NamedModel


class Partner(NamedModel):
    """An organisation or person that refers investment projects."""

    class Kind(models.TextChoices):
        INTERNATIONAL_FIRM = "international_firm", _("international firm")
        CHAMBER = "chamber", _("chamber of commerce / association")
        AGENCY = "agency", _("investment-promotion agency")
        BANK = "bank", _("bank / financial institution")
        PROFESSIONAL = "professional", _("law / accounting / consulting firm")
        REAL_ESTATE = "real_estate", _("real-estate / park operator")
        INDIVIDUAL = "individual", _("individual referrer")
        OTHER = "other", _("other")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    country = models.CharField(_("country (ISO 3166)"), max_length=2, default="CN")
    year_joined = models.PositiveSmallIntegerField(_("year joined"), null=True, blank=True)
    registered_on = CalendarDateField(_("registered on (备案)"), null=True, blank=True)
    domains = models.JSONField(_("domains"), default=list, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic (generated)"), default=False)

    history = audited()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name_zh_hans"]
        constraints = [
            models.UniqueConstraint(fields=["name_zh_hans"], name="partner_name_unique"),
            models.CheckConstraint(
                condition=models.Q(year_joined__isnull=True)
                | models.Q(year_joined__gte=1978, year_joined__lte=2100),
                name="partner_year_joined_range",
            ),
        ]
