"""Source documents and the evidence (sentence and offsets) behind each extracted value."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import CalendarDateField
from core.history import audited
from core.models import BaseModel
from core.querysets import RestrictedQuerySet


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SourceDocument(BaseModel):
    """A news article, press release or file that the system has read."""

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("Simplified Chinese")
        ZH_HANT = "zh-hant", _("Traditional Chinese")
        EN = "en", _("English")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        NEW = "new", _("new")
        REVIEWED = "reviewed", _("reviewed")
        IGNORED = "ignored", _("ignored")

    title = models.CharField(_("title"), max_length=500, blank=True)
    text = models.TextField(_("text"))
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = CalendarDateField(_("published on"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64, unique=True)
    file_name = models.CharField(_("file name"), max_length=300, blank=True)
    status = models.CharField(
        _("review status"), max_length=16, choices=Status.choices, default=Status.NEW
    )

    history = audited(excluded_fields=["text"])

    class Meta:
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title or self.file_name or self.content_hash[:12]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.content_hash = content_hash(self.text)
        super().save(*args, **kwargs)


class Evidence(models.Model):
    """A span of a source document that supports one field of a record."""

    document = models.ForeignKey(
        SourceDocument,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("document"),
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("project"),
    )
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("company"),
    )
    event = models.ForeignKey(
        "events.Event",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("event"),
    )
    field = models.CharField(_("field"), max_length=64)
    value = models.CharField(_("value"), max_length=500, blank=True)
    start = models.PositiveIntegerField(_("start offset"))
    end = models.PositiveIntegerField(_("end offset"))
    sentence = models.TextField(_("sentence"))
    extractor = models.CharField(_("extractor"), max_length=64)
    confidence = models.FloatField(
        _("confidence"), validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = audited()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["document", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="evidence_span_not_empty"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0) & models.Q(confidence__lte=1),
                name="evidence_confidence_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.value}"

    def clean(self) -> None:
        if self.document_id and self.end > len(self.document.text):
            raise ValidationError({"end": _("The span ends after the end of the document.")})
        if self.end <= self.start:
            raise ValidationError({"end": _("The span must end after it starts.")})


# ---------------------------------------------------------------------------------------------
# Review queue: what the extractor proposed, and what a reviewer made of it


class CandidateQuerySet(RestrictedQuerySet["Candidate"]):
    """Candidates follow the access rule of their source document.

    A candidate is part of the document it was read from, so whoever may view (or change) the
    document may view (or review) its candidates; the rule itself stays in accounts.policy
    (the "evidence.sourcedocument" entry) and is reached through `SourceDocument.restrict`.
    """

    def restrict(self, user: Any, action: str = "view") -> CandidateQuerySet:
        documents = SourceDocument.objects.restrict(user, action)
        return self.filter(document__in=documents.values("pk"))


class Candidate(BaseModel):
    """One record the extractor proposed from a document, waiting for (or after) review.

    `record` keeps the extracted values as JSON (amounts as decimal strings, never floats);
    `spans` maps each field to its [start, end) character offsets in the document's text, so
    the review page can highlight them and accepting can write an Evidence row per field.
    """

    class Kind(models.TextChoices):
        PROJECT = "project", _("project")
        AGGREGATE = "aggregate", _("aggregate statement")

    class Status(models.TextChoices):
        NEW = "new", _("new")
        ACCEPTED = "accepted", _("accepted")
        EDITED = "edited", _("edited and accepted")
        REJECTED = "rejected", _("rejected")

    document = models.ForeignKey(
        SourceDocument,
        on_delete=models.CASCADE,
        related_name="candidates",
        verbose_name=_("document"),
    )
    ordinal = models.PositiveIntegerField(_("position in the document"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    record = models.JSONField(_("extracted record"), default=dict)
    spans = models.JSONField(_("character offsets per field"), default=dict)
    start = models.PositiveIntegerField(_("evidence start offset"))
    end = models.PositiveIntegerField(_("evidence end offset"))
    confidence = models.FloatField(
        _("confidence"), validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    extractor = models.CharField(_("extractor"), max_length=64)
    status = models.CharField(
        _("review status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidates",
        verbose_name=_("accepted into project"),
    )
    event = models.ForeignKey(
        "events.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidates",
        verbose_name=_("attached to event"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)

    objects = CandidateQuerySet.as_manager()  # type: ignore[misc]
    history = audited()

    class Meta:
        verbose_name = _("extraction candidate")
        verbose_name_plural = _("extraction candidates")
        ordering = ["document", "ordinal"]
        indexes = [models.Index(fields=["status", "kind"], name="candidate_status_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "ordinal"], name="candidate_once_per_position"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="candidate_span_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0) & models.Q(confidence__lte=1),
                name="candidate_confidence_0_1",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.AGGREGATE:
            return str(self.record.get("text") or _("aggregate"))
        return str(self.record.get("investor") or _("unnamed investor"))

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.NEW

    def span(self, name: str) -> tuple[int, int] | None:
        """The [start, end) offsets of field `name`, or None when the extractor had none."""
        value = (self.spans or {}).get(name)
        if not value or len(value) != 2:
            return None
        start, end = int(value[0]), int(value[1])
        return (start, end) if 0 <= start < end else None

    def evidence_text(self) -> str:
        return self.document.text[self.start : self.end]
