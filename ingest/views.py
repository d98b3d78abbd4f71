"""Screens under /data/: import (upload → mapping → dry run → commit), batches and rollback,
error files, exports, and the duplicate review list with merge and undo."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.policy import may
from companies.models import Company
from core.files import protect_download
from ingest import dedupe, engine
from ingest.forms import MappingForm, UploadForm
from ingest.models import (
    DuplicateSuggestion,
    ImportBatch,
    ImportRow,
    MergeRecord,
    visible_batches,
)
from ingest.spreadsheet.headers import COLUMNS_BY_KIND
from ingest.spreadsheet.readers import FileRefused
from projects.filtersets import ProjectFilterSet
from projects.merge import merge_companies, merge_projects, undo_merge
from projects.models import Project
from reports import exports

MODELS: dict[str, Any] = {"projects": Project, "companies": Company}


def _may_import(user: Any, kind: str) -> bool:
    model = MODELS[kind]
    return may(user, model, "add") or may(user, model, "change")


# --------------------------------------------------------------------------- import


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The batch list and the upload form (step 1)."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        if not _may_import(request.user, kind):
            raise PermissionDenied(_("You may not import {kind}.").format(kind=kind))
        upload = form.cleaned_data["file"]
        batch = engine.new_batch(upload.read(), upload.name, kind, request.user)
        try:
            engine.inspect(batch)
        except FileRefused as exc:  # the batch failed and its file is gone
            messages.error(request, str(exc))
        return redirect("ingest:batch", pk=batch.pk)
    page = Paginator(visible_batches(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "ingest/index.html", {"form": form, "page": page})


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One batch: mapping (step 2), dry-run results (step 3), commit or rollback."""
    batch = get_object_or_404(visible_batches(request.user), pk=pk)
    mapping_form = None
    if batch.status in (ImportBatch.Status.UPLOADED, ImportBatch.Status.PLANNED) and batch.headers:
        initial = {f"col_{i}": key for i, key in batch.mapping.items()}
        initial["skip_errors"] = batch.skip_errors
        mapping_form = MappingForm(kind=batch.kind, headers=batch.headers, initial=initial)
    action = request.GET.get("action", "")
    rows = batch.rows.all()
    if action in ImportRow.Action.values:
        rows = rows.filter(action=action)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    context = {
        "batch": batch,
        "mapping_form": mapping_form,
        "page": page,
        "action": action,
        "actions": ImportRow.Action.choices,
        "headers": batch.headers,
    }
    return render(request, "ingest/batch.html", context)


@login_required
@require_POST
def batch_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the column mapping and run the dry run."""
    batch = get_object_or_404(visible_batches(request.user), pk=pk)
    if batch.status not in (ImportBatch.Status.UPLOADED, ImportBatch.Status.PLANNED):
        messages.error(request, _("This batch can no longer be changed."))
        return redirect("ingest:batch", pk=pk)
    form = MappingForm(request.POST, kind=batch.kind, headers=batch.headers)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("ingest:batch", pk=pk)
    batch.mapping = form.mapping()
    batch.skip_errors = form.cleaned_data["skip_errors"]
    batch.save()
    try:
        engine.run(batch, user=request.user, dry_run=True)
    except engine.ImportRefused as exc:
        messages.error(request, str(exc))
    if batch.status == ImportBatch.Status.FAILED:
        messages.error(request, batch.message)
    return redirect("ingest:batch", pk=pk)


@login_required
@require_POST
def batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(visible_batches(request.user), pk=pk)
    if not _may_import(request.user, batch.kind):
        raise PermissionDenied
    if batch.status != ImportBatch.Status.PLANNED:
        messages.error(request, _("Run the dry run first."))
        return redirect("ingest:batch", pk=pk)
    try:
        engine.run(batch, user=request.user, dry_run=False)
        messages.success(
            request,
            _("Imported: {c} created, {u} updated, {s} skipped.").format(
                c=batch.rows_created, u=batch.rows_updated, s=batch.rows_skipped
            ),
        )
    except engine.ImportRefused as exc:
        messages.error(request, str(exc))
    return redirect("ingest:batch", pk=pk)


@login_required
@require_POST
def batch_rollback(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(visible_batches(request.user), pk=pk)
    if not _may_import(request.user, batch.kind):
        raise PermissionDenied
    try:
        engine.rollback(batch, user=request.user)
        messages.success(request, _("The batch was rolled back."))
    except engine.ImportRefused as exc:
        messages.error(request, str(exc))
    return redirect("ingest:batch", pk=pk)


@login_required
@require_POST
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop an upload or a dry run that will not be imported, with its file."""
    batch = get_object_or_404(visible_batches(request.user), pk=pk)
    try:
        engine.cancel(batch)
        messages.success(request, _("The import was cancelled and its file deleted."))
    except engine.ImportRefused as exc:
        messages.error(request, str(exc))
    return redirect("ingest:batch", pk=pk)


@login_required
def batch_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The rows with errors as XLSX: the original cells plus row number and messages."""
    batch = get_object_or_404(visible_batches(request.user), pk=pk)
    rows = batch.rows.filter(action=ImportRow.Action.ERROR).order_by("number")
    headers = [_("row"), _("errors"), *batch.headers]

    def lines() -> Any:
        for row in rows.iterator(chunk_size=2000):
            yield [row.number, "\n".join(row.errors), *row.values]

    data = exports.write_xlsx(headers, lines(), _("errors"))
    response = HttpResponse(data, content_type=exports.XLSX_TYPE)
    return protect_download(response, f"import-{batch.pk}-errors.xlsx")


@login_required
def template_file(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty ledger with the headers the importer knows best."""
    if kind not in COLUMNS_BY_KIND:
        raise Http404
    headers = exports.project_headers() if kind == "projects" else exports.company_headers()
    data = exports.write_xlsx(headers, iter([]), kind)
    response = HttpResponse(data, content_type=exports.XLSX_TYPE)
    return protect_download(response, f"{kind}-template.xlsx")


# --------------------------------------------------------------------------- export


@login_required
def export_projects(request: HttpRequest, fmt: str) -> HttpResponse:
    """Any filtered project list (the list page's query string) as xlsx or csv."""
    if fmt not in ("xlsx", "csv"):
        raise Http404
    base = Project.objects.restrict(request.user, "export")
    filterset = ProjectFilterSet(request.GET, queryset=base, user=request.user)
    if not filterset.is_valid():
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items()), status=400
        )
    return exports.export_projects(filterset.qs, fmt, request.user)


@login_required
def export_companies(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "csv"):
        raise Http404
    qs: QuerySet[Company] = Company.objects.restrict(request.user, "export").filter(
        duplicate_of__isnull=True
    )
    q = request.GET.get("q", "").strip()
    if q:
        from core.filters import folded_search

        qs = folded_search(qs, ["search_key", "credit_code"], q)
    return exports.export_companies(qs, fmt)


# --------------------------------------------------------------------------- duplicates


def _review_url(kind: str) -> str:
    return "{url}?kind={kind}".format(url=reverse("ingest:duplicates"), kind=kind)


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind") or request.POST.get("kind") or "companies"
    if kind not in MODELS:
        raise Http404
    return kind


@login_required
def duplicates(request: HttpRequest) -> HttpResponse:
    """Suggested merges with scores and reasons, for the records the user may change."""
    kind = _kind(request)
    model = MODELS[kind]
    status = request.GET.get("status", DuplicateSuggestion.Status.OPEN)
    changeable = model.objects.restrict(request.user, "change")
    suggestions = DuplicateSuggestion.objects.filter(kind=kind, status=status).filter(
        first_id__in=changeable.values("pk"), second_id__in=changeable.values("pk")
    )
    page = Paginator(suggestions, 50).get_page(request.GET.get("page"))
    ids = {s.first_id for s in page} | {s.second_id for s in page}
    related = ("investor", "district", "stage") if kind == "projects" else ()
    records = {o.pk: o for o in changeable.filter(pk__in=ids).select_related(*related)}
    pairs = [(s, records.get(s.first_id), records.get(s.second_id)) for s in page]
    # Only merges of records the user may see: an id of another district's project is
    # not theirs to know about (nor to undo: merge_undo asks for "change").
    visible = model.objects.restrict(request.user, "view").values("pk")
    merges = MergeRecord.objects.filter(
        kind=kind, undone_at__isnull=True, survivor_id__in=visible, merged_id__in=visible
    )[:20]
    context = {
        "kind": kind,
        "status": status,
        "statuses": DuplicateSuggestion.Status.choices,
        "pairs": pairs,
        "page": page,
        "merges": merges,
    }
    return render(request, "ingest/duplicates.html", context)


@login_required
@require_POST
def duplicates_scan(request: HttpRequest) -> HttpResponse:
    kind = _kind(request)
    if not may(request.user, MODELS[kind], "change"):
        raise PermissionDenied
    counts = dedupe.refresh(kind)
    messages.success(
        request,
        _("{found} likely duplicates ({new} new).").format(
            found=counts["found"], new=counts["new"]
        ),
    )
    return redirect(_review_url(kind))


def _pair(request: HttpRequest, pk: int) -> tuple[DuplicateSuggestion, Any, Any]:
    suggestion = get_object_or_404(DuplicateSuggestion, pk=pk)
    model = MODELS[suggestion.kind]
    changeable = model.objects.restrict(request.user, "change")
    first = changeable.filter(pk=suggestion.first_id).first()
    second = changeable.filter(pk=suggestion.second_id).first()
    if first is None or second is None:
        raise Http404
    return suggestion, first, second


@login_required
@require_POST
def duplicate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge the pair; `keep` names the survivor (first or second)."""
    suggestion, first, second = _pair(request, pk)
    survivor, duplicate = (
        (second, first)
        if request.POST.get("keep") == "second"
        else (
            first,
            second,
        )
    )
    merge = merge_projects if suggestion.kind == "projects" else merge_companies
    try:
        merge(survivor, duplicate, user=request.user, reason=request.POST.get("reason", ""))
        messages.success(
            request, _("#{d} was merged into #{s}.").format(d=duplicate.pk, s=survivor.pk)
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect(_review_url(suggestion.kind))


@login_required
@require_POST
def duplicate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion, _first, _second = _pair(request, pk)
    suggestion.status = DuplicateSuggestion.Status.DISMISSED
    suggestion.decided_at = timezone.now()
    suggestion.decided_by = request.user  # type: ignore[assignment]
    suggestion.save(update_fields=["status", "decided_at", "decided_by"])
    return redirect(_review_url(suggestion.kind))


@login_required
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(MergeRecord, pk=pk)
    model = MODELS[record.kind]
    changeable = model.objects.restrict(request.user, "change")
    if changeable.filter(pk__in=[record.survivor_id, record.merged_id]).count() != 2:
        raise Http404
    try:
        undo_merge(record, user=request.user)
        messages.success(request, _("The merge was undone."))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect(_review_url(record.kind))
