"""Source documents and the evidence (sentence and offsets) behind each extracted value."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.history import audited
from core.models import BaseModel


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
    published_on = models.DateField(_("published on"), null=True, blank=True)
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
