"""Investment projects (招商项目), their pipeline stages and stage history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import CalendarDateField, NameField
from core.files import UploadTo
from core.history import audited
from core.models import BaseModel, NamedModel
from projects.choices import LeadSource, Origin, Priority, StageDate


class Stage(NamedModel):
    """A pipeline stage. Stages are rows users can configure, seeded with domain.md's seven."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    is_won = models.BooleanField(_("counts as won (signed or later)"), default=False)
    is_lost = models.BooleanField(_("is lost"), default=False)
    fold = models.BooleanField(_("folded on the board"), default=False)
    date_field = models.CharField(
        _("milestone date it records"),
        max_length=32,
        choices=StageDate.choices,
        blank=True,
        default=StageDate.NONE,
    )
    requires_date = models.BooleanField(_("requires a date"), default=False)
    exit_criteria = models.TextField(_("exit criteria"), blank=True)

    history = audited()

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(fields=["sequence"], name="stage_sequence_unique"),
            models.CheckConstraint(
                condition=~(models.Q(is_won=True) & models.Q(is_lost=True)),
                name="stage_not_won_and_lost",
            ),
        ]


def _money_field(label: Any, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        **kwargs,  # type: ignore[arg-type]
    )


class Project(BaseModel):
    """An inbound investment project, from first lead to an operating plant."""

    name = NameField(_("project name"), max_length=300)
    investor = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("investor"),
    )
    ultimate_parent = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ultimate parent"),
    )
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, blank=True)
    source_country = models.CharField(_("source country (ISO 3166)"), max_length=2, blank=True)
    confidential = models.BooleanField(
        _("confidential"), default=False, help_text=_("Hide the investor in shared views.")
    )

    # Money: yuan as Decimal plus what was published.
    amount_cny = _money_field(_("investment (yuan)"), db_index=True)
    amount_original = _money_field(_("amount in original currency"))
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3, default="CNY")
    amount_text = models.CharField(_("amount as published"), max_length=100, blank=True)
    amount_is_estimated = models.BooleanField(_("amount is estimated"), default=False)
    contracted_amount_cny = _money_field(_("contracted amount (签约额, yuan)"))
    foreign_capital_usd = _money_field(_("contracted foreign capital (合同外资, USD)"))
    increment_cny = _money_field(
        _("capital increase (yuan)"),
        help_text=_("For expansions: the increment that counts in statistics."),
    )

    # Location.
    district = models.ForeignKey(
        "geo.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("district"),
    )
    zone = models.ForeignKey(
        "geo.Zone",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("zone / park"),
    )
    city = models.ForeignKey(
        "geo.City",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("city (outside Shanghai)"),
    )

    # Classification.
    industry = models.ForeignKey(
        "taxonomy.Industry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("industry"),
    )
    business_activity = models.ForeignKey(
        "taxonomy.BusinessActivity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("business activity"),
    )
    project_type = models.ForeignKey(
        "taxonomy.ProjectType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("project type"),
    )

    # Pipeline.
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="projects", verbose_name=_("stage")
    )
    stage_entered_on = CalendarDateField(_("stage entered on"), null=True, blank=True)
    signed_on = CalendarDateField(_("signed on"), null=True, blank=True, db_index=True)
    registered_on = CalendarDateField(_("registered on"), null=True, blank=True)
    construction_on = CalendarDateField(_("construction started on"), null=True, blank=True)
    operating_on = CalendarDateField(_("operating since"), null=True, blank=True)
    last_progress_on = CalendarDateField(_("last progress on"), null=True, blank=True)
    on_hold = models.BooleanField(_("on hold"), default=False)
    withdrawn = models.BooleanField(_("withdrawn after signing (未履约)"), default=False)
    lost_reason = models.CharField(_("reason lost"), max_length=300, blank=True)
    priority = models.CharField(
        _("priority"), max_length=1, choices=Priority.choices, default=Priority.B
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_projects",
        verbose_name=_("owner"),
    )
    owner_unit = models.CharField(_("owner unit"), max_length=200, blank=True)
    lead_source = models.CharField(
        _("lead source"), max_length=16, choices=LeadSource.choices, blank=True
    )
    referring_partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referring partner"),
    )
    referral_registered_on = CalendarDateField(
        _("referral registered on (备案)"), null=True, blank=True
    )
    signing_event = models.ForeignKey(
        "events.Event",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("signing event"),
    )

    # Statistics and merging.
    counted_in_stats = models.BooleanField(_("counted in statistics"), default=True)
    exclusion_reason = models.CharField(
        _("exclusion reason (不予认定)"), max_length=300, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        verbose_name=_("duplicate of"),
    )
    expands = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expansions",
        verbose_name=_("expansion of"),
    )
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Id in an imported ledger; re-imports update instead of duplicating."),
    )
    description = models.TextField(_("description"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic (generated)"), default=False)

    history = audited()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-signed_on", "-id"]
        indexes = [
            models.Index(fields=["district", "stage"], name="project_district_stage"),
            # Board columns, newest signing first: (signed_on DESC, id DESC) read backwards.
            # The id matters on PostgreSQL, where NULLs sort first in DESC and the open stages
            # have no signing date at all: without it every such column is sorted in full.
            models.Index(fields=["stage", "signed_on", "id"], name="project_stage_signed"),
            models.Index(fields=["industry", "signed_on"], name="project_industry_signed"),
            models.Index(fields=["last_progress_on"], name="project_last_progress"),
            # Board and list totals: every view skips merged duplicates, then groups by stage
            # and sums amounts; this index answers that from the index alone.
            models.Index(
                fields=["duplicate_of", "stage", "amount_cny"], name="project_dup_stage_amount"
            ),
            # The list in its default order over live records (PostgreSQL: see above).
            models.Index(
                fields=["signed_on", "id"],
                condition=models.Q(duplicate_of__isnull=True),
                name="project_live_signed",
            ),
            # Board columns and lists narrowed to a district and a stage, over live records, in
            # the default order (signed_on DESC, id DESC: the index read backwards, on SQLite
            # and PostgreSQL alike, so no sort even when every signed_on is NULL).
            models.Index(
                fields=["district", "stage", "signed_on", "id"],
                condition=models.Q(duplicate_of__isnull=True),
                name="project_live_dist_stage_signed",
            ),
            # An officer's (or a district-filtered) list in the default order.
            models.Index(
                fields=["district", "signed_on", "id"],
                condition=models.Q(duplicate_of__isnull=True),
                name="project_live_district_signed",
            ),
            # Stale projects of a district (My work): last progress before a cutoff, oldest
            # first, and the capped counts.
            models.Index(
                fields=["district", "last_progress_on"],
                condition=models.Q(duplicate_of__isnull=True),
                name="project_live_district_progress",
            ),
            # Industry (as ids) + signing date: count, total and the page's ids from
            # the index alone (duplicate_of last for SQLite, as above).
            models.Index(
                fields=["industry", "signed_on", "amount_cny", "duplicate_of"],
                condition=models.Q(duplicate_of__isnull=True),
                name="project_live_industry_signed",
            ),
            # Per-stage totals of one district (board filtered by district, also by industry;
            # officer views) and district lists sorted by amount. duplicate_of is repeated as
            # the last column (always NULL here) only so that SQLite before 3.45 sees the index
            # as covering: it does not count the partial-index condition's column as held.
            models.Index(
                fields=["district", "stage", "amount_cny", "industry", "duplicate_of"],
                condition=models.Q(duplicate_of__isnull=True),
                name="project_live_district_amount",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cny__isnull=True) | models.Q(amount_cny__gte=0),
                name="project_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(counted_in_stats=True) | ~models.Q(exclusion_reason=""),
                name="project_excluded_needs_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(duplicate_of=models.F("pk")),
                name="project_not_duplicate_of_itself",
            ),
            models.CheckConstraint(
                condition=~models.Q(expands=models.F("pk")),
                name="project_not_expansion_of_itself",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if not self.counted_in_stats and not self.exclusion_reason.strip():
            errors["exclusion_reason"] = _("Give the reason a project is excluded from statistics.")
        if self.zone_id and self.district_id and self.zone is not None:
            spanned = {d.pk for d in self.zone.districts.all()} | {self.zone.district_id}
            if self.district_id not in spanned:
                errors["zone"] = _("This zone does not lie in the chosen district.")
        if self.origin == Origin.FOREIGN and self.source_country.upper() == "CN":
            errors["source_country"] = _("A foreign project needs a source country other than CN.")
        if self.source_country and (
            len(self.source_country) != 2 or not self.source_country.isalpha()
        ):
            errors["source_country"] = _("Use a two-letter ISO 3166 country code.")
        if len(self.currency) != 3 or not self.currency.isalpha():
            errors["currency"] = _("Use a three-letter ISO 4217 currency code.")
        if self.duplicate_of_id and self.duplicate_of_id == self.pk:
            errors["duplicate_of"] = _("A project cannot be a duplicate of itself.")
        if errors:
            raise ValidationError(errors)
        self.currency = self.currency.upper()
        self.source_country = self.source_country.upper()

    def clean_fields(self, exclude: Any = None) -> None:
        """Field validation, plus the rules between fields: the expansion chain and the order
        of the milestone dates. Checked here (not in clean()) because Django passes the
        fields a form leaves out: an import that maps only some columns still gets these
        errors, on the form as a whole instead of on a field it does not have."""
        errors: dict[str, list[Any]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        rules: dict[str, Any] = dict(self.date_order_errors())
        if self.expands_id and self.pk is not None:
            if self.expands_id == self.pk:
                rules["expands"] = _("A project cannot be an expansion of itself.")
            elif self._expansions_lead_back():
                # No names: the chain may run through projects the writer may not see.
                rules["expands"] = _(
                    "This would make a cycle: the chosen project is itself, directly or "
                    "through other projects, an expansion of this one."
                )
        for field, message in rules.items():
            key = NON_FIELD_ERRORS if exclude and field in exclude else field
            errors.setdefault(key, []).append(message)
        if errors:
            raise ValidationError(errors)

    #: Expansions deeper than this are refused as if they were a cycle.
    MAX_EXPANSION_DEPTH = 100

    def _expansions_lead_back(self) -> bool:
        """Whether following `expands` from the chosen project comes back to this one."""
        seen = {self.pk}
        current = self.expands_id
        for _hop in range(self.MAX_EXPANSION_DEPTH):
            if current is None:
                return False
            if current in seen:
                return True
            seen.add(current)
            current = (
                Project._default_manager.filter(pk=current)
                .order_by()
                .values_list("expands_id", flat=True)
                .first()
            )
        return True

    def date_order_errors(self) -> dict[str, str]:
        """Milestones in an impossible order, by field: construction before signing,
        operation before construction (or before signing when construction has no date).
        Registration may come before signing (an expansion registers first, for example)."""
        errors: dict[str, str] = {}
        signed, construction, operating = self.signed_on, self.construction_on, self.operating_on
        if construction and signed and construction < signed:
            errors["construction_on"] = _(
                "Construction cannot start ({construction}) before the project was signed "
                "({signed})."
            ).format(construction=construction.isoformat(), signed=signed.isoformat())
        if operating and construction and operating < construction:
            errors["operating_on"] = _(
                "Operation cannot start ({operating}) before construction started ({construction})."
            ).format(operating=operating.isoformat(), construction=construction.isoformat())
        elif operating and signed and not construction and operating < signed:
            errors["operating_on"] = _(
                "Operation cannot start ({operating}) before the project was signed ({signed})."
            ).format(operating=operating.isoformat(), signed=signed.isoformat())
        return errors

    @property
    def investor_display(self) -> str:
        return str(self.investor) if self.investor else ""


class StageChange(models.Model):
    """One move of a project between stages, with the date it took effect."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("project")
    )
    from_stage = models.ForeignKey(
        Stage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from stage"),
    )
    to_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("to stage")
    )
    effective_on = CalendarDateField(_("effective on"))
    changed_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    request_id = models.CharField(_("request or batch id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["project", "effective_on", "id"]
        indexes = [models.Index(fields=["project", "effective_on"], name="stagechange_proj_date")]

    def __str__(self) -> str:
        return f"{self.project}: {self.from_stage or '—'} → {self.to_stage} ({self.effective_on})"


class PaidInCapital(models.Model):
    """Capital actually paid in (实际到位) — a time series, not a stage."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="paid_in", verbose_name=_("project")
    )
    paid_on = CalendarDateField(_("paid on"))
    amount_cny = models.DecimalField(
        _("amount (yuan)"),
        max_digits=20,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("paid-in capital")
        verbose_name_plural = _("paid-in capital")
        ordering = ["project", "paid_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cny__gte=0), name="paidin_amount_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.paid_on}: {self.amount_cny}"


class Activity(models.Model):
    """A touch-point with the investor: visit out, visit in, call, meeting, event."""

    class Kind(models.TextChoices):
        VISIT_OUT = "visit_out", _("visit out (走出去)")
        VISIT_IN = "visit_in", _("visit in (请进来)")
        CALL = "call", _("call")
        MEETING = "meeting", _("meeting")
        EVENT = "event", _("event")
        OTHER = "other", _("other")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="activities", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    happened_on = CalendarDateField(_("date"))
    summary = models.CharField(_("summary"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = audited()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-happened_on", "-id"]
        indexes = [models.Index(fields=["project", "happened_on"], name="activity_proj_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_on}: {self.summary}"


class FollowUp(models.Model):
    """A follow-up task on a project with a due date and an owner."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("project")
    )
    title = models.CharField(_("task"), max_length=300)
    due_on = CalendarDateField(_("due on"), db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("owner"),
    )
    done_on = CalendarDateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = audited()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["done_on", "due_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


class Attachment(models.Model):
    """A file attached to a project (agreement scan, presentation, minutes).

    Stored under a random name (core.files.UploadTo); `original_name` is the uploader's
    name, which the download carries. Served only by core.files.serve, to users who may
    view the project.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("project")
    )
    file = models.FileField(_("file"), upload_to=UploadTo("attachments"), max_length=200)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = audited()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title or self.original_name or self.file.name or ""
