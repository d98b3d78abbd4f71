"""Import batches and their rows, external ids of imported companies, merges and suggestions.

Every spreadsheet import is an :class:`ImportBatch` (who, when, file hash, counts, status)
whose rows are :class:`ImportRow` (action, errors, the values read and the before-image of
every record it changed), so a batch can be shown, downloaded as an error file and rolled
back. :class:`MergeRecord` keeps what a merge of two projects or companies moved, so that it
can be undone; :class:`DuplicateSuggestion` is the review list the dedupe scan fills.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.policy import restrict
from core.files import UploadTo


class Kind(models.TextChoices):
    PROJECTS = "projects", _("projects")
    COMPANIES = "companies", _("companies")


class ImportBatch(models.Model):
    """One uploaded file and what importing it did (or would do, before it is committed)."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        PLANNED = "planned", _("dry run done")
        COMMITTED = "committed", _("imported")
        FAILED = "failed", _("failed")
        ROLLED_BACK = "rolled_back", _("rolled back")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.UPLOADED
    )
    # Stored under a random name; `file_name` is the uploader's. Deleted when the import
    # fails or is cancelled, and by `zhaoshang cleanup_uploads` after a while.
    file = models.FileField(_("file"), upload_to=UploadTo("imports"), max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=300)
    file_hash = models.CharField(_("file hash (SHA-256)"), max_length=64, db_index=True)
    file_format = models.CharField(_("format"), max_length=8, blank=True)
    sheet_name = models.CharField(_("sheet"), max_length=200, blank=True)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    mapping = models.JSONField(
        _("column mapping"), default=dict, blank=True, help_text=_("Column index → field key.")
    )
    warnings = models.JSONField(_("file warnings"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    skip_errors = models.BooleanField(_("import valid rows, skip rows with errors"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("rolled back at"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rolled back by"),
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_created = models.PositiveIntegerField(_("created"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated"), default=0)
    rows_skipped = models.PositiveIntegerField(_("skipped"), default=0)
    rows_error = models.PositiveIntegerField(_("with errors"), default=0)
    companies_created = models.PositiveIntegerField(_("companies created"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    @property
    def request_id(self) -> str:
        """The id every history record written by this batch carries."""
        return f"import-{self.pk}"


def visible_batches(user: Any) -> QuerySet[ImportBatch]:
    """Batches (and their files) the user may see: their own, and every batch for those
    the policy lets see import batches (administrators)."""
    if not getattr(user, "is_authenticated", False):
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(
        Q(created_by=user) | Q(pk__in=restrict(ImportBatch, user, "view").values("pk"))
    ).select_related("created_by")


class ImportRow(models.Model):
    """One data row of a batch: what the importer read, decided and changed."""

    class Action(models.TextChoices):
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        SKIP = "skip", _("skip")
        ERROR = "error", _("error")

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="rows", verbose_name=_("batch")
    )
    number = models.PositiveIntegerField(_("row in the sheet"))
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    values = models.JSONField(_("cells"), default=list, blank=True)
    object_id = models.BigIntegerField(_("record id"), null=True, blank=True)
    before = models.JSONField(_("before-image"), null=True, blank=True)
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)
    version_after = models.PositiveIntegerField(_("version after import"), null=True, blank=True)
    created_company_id = models.BigIntegerField(_("company created"), null=True, blank=True)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["batch", "number"]
        indexes = [models.Index(fields=["batch", "action"], name="importrow_batch_action")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.number} {self.action}"


class ExternalRef(models.Model):
    """An id a ledger gives a company (companies have no external_id column of their own)."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    external_id = models.CharField(_("external id"), max_length=100)
    object_id = models.BigIntegerField(_("record id"))
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("external id")
        verbose_name_plural = _("external ids")
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="externalref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.external_id} → {self.object_id}"


class DuplicateSuggestion(models.Model):
    """A pair of records the duplicate scan thinks are the same, waiting for review."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        MERGED = "merged", _("merged")
        DISMISSED = "dismissed", _("not a duplicate")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    first_id = models.BigIntegerField(_("first record"))
    second_id = models.BigIntegerField(_("second record"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("duplicate suggestion")
        verbose_name_plural = _("duplicate suggestions")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "first_id", "second_id"], name="duplicatesuggestion_pair_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(first_id__lt=models.F("second_id")),
                name="duplicatesuggestion_ordered_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.first_id}~{self.second_id} ({self.score})"


class MergeRecord(models.Model):
    """One merge of a duplicate into a survivor, with everything needed to undo it."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    survivor_id = models.BigIntegerField(_("survivor"))
    merged_id = models.BigIntegerField(_("merged duplicate"))
    moved = models.JSONField(
        _("moved records"), default=dict, help_text=_("Related model label → ids moved.")
    )
    survivor_before = models.JSONField(_("survivor fields before"), default=dict)
    merged_before = models.JSONField(_("duplicate fields before"), default=dict)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged by"),
    )
    created_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.merged_id} → {self.survivor_id}"
