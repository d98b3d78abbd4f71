"""Classifications: the industry tree, business activities, project types and honours."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.history import audited
from core.models import NamedModel


class Industry(NamedModel):
    """A node of Shanghai's industry system: group → category → sub-track.

    Groups are the "3+6", new tracks, future industries and modern services; categories and
    sub-tracks carry the keyword lists used by the extractor and the GB/T 4754 hints.
    """

    class Level(models.TextChoices):
        GROUP = "group", _("group")
        CATEGORY = "category", _("category")
        SUBTRACK = "subtrack", _("sub-track")

    code = models.CharField(_("code"), max_length=64, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    framework_part = models.CharField(_("framework part"), max_length=8, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    keywords_hant = models.JSONField(_("keywords (Traditional)"), default=list, blank=True)
    weak_keywords = models.JSONField(_("weak keywords"), default=list, blank=True)
    keywords_en = models.JSONField(_("keywords (English)"), default=list, blank=True)
    gbt4754 = models.JSONField(_("GB/T 4754 hints"), default=list, blank=True)
    fdi_sectors = models.JSONField(_("fDi-style sectors"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)

    history = audited()

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["sort_order", "code"]

    @property
    def group_code(self) -> str:
        return self.code.split(".")[0] if self.level != self.Level.GROUP else self.code


class BusinessActivity(NamedModel):
    """What is set up: headquarters, R&D centre, manufacturing, logistics, sales ..."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    signals = models.JSONField(_("signal phrases"), default=list, blank=True)
    signals_hant = models.JSONField(_("signal phrases (Traditional)"), default=list, blank=True)
    fdi_activities = models.JSONField(_("fDi business activities"), default=list, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    history = audited()

    class Meta:
        verbose_name = _("business activity")
        verbose_name_plural = _("business activities")
        ordering = ["sort_order", "code"]


class ProjectType(NamedModel):
    """How the investment is made: new, expansion/增资, joint venture, relocation, equity ..."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    signals = models.JSONField(_("signal phrases"), default=list, blank=True)
    signals_hant = models.JSONField(_("signal phrases (Traditional)"), default=list, blank=True)
    fdi_project_type = models.CharField(_("fDi project type"), max_length=64, blank=True)
    counts_increment_only = models.BooleanField(
        _("counts the increment only"),
        default=False,
        help_text=_("Capital increases count only the added amount in statistics."),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    history = audited()

    class Meta:
        verbose_name = _("project type")
        verbose_name_plural = _("project types")
        ordering = ["sort_order", "code"]


class Honour(NamedModel):
    """An enterprise recognition such as 专精特新"小巨人" or 跨国公司地区总部."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    level = models.CharField(_("level"), max_length=32)
    issuer = models.CharField(_("issuer"), max_length=300, blank=True)
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)
    definition = models.TextField(_("definition"), blank=True)
    validity_years = models.PositiveSmallIntegerField(_("validity (years)"), null=True, blank=True)
    signals = models.JSONField(_("signal phrases"), default=list, blank=True)
    signals_hant = models.JSONField(_("signal phrases (Traditional)"), default=list, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        ordering = ["code"]
