"""The read side's stored helpers: one fact row per counted project and the monthly rollup.

Both are derived data. `zhaoshang rollup` rebuilds them from scratch; signals keep them in
step with every ORM save (analytics.rollup); `RollupState` records what the rollup was built
from so a stale rollup is noticed and the exact path is used instead.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import CalendarDateField


class ProjectFact(models.Model):
    """A counted project reduced to what the counting rules need (see analytics.counting).

    Only projects with counted_in_stats and no duplicate_of have a fact. Amounts are integer
    fen so that sums are exact on every database.
    """

    project = models.OneToOneField(
        "projects.Project",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="fact",
        verbose_name=_("project"),
    )
    district_id = models.BigIntegerField(_("district id"), default=0)
    zone_id = models.BigIntegerField(_("zone id"), default=0)
    category_id = models.BigIntegerField(_("industry category id"), default=0)
    stage_id = models.BigIntegerField(_("stage id"))
    project_type_id = models.BigIntegerField(_("project type id"), default=0)
    activity_id = models.BigIntegerField(_("business activity id"), default=0)
    event_id = models.BigIntegerField(_("signing event id"), default=0, db_index=True)
    origin = models.CharField(_("origin"), max_length=16, blank=True)
    source_country = models.CharField(_("source country"), max_length=2, blank=True)
    credit_date = CalendarDateField(_("credited on (first signing)"), null=True)
    credit_month = models.IntegerField(_("credit month (yyyymm, 0 = unsigned)"), default=0)
    amount_fen = models.BigIntegerField(_("counted amount (fen)"), null=True)
    estimated = models.BooleanField(_("amount is estimated"), default=False)
    bucket = models.SmallIntegerField(_("amount bucket"), default=-1)
    contracted_fen = models.BigIntegerField(_("contracted amount (fen)"), null=True)
    paid_in_fen = models.BigIntegerField(_("paid-in capital to date (fen)"), default=0)
    registered = models.BooleanField(_("registered"), default=False)
    reg_days = models.IntegerField(_("days from signing to registration"), null=True)
    started = models.BooleanField(_("construction started"), default=False)
    performing = models.BooleanField(_("performing"), default=True)
    open = models.BooleanField(_("open (can go stale)"), default=True)
    last_progress_on = CalendarDateField(_("last progress on"), null=True)
    progress_month = models.IntegerField(_("last progress month if open (yyyymm)"), default=0)

    class Meta:
        verbose_name = _("project fact")
        verbose_name_plural = _("project facts")
        # Top projects: a period's range scan that tests the amount inside the index.
        # Stale projects: open facts by last progress, oldest first.
        indexes = [
            models.Index(fields=["credit_date", "amount_fen"], name="fact_credit_amount"),
            models.Index(
                fields=["district_id", "credit_date", "amount_fen"], name="fact_district_credit"
            ),
            models.Index(fields=["zone_id", "credit_date", "amount_fen"], name="fact_zone_credit"),
            models.Index(fields=["last_progress_on", "open"], name="fact_progress_open"),
            models.Index(
                fields=["district_id", "last_progress_on", "open"], name="fact_district_progress"
            ),
            models.Index(fields=["zone_id", "last_progress_on", "open"], name="fact_zone_progress"),
        ]

    def __str__(self) -> str:
        return f"fact {self.pk}"


class Rollup(models.Model):
    """Monthly sums of facts along one dimension, keyed by the permission scope (district, zone).

    `dim` names the breakdown (all, month, industry, type, activity, origin, country, regdays,
    stage, progress); `key` is the dimension's value; `month` is yyyymm (0 = not dated).
    """

    dim = models.CharField(_("dimension"), max_length=12)
    month = models.IntegerField(_("month (yyyymm)"))
    district_id = models.BigIntegerField(_("district id"))
    zone_id = models.BigIntegerField(_("zone id"))
    key = models.CharField(_("key"), max_length=32, blank=True)
    estimated = models.BooleanField(_("estimated amounts"))
    bucket = models.SmallIntegerField(_("amount bucket"))
    n = models.BigIntegerField(_("projects"), default=0)
    amount_fen = models.BigIntegerField(_("amount (fen)"), default=0)
    contracted_fen = models.BigIntegerField(_("contracted (fen)"), default=0)
    paid_in_fen = models.BigIntegerField(_("paid-in (fen)"), default=0)
    n_registered = models.BigIntegerField(_("registered"), default=0)
    n_started = models.BigIntegerField(_("started"), default=0)
    n_performing = models.BigIntegerField(_("performing"), default=0)

    class Meta:
        verbose_name = _("rollup row")
        verbose_name_plural = _("rollup rows")
        constraints = [
            models.UniqueConstraint(
                fields=["dim", "month", "district_id", "zone_id", "key", "estimated", "bucket"],
                name="rollup_cell_unique",
            )
        ]
        indexes = [
            models.Index(fields=["dim", "district_id", "month"], name="rollup_dim_district_month"),
            models.Index(fields=["dim", "zone_id", "month"], name="rollup_dim_zone_month"),
        ]

    def __str__(self) -> str:
        return f"{self.dim} {self.month} d{self.district_id} z{self.zone_id} {self.key}"


class RollupState(models.Model):
    """When the rollup was built and from what, to detect writes that bypassed the signals."""

    built_at = models.DateTimeField(_("built at"))
    max_project_id = models.BigIntegerField(_("highest project id seen"), default=0)
    max_stage_change_id = models.BigIntegerField(_("highest stage change id seen"), default=0)
    max_paid_in_id = models.BigIntegerField(_("highest paid-in id seen"), default=0)
    facts = models.BigIntegerField(_("facts"), default=0)
    rules_version = models.CharField(_("counting rules version"), max_length=16)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup state")

    def __str__(self) -> str:
        return f"rollup {self.rules_version} built {self.built_at:%Y-%m-%d %H:%M}"
