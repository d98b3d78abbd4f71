"""Places: Chinese provinces and cities, Shanghai's districts, and functional zones/parks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.history import audited
from core.models import NamedModel


class Province(NamedModel):
    """A provincial-level division of China (province, municipality, autonomous region, SAR)."""

    code = models.CharField(_("GB/T 2260 code"), max_length=6, unique=True)
    short_forms = models.JSONField(_("short forms"), default=list, blank=True)
    short_forms_hant = models.JSONField(_("short forms (Traditional)"), default=list, blank=True)
    abbr = models.JSONField(_("one-character abbreviations"), default=list, blank=True)
    kind = models.CharField(_("kind"), max_length=32)
    clusters = models.JSONField(_("regional clusters"), default=list, blank=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]


class City(NamedModel):
    """A prefecture- or county-level place outside the Shanghai district list."""

    code = models.CharField(_("GB/T 2260 code"), max_length=6, unique=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="cities", verbose_name=_("province")
    )
    short_forms = models.JSONField(_("short forms"), default=list, blank=True)
    short_forms_hant = models.JSONField(_("short forms (Traditional)"), default=list, blank=True)
    kind = models.CharField(_("kind"), max_length=32)
    admin_ranks = models.JSONField(
        _("administrative ranks"),
        default=list,
        blank=True,
        help_text=_("e.g. provincial_capital, sub_provincial, separately_planned"),
    )
    clusters = models.JSONField(_("regional clusters"), default=list, blank=True)
    major = models.BooleanField(_("major city"), default=False)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["code"]


class District(NamedModel):
    """A Shanghai district (and former districts, kept for reading old news)."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("district")
        FORMER = "former_district", _("former district")

    code = models.CharField(
        _("GB/T 2260 code"),
        max_length=6,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Former districts have no current code."),
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="districts", verbose_name=_("province")
    )
    short_forms = models.JSONField(_("short forms"), default=list, blank=True)
    short_forms_hant = models.JSONField(_("short forms (Traditional)"), default=list, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DISTRICT)
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successor"),
    )
    notes = models.TextField(_("notes"), blank=True)

    history = audited()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["kind", "code", "name_zh_hans"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="former_district") | models.Q(code__isnull=False),
                name="district_current_has_code",
            ),
            models.UniqueConstraint(fields=["name_zh_hans"], name="district_name_unique"),
        ]

    @property
    def short_name(self) -> str:
        return self.short_forms[0] if self.short_forms else self.name_zh_hans


class Zone(NamedModel):
    """A functional zone or park (临港新片区, 张江科学城 ...); may span several districts."""

    slug = models.SlugField(_("zone id"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=32)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="primary_zones",
        verbose_name=_("primary district"),
        help_text=_("Empty for groups of zones spread over several districts."),
    )
    districts = models.ManyToManyField(
        District, related_name="zones", blank=True, verbose_name=_("districts spanned")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent zone"),
    )
    short_forms = models.JSONField(_("short forms"), default=list, blank=True)
    short_forms_hant = models.JSONField(_("short forms (Traditional)"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    history = audited(m2m_fields=[districts])

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["district__code", "slug"]
