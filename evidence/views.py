"""Review queue pages: the queue, adding a document, a document with its candidates, and the
accept / edit-then-accept / reject / attach-to-event actions.

Every read goes through `Model.objects.restrict(user, "view")`, every action through
`restrict(user, "change")` (inside evidence.services, which owns the writes).
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.policy import may
from events.models import Event
from evidence import services
from evidence.filtersets import SourceDocumentFilterSet
from evidence.forms import AttachEventForm, CandidateProjectForm, DocumentForm, initial_from
from evidence.models import Candidate, SourceDocument
from geo.models import City, District
from ingest.extract import ExtractError
from projects.models import Project
from taxonomy.models import Industry

FIELD_LABELS = {
    "evidence": gettext_lazy("evidence"),
    "investor": gettext_lazy("investor"),
    "amount": gettext_lazy("amount"),
    "location": gettext_lazy("location"),
    "stage": gettext_lazy("stage"),
    "industry": gettext_lazy("industry"),
    "project_type": gettext_lazy("project type"),
}
QUALIFIERS = {
    "over": gettext_lazy("over"),
    "nearly": gettext_lazy("nearly"),
    "approx": gettext_lazy("about"),
    "at_least": gettext_lazy("at least"),
}
COLOURS = 6
PAGE_SIZE = 50


# ---- helpers ---------------------------------------------------------------------------------


def _document_for(request: HttpRequest, pk: int) -> SourceDocument:
    try:
        return SourceDocument.objects.restrict(request.user, "view").get(pk=pk)
    except SourceDocument.DoesNotExist:
        raise Http404(_("No such document, or you may not see it.")) from None


def _candidate_for(request: HttpRequest, pk: int, action: str = "view") -> Candidate:
    visible = Candidate.objects.restrict(request.user, "view").select_related("document")
    try:
        candidate = visible.get(pk=pk)
    except Candidate.DoesNotExist:
        raise Http404(_("No such candidate, or you may not see it.")) from None
    if action != "view" and not (
        Candidate.objects.restrict(request.user, action).filter(pk=pk).exists()
    ):
        raise PermissionDenied(_("You may not review this document."))
    return candidate


def _back(candidate: Candidate) -> str:
    return "{}#c-{}".format(
        reverse("evidence:document", args=[candidate.document_id]), candidate.pk
    )


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


def highlighted(text: str, candidates: list[Candidate]) -> SafeString:
    """The document text, escaped, with every candidate's evidence and field spans marked.

    Spans may overlap (a field inside its sentence, two candidates sharing a sentence), so
    the text is cut at every span boundary and each piece is marked with the classes of all
    spans covering it; no tags are nested, and every piece of text is escaped.
    """
    marks: list[tuple[int, int, int, Candidate, str]] = []
    length = len(text)
    for index, candidate in enumerate(candidates):
        for name in FIELD_LABELS:
            span = candidate.span(name) if name != "evidence" else (candidate.start, candidate.end)
            if span and 0 <= span[0] < span[1] <= length:
                marks.append((span[0], span[1], index, candidate, name))
    bounds = sorted({0, length} | {m[0] for m in marks} | {m[1] for m in marks})
    anchors = {c.start: c for c in reversed(candidates) if c.start < length}
    out: list[str] = []
    for a, b in pairwise(bounds):
        if a in anchors:
            out.append('<span class="anchor" id="t-{}"></span>'.format(anchors[a].pk))
        piece = str(escape(text[a:b]))
        active = [m for m in marks if m[0] <= a and b <= m[1]]
        if not active:
            out.append(piece)
            continue
        classes: list[str] = []
        titles: list[str] = []
        for _start, _end, index, candidate, name in active:
            if name == "evidence":
                classes += ["ev", "c{}".format(index % COLOURS)]
                if candidate.status == Candidate.Status.REJECTED:
                    classes.append("rejected")
            else:
                classes += ["f", "f-{}".format(name)]
                titles.append("#{} {}".format(index + 1, FIELD_LABELS[name]))
        out.append(
            '<mark class="{}"{}>{}</mark>'.format(
                " ".join(dict.fromkeys(classes)),
                ' title="{}"'.format(escape("; ".join(titles))) if titles else "",
                piece,
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


def _reconcile(event: Event, user: Any) -> dict[str, Any]:
    """Announced (by the event) vs recorded (projects naming it as their signing event)."""
    linked = Project.objects.restrict(user, "aggregate").filter(
        signing_event=event, duplicate_of__isnull=True, counted_in_stats=True
    )
    agg = linked.aggregate(n=Count("pk"), total=Sum("amount_cny"))
    recorded_total = agg["total"] or Decimal(0)
    return {
        "event": event,
        "announced_count": event.announced_project_count,
        "announced_total": event.announced_total_cny,
        "recorded_count": agg["n"],
        "recorded_total": recorded_total,
        "count_diff": (
            agg["n"] - event.announced_project_count
            if event.announced_project_count is not None
            else None
        ),
        "total_diff": (
            recorded_total - event.announced_total_cny
            if event.announced_total_cny is not None
            else None
        ),
    }


def _describe(candidates: list[Candidate], user: Any) -> list[dict[str, Any]]:
    """Display rows for the candidate cards (reference names looked up once per page)."""
    codes = {str(c.record.get("district_code") or "") for c in candidates} - {""}
    places: dict[str, District | City] = {
        d.code: d for d in District.objects.filter(code__in=codes) if d.code
    }
    places.update({c.code: c for c in City.objects.filter(code__in=codes - set(places))})
    industries = {
        i.code: i
        for i in Industry.objects.filter(
            code__in={c.record.get("industry") for c in candidates if c.record.get("industry")}
        )
    }
    visible_projects = set(
        Project.objects.restrict(user, "view")
        .filter(pk__in=[c.project_id for c in candidates if c.project_id])
        .values_list("pk", flat=True)
    )
    visible_events = {
        e.pk: e
        for e in Event.objects.restrict(user, "view").filter(
            pk__in=[c.event_id for c in candidates if c.event_id]
        )
    }
    doc_projects = Project.objects.restrict(user, "aggregate").filter(
        candidates__in=[c.pk for c in candidates if c.project_id], duplicate_of__isnull=True
    )
    from_document = doc_projects.distinct().aggregate(n=Count("pk", distinct=True))
    from_total = (
        Project.objects.filter(pk__in=doc_projects.values("pk")).aggregate(t=Sum("amount_cny"))
    )["t"] or Decimal(0)
    rows = []
    for index, candidate in enumerate(candidates):
        record = candidate.record or {}
        row: dict[str, Any] = {
            "c": candidate,
            "n": index + 1,
            "colour": index % COLOURS,
            "record": record,
            "qualifier": QUALIFIERS.get(str(record.get("amount_qualifier") or "")),
            "place": places.get(str(record.get("district_code") or "")),
            "industry": industries.get(str(record.get("industry") or "")),
            "project_visible": candidate.project_id in visible_projects,
            "event": visible_events.get(candidate.event_id or 0),
        }
        if candidate.kind == Candidate.Kind.AGGREGATE:
            row["total_qualifier"] = QUALIFIERS.get(str(record.get("qualifier") or ""))
            row["from_document"] = {"count": from_document["n"], "total": from_total}
            if row["event"] is not None:
                row["reconcile"] = _reconcile(row["event"], user)
        rows.append(row)
    return rows


# ---- pages -----------------------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Documents waiting for review (or all, filtered), newest first."""
    params = request.GET.copy()
    if "status" not in params:
        params.setlist("status", [SourceDocument.Status.NEW])
    if params.get("status") == "all":
        params.pop("status")
    visible = SourceDocument.objects.restrict(request.user, "view")
    filterset = SourceDocumentFilterSet(params, queryset=visible)
    invalid = not filterset.is_valid()
    qs = visible.none() if invalid else filterset.qs
    qs = qs.annotate(
        n_open=Count("candidates", filter=Q(candidates__status=Candidate.Status.NEW)),
        n_candidates=Count("candidates"),
    ).defer("text")
    if "ordering" not in params:
        qs = qs.order_by("-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evidence/queue.html",
        {
            "page": page,
            "filterset": filterset,
            "status": request.GET.get("status", SourceDocument.Status.NEW),
            "statuses": SourceDocument.Status.choices,
            "q": request.GET.get("q", ""),
            "can_add": may(request.user, SourceDocument, "add"),
        },
        status=400 if invalid else 200,
    )


@login_required
def add(request: HttpRequest) -> HttpResponse:
    """Upload a file or paste text; stores the document and its candidates."""
    if not may(request.user, SourceDocument, "add"):
        raise PermissionDenied(_("You may not add documents."))
    if request.method == "POST":
        try:
            post, files = request.POST, request.FILES
        except RequestDataTooBig:
            problem = _("The request is too large; upload the article as a file.")
            context = {"form": DocumentForm(), "problem": problem}
            return render(request, "evidence/add.html", context, status=413)
        form = DocumentForm(post, files)
        if form.is_valid():
            data = form.cleaned_data
            upload = data.get("file")
            try:
                result = services.ingest_document(
                    data=upload.read() if upload else None,
                    text=None if upload else data["text"],
                    name=upload.name if upload else "",
                    title=data.get("title") or "",
                    url=data.get("url") or "",
                    publisher=data.get("publisher") or "",
                    published_on=data.get("published_on"),
                )
            except ExtractError as exc:
                form.add_error(
                    "file" if upload else "text",
                    _("The document could not be read: {reason}").format(reason=exc),
                )
            else:
                if result.created:
                    messages.success(
                        request,
                        _("Document stored: {p} project and {a} aggregate candidates.").format(
                            p=result.projects, a=result.aggregates
                        ),
                    )
                else:
                    messages.info(request, _("This text is already stored; here it is."))
                if not SourceDocument.objects.restrict(request.user, "view").filter(
                    pk=result.document.pk
                ):
                    return redirect("evidence:queue")
                return redirect("evidence:document", pk=result.document.pk)
        return render(request, "evidence/add.html", {"form": form}, status=400)
    return render(request, "evidence/add.html", {"form": DocumentForm()})


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """The text with highlighted evidence spans, and one card per candidate."""
    doc = _document_for(request, pk)
    candidates = list(
        Candidate.objects.restrict(request.user, "view")
        .filter(document=doc)
        .select_related("project", "event", "reviewed_by")
        .order_by("ordinal")
    )
    for candidate in candidates:
        candidate.document = doc  # the text is already loaded; no query per card
    can_review = Candidate.objects.restrict(request.user, "change").filter(document=doc).exists()
    can_change_doc = SourceDocument.objects.restrict(request.user, "change").filter(pk=pk).exists()
    rows = _describe(candidates, request.user)
    return render(
        request,
        "evidence/document.html",
        {
            "doc": doc,
            "text": highlighted(doc.text, candidates),
            "rows": rows,
            "open": sum(1 for c in candidates if c.is_open),
            "can_review": can_review,
            "can_change_doc": can_change_doc,
            "statuses": SourceDocument.Status.choices,
        },
    )


@login_required
@require_POST
def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _document_for(request, pk)
    try:
        services.set_document_status(doc, request.POST.get("status", ""), user=request.user)
    except services.ReviewError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Review status saved."))
    return redirect("evidence:document", pk=pk)


def _outcome_message(request: HttpRequest, outcome: services.AcceptOutcome) -> None:
    project = outcome.project
    assert project is not None
    if outcome.created:
        text = _("Project created: {name}.").format(name=project.name)
    else:
        text = _("Existing project updated: {name}.").format(name=project.name)
    if outcome.company_created and project.investor is not None:
        text += " " + _("New company registered: {name}.").format(name=project.investor)
    messages.success(request, text)
    for note in outcome.notes:
        messages.warning(request, note)


def _into(request: HttpRequest) -> Project | None:
    raw = request.POST.get("into", "")
    if not raw:
        return None
    try:
        return Project.objects.restrict(request.user, "change").get(pk=int(raw))
    except (ValueError, Project.DoesNotExist):
        raise PermissionDenied(_("You may not change this project.")) from None


def _duplicates(outcome: services.AcceptOutcome, user: Any) -> list[dict[str, Any]]:
    projects = {
        p.pk: p
        for p in Project.objects.restrict(user, "view")
        .filter(pk__in=[d.project_id for d in outcome.duplicates])
        .select_related("stage", "district", "investor")
    }
    return [
        {"dup": d, "project": projects[d.project_id]}
        for d in outcome.duplicates
        if d.project_id in projects
    ]


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept as extracted; when the project looks like an existing one, offer that one."""
    candidate = _candidate_for(request, pk, "change")
    try:
        outcome = services.accept_candidate(
            candidate,
            user=request.user,
            into=_into(request),
            allow_duplicate=request.POST.get("allow_duplicate") == "1",
        )
    except (services.ReviewError, ValidationError) as exc:
        messages.error(request, _("Not accepted: {reason}").format(reason=_error_text(exc)))
        return redirect(_back(candidate))
    if outcome.needs_choice:
        return render(
            request,
            "evidence/duplicates.html",
            {"candidate": candidate, "duplicates": _duplicates(outcome, request.user)},
        )
    _outcome_message(request, outcome)
    return redirect(_back(candidate))


def _sections(form: CandidateProjectForm) -> list[tuple[Any, list[Any]]]:
    """The project edit page's field groups, with the new-investor field after the investor."""
    try:
        from projects.views import EDIT_SECTIONS
    except ImportError:  # pragma: no cover - the project page changed its layout
        EDIT_SECTIONS = ((gettext_lazy("Project"), tuple(form.fields)),)
    sections: list[tuple[Any, list[Any]]] = []
    placed: set[str] = set()
    for title, names in EDIT_SECTIONS:
        fields = []
        for name in names:
            if name in form.fields and name not in placed:
                fields.append(form[name])
                placed.add(name)
                if name == "investor":
                    fields.append(form["new_investor_name"])
                    placed.add("new_investor_name")
        sections.append((title, fields))
    rest = [form[name] for name in form.fields if name not in placed]
    if rest:
        sections.append((gettext_lazy("Other"), rest))
    return sections


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the proposed project with ProjectForm, then accept it (or update a duplicate)."""
    candidate = _candidate_for(request, pk, "change")
    if candidate.kind != Candidate.Kind.PROJECT or not candidate.is_open:
        messages.error(request, _("This candidate cannot be edited."))
        return redirect(_back(candidate))
    proposal = services.propose(candidate)
    duplicates: list[dict[str, Any]] = []
    if request.method == "POST":
        form = CandidateProjectForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                outcome = services.accept_candidate(
                    candidate,
                    user=request.user,
                    fields=form.project_fields(),
                    new_investor_name=form.cleaned_data.get("new_investor_name") or "",
                    into=_into(request),
                    allow_duplicate=request.POST.get("allow_duplicate") == "1",
                )
            except (services.ReviewError, ValidationError) as exc:
                if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                    for name, errors in exc.error_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, _error_text(exc))
            else:
                if outcome.needs_choice:
                    duplicates = _duplicates(outcome, request.user)
                else:
                    _outcome_message(request, outcome)
                    return redirect(_back(candidate))
    else:
        initial = initial_from(proposal.fields)
        if proposal.company is None and proposal.investor_name:
            initial["new_investor_name"] = proposal.investor_name
        form = CandidateProjectForm(initial=initial, user=request.user)
    sections = _sections(form)
    return render(
        request,
        "evidence/edit.html",
        {
            "candidate": candidate,
            "form": form,
            "sections": sections,
            "notes": proposal.notes,
            "duplicates": duplicates,
            "evidence": candidate.evidence_text(),
        },
        status=200 if request.method == "GET" or duplicates else 400,
    )


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_for(request, pk, "change")
    try:
        services.reject_candidate(
            candidate, user=request.user, note=request.POST.get("note", "")[:300]
        )
    except services.ReviewError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Candidate rejected."))
    return redirect(_back(candidate))


@login_required
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach an aggregate statement to an event as what the event announced."""
    candidate = _candidate_for(request, pk, "change")
    if candidate.kind != Candidate.Kind.AGGREGATE or not candidate.is_open:
        messages.error(request, _("This candidate cannot be attached to an event."))
        return redirect(_back(candidate))
    events = list(Event.objects.restrict(request.user, "change").order_by("-date", "name")[:100])
    doc = candidate.document
    if request.method == "POST":
        form = AttachEventForm(request.POST, events=events)
        if form.is_valid():
            data = form.cleaned_data
            event = None
            new_event = None
            if data.get("event"):
                writable = Event.objects.restrict(request.user, "change")
                event = writable.filter(pk=data["event"]).first()
            else:
                new_event = Event(
                    name=data["new_name"], kind=data["new_kind"], date=data["new_date"]
                )
            try:
                outcome = services.attach_aggregate(
                    candidate,
                    user=request.user,
                    event=event,
                    new_event=new_event,
                    overwrite=bool(data.get("overwrite")),
                )
            except (services.ReviewError, ValidationError) as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(
                    request, _("Attached to event {event}.").format(event=outcome.event)
                )
                for note in outcome.notes:
                    messages.warning(request, note)
                return redirect(_back(candidate))
    else:
        form = AttachEventForm(
            events=events,
            initial={"new_name": doc.title[:300], "new_date": doc.published_on},
        )
    return render(
        request,
        "evidence/attach.html",
        {"candidate": candidate, "form": form, "record": candidate.record or {}},
        status=200 if request.method == "GET" else 400,
    )
