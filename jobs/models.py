"""A `Job` is what a user sees of a long piece of work that runs as a task.

The task itself is queued and run by django-tasks (the database backend by default; see
docs/architecture.md, "Long work runs as tasks"); the Job row is the user-facing record: who
started it, how far it is, and how it ended. `jobs.runner` writes it; the page /jobs/<id>/
and GET /api/v1/jobs/{id} read it through `restrict()` (accounts.policy: the starter and
administrators only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.querysets import RestrictedQuerySet


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("started by"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveBigIntegerField(_("done"), default=0)
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    # The error shown to the user, in the language they started the job in.
    message = models.TextField(_("message"), blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    result_url = models.CharField(_("result link"), max_length=500, blank=True)
    task_id = models.CharField(_("task result id"), max_length=64, blank=True, db_index=True)
    created = models.DateTimeField(_("created at"), auto_now_add=True)
    started = models.DateTimeField(_("started at"), null=True, blank=True)
    finished = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "kind", "status"])]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return "{} #{}".format(self.label, self.pk)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int | None:
        """0–100, or None while the total is unknown (an indeterminate bar)."""
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return None
        return min(100, int(self.done * 100 / self.total))
