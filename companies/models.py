"""Investors: companies with names in three scripts, codes, parents, honours, facilities."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from companies.validators import normalize_credit_code, validate_credit_code
from core.fields import NameField
from core.history import audited
from core.models import NamedModel
from core.text import clean_name, clean_names, fold


class Company(NamedModel):
    """An investor or group (企业/投资方)."""

    name_zh_hans = NameField(_("name (Simplified)"), max_length=200, db_index=True)
    aliases = models.JSONField(
        _("aliases"), default=list, blank=True, help_text=_("Abbreviations and other names.")
    )
    search_key = models.CharField(
        _("search key"),
        max_length=1000,
        editable=False,
        db_index=True,
        help_text=_("Folded names (Simplified, half-width, lower case) for search."),
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_credit_code],
    )
    country = models.CharField(_("country (ISO 3166)"), max_length=2, default="CN")
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("parent group"),
    )
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        verbose_name=_("duplicate of"),
    )
    is_synthetic = models.BooleanField(_("synthetic (generated)"), default=False)
    honours = models.ManyToManyField(
        "taxonomy.Honour", through="CompanyHonour", blank=True, verbose_name=_("honours")
    )

    history = audited()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name_zh_hans"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(duplicate_of=models.F("pk")),
                name="company_not_duplicate_of_itself",
            ),
        ]

    def all_names(self) -> list[str]:
        names = [self.name_zh_hans, self.name_zh_hant, self.name_en, *self.aliases]
        return [n for n in names if n]

    def clean(self) -> None:
        self.aliases = clean_names(self.aliases)
        if self.credit_code == "":
            self.credit_code = None
        if self.credit_code:
            self.credit_code = normalize_credit_code(self.credit_code)
        if not isinstance(self.aliases, list) or not all(isinstance(a, str) for a in self.aliases):
            raise ValidationError({"aliases": _("Aliases must be a list of names.")})
        if len(self.country) != 2 or not self.country.isalpha():
            raise ValidationError({"country": _("Use a two-letter ISO 3166 country code.")})
        self.country = self.country.upper()
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A company cannot be its own parent.")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.credit_code == "":
            self.credit_code = None
        if not self.name_zh_hant and self.name_zh_hans:
            from core.text import to_traditional

            self.name_zh_hant = to_traditional(clean_name(self.name_zh_hans))
        self.aliases = clean_names(self.aliases)
        self.search_key = "|".join(dict.fromkeys(fold(n) for n in self.all_names()))[:1000]
        super().save(*args, **kwargs)


class CompanyHonour(models.Model):
    """An honour a company holds, with the year it was granted."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="honour_links", verbose_name=_("company")
    )
    honour = models.ForeignKey(
        "taxonomy.Honour", on_delete=models.PROTECT, related_name="+", verbose_name=_("honour")
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("company honour")
        verbose_name_plural = _("company honours")
        ordering = ["company", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "honour", "year"], name="company_honour_once_a_year"
            ),
            models.CheckConstraint(
                condition=models.Q(year__isnull=True) | models.Q(year__gte=1949, year__lte=2100),
                name="company_honour_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} · {self.honour} ({self.year or '—'})"


class Facility(models.Model):
    """A facility a company runs in the region: HQ, R&D centre, factory ..."""

    class Kind(models.TextChoices):
        NATIONAL_HQ = "national_hq", _("national headquarters")
        REGIONAL_HQ = "regional_hq", _("regional headquarters")
        RD_CENTRE = "rd_centre", _("R&D centre")
        FACTORY = "factory", _("factory")
        LOGISTICS = "logistics", _("logistics / warehouse")
        SALES = "sales", _("sales / operations")
        OTHER = "other", _("other")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="facilities", verbose_name=_("company")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    district = models.ForeignKey(
        "geo.District", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("district")
    )
    zone = models.ForeignKey(
        "geo.Zone", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("zone")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    opened_year = models.PositiveSmallIntegerField(_("opened (year)"), null=True, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["company", "kind"]

    def __str__(self) -> str:
        return self.name or f"{self.company} · {self.get_kind_display()}"
