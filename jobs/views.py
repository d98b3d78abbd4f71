"""The job page (/jobs/<id>/), its polled progress fragment, and starting a job from a page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.policy import restrict
from core.http import safe_next
from jobs import runner
from jobs.models import Job


def _job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(restrict(Job, request.user, "view"), pk=pk)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "jobs/detail.html", {"job": _job(request, pk)})


@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment htmx polls every second; once the job is finished it stops polling."""
    return render(request, "jobs/_progress.html", {"job": _job(request, pk)})


@login_required
@require_POST
def start(request: HttpRequest, kind: str) -> HttpResponse:
    """Start a job of `kind` and go to its page; refusals go back with the reason."""
    try:
        job = runner.start(request.user, kind)
    except runner.JobRefused as refused:
        if refused.status == 404:
            raise Http404(refused.message) from refused
        if refused.status == 403:
            raise PermissionDenied(refused.message) from refused
        messages.error(request, refused.message)
        return redirect(safe_next(request, "/"))
    return redirect(job.get_absolute_url())
