"""Project pages: the list, the pipeline board, the project page and its small forms.

Every queryset starts at `Project.objects.restrict(request.user, action)`; reads use
"view", board totals "aggregate", writes "change", exports "export". Stage moves go
through projects.services.move_stage only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.policy import (
    OFFICER,
    assignable_users,
    may,
    restrict,
    scope_of,
    sees_all,
    visible_relations,
)
from companies.models import Company
from core.bounds import parse_id
from core.concurrency import StaleVersion
from core.files import clean_file_name
from core.filters import filter_errors
from core.forms import (
    form_sections,
    id_field_help,
    posted_version,
    save_at_version,
)
from core.history import history_rows
from core.http import safe_next
from core.templatetags.zs import can_see_investor, localname
from events.models import Event
from evidence.models import Evidence, SourceDocument
from geo.models import District, Zone
from ingest.dedupe import PROJECT_IDENTITY, check_and_warn
from partners.models import Partner
from projects.choices import Priority
from projects.filtersets import ProjectFilterSet
from projects.forms import ActivityForm, AttachmentForm, FollowUpForm, MoveForm, ProjectForm
from projects.models import Activity, Attachment, FollowUp, Project, Stage, StageChange
from projects.services import create_project, move_stage
from projects.tables import (
    LIST_ONLY,
    LIST_RELATED,
    MAX_BROWSABLE_ROWS,
    PAGE_SIZES,
    PROJECT_COLUMNS,
    KnownCountPaginator,
    page_size,
)
from taxonomy.models import BusinessActivity, Industry, ProjectType

BOARD_CARDS_PER_STAGE = 25
# Parameters of the list URL that are not filters (kept out of the "active filters" chips).
NON_FILTER_PARAMS = {"page", "per_page", "ordering"}


def _filtered(
    request: HttpRequest, action: str, data: QueryDict | None = None, *, resolve_keys: bool = False
) -> Any:
    """The user's projects for `action`, narrowed by ProjectFilterSet from the query string."""
    base = Project.objects.restrict(request.user, action)
    return ProjectFilterSet(
        data if data is not None else request.GET,
        queryset=base,
        resolve_keys=resolve_keys,
        user=request.user,
    )


# ---- list -------------------------------------------------------------------------------


def _visible_owners(user: Any) -> QuerySet[Any]:
    """Users the owner filter offers (and names): owners of projects `user` may see, the
    users `user` may assign, and `user` — never the whole user list (superusers, other
    districts' staff)."""
    owns = Project.objects.restrict(user, "view").filter(owner_id=OuterRef("pk"))
    return get_user_model().objects.filter(
        Q(Exists(owns)) | Q(pk__in=assignable_users(user).values("pk")) | Q(pk=user.pk)
    )


def _filter_options(request: HttpRequest, stages: list[Stage] | None = None) -> dict[str, Any]:
    """Choices for the filter panel (reference data plus the user's visible events/partners)."""
    return {
        "stages": stages if stages is not None else list(Stage.objects.all()),
        "districts": list(District.objects.filter(kind=District.Kind.DISTRICT)),
        "zones": list(Zone.objects.order_by("slug")),
        "industries": list(
            Industry.objects.select_related("parent").order_by("sort_order", "code")
        ),
        "activities": list(BusinessActivity.objects.filter(parent__isnull=True)),
        "project_types": list(ProjectType.objects.all()),
        "priorities": Priority.choices,
        "owners": list(_visible_owners(request.user).order_by("username")[:300]),
        "events": list(Event.objects.restrict(request.user, "view").order_by("-date")[:300]),
        "partners": list(Partner.objects.restrict(request.user, "view")[:300]),
        "stale_choices": [
            ("yellow", gettext_lazy("yellow: no progress for 2 months")),
            ("red", gettext_lazy("red: no progress for 3 months")),
        ],
        "page_sizes": PAGE_SIZES,
    }


# Filters whose values are codes of reference records: chips show the records' names.
_CODED_FILTERS: dict[str, tuple[type[Model], str]] = {
    "stage": (Stage, "code"),
    "district": (District, "code"),
    "zone": (Zone, "slug"),
    "industry": (Industry, "code"),
    "business_activity": (BusinessActivity, "code"),
    "project_type": (ProjectType, "code"),
}
# Filters whose values are ids of records the user may or may not see.
_ID_FILTERS: dict[str, type[Model]] = {"event": Event, "partner": Partner, "investor": Company}


def _chip_value(request: HttpRequest, key: str, value: str, flt: Any) -> str:
    """A filter value as the user knows it: names for codes and ids, labels for choices."""
    if key in _CODED_FILTERS:
        model, natural = _CODED_FILTERS[key]
        parts = [p.strip() for p in value.split(",") if p.strip()]
        found = {
            str(getattr(obj, natural)): localname(obj)
            for obj in model._default_manager.filter(**{f"{natural}__in": parts})
        }
        joiner = "、" if (get_language() or "").startswith("zh") else ", "
        return joiner.join(found.get(part, part) for part in parts)
    pk = parse_id(value)
    if key in _ID_FILTERS and pk is not None:
        model = _ID_FILTERS[key]
        obj = restrict(model, request.user, "view").filter(pk=pk).first()
        return localname(obj) if obj is not None else value
    if key == "owner" and pk is not None:
        owner = _visible_owners(request.user).filter(pk=pk).first()
        return owner.get_username() if owner is not None else value
    choices = getattr(getattr(flt, "field", None), "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if value.lower() in {"true", "false"}:
        return _("yes") if value.lower() == "true" else _("no")
    return value


def _active_filters(request: HttpRequest, filterset: Any) -> list[tuple[str, str]]:
    """(label, value) of every filter in the URL, for the chips above the table."""
    chips: list[tuple[str, str]] = []
    for key, values in request.GET.lists():
        if key in NON_FILTER_PARAMS:
            continue
        flt = filterset.filters.get(key)
        label = str(flt.label) if flt is not None and flt.label else key
        chips.extend((label, _chip_value(request, key, v, flt)) for v in values if v)
    return chips


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """The ledger: filters in the URL, sortable columns, htmx answers with the table only."""
    # Codes are not looked up beforehand here (as the board does): that would cost a query
    # per filter, and the list's plans are fine on SQLite without (docs/benchmarks/pages.md).
    filterset = _filtered(request, "view", resolve_keys=True)
    # An invalid filter (an id of 20 digits, a date in the year 1) answers 400 naming it,
    # with an empty table: never a server error, never the list without that filter.
    invalid = bool(filter_errors(filterset))
    queryset = filterset.queryset.none() if invalid else filterset.qs
    # COUNT(*), not COUNT(id): the same number (id is never NULL), but PostgreSQL can then
    # answer from a covering index alone (its indexes do not hold the id; SQLite's do).
    totals = queryset.order_by().aggregate(n=Count("*"), total=Sum("amount_cny"))
    # The page is read as a deferred join (see KnownCountPaginator): the filtered `queryset`
    # picks the page's ids, in order; the rows and their names are then fetched by id from
    # the user's projects, without repeating the filters (which only mislead the planner).
    ordering: Iterable[Any] = queryset.query.order_by or Project._meta.ordering or ()
    rows = (
        Project.objects.restrict(request.user, "view")
        .select_related(*LIST_RELATED)
        .only(*LIST_ONLY)
        .order_by(*ordering)
    )
    per_page = page_size(request.GET.get("per_page"))
    paginator = KnownCountPaginator(rows, per_page, count=totals["n"] or 0, keys=queryset)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "paginator": paginator,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "ellipsis": paginator.ELLIPSIS,
        "columns": PROJECT_COLUMNS,
        "total_count": totals["n"] or 0,
        "total_amount": totals["total"],
        "capped": (totals["n"] or 0) > MAX_BROWSABLE_ROWS,
        "max_rows": MAX_BROWSABLE_ROWS,
        "per_page": per_page,
        "active_filters": _active_filters(request, filterset),
        "export_available": _export_function() is not None,
        "query_string": request.GET.urlencode(),
        "can_add": may(request.user, Project, "add"),
    }
    status = 400 if invalid else 200
    if request.htmx and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, "projects/_table.html", context, status=status)
    context.update(_filter_options(request))
    return render(request, "projects/list.html", context, status=status)


def _invalid_filters(errors: dict[str, list[str]]) -> HttpResponse:
    """400 naming each invalid filter parameter (for downloads, which have no page)."""
    lines = ["{}: {}".format(name, " ".join(messages)) for name, messages in errors.items()]
    return HttpResponse(
        "\n".join([_("Some filter values are not valid."), *lines]),
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def _export_function() -> Any:
    """reports.exports.export_projects(queryset, fmt) once the reports engineer ships it."""
    try:
        from reports import exports  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        return None
    return getattr(exports, "export_projects", None)


@login_required
def project_export(request: HttpRequest) -> HttpResponse:
    """Export exactly the current filter, under the user's export restriction."""
    export = _export_function()
    if export is None:
        return HttpResponse(
            _("Export is not available yet."), status=501, content_type="text/plain"
        )
    params = request.GET.copy()
    fmt = params.pop("fmt", ["xlsx"])[-1]
    filterset = _filtered(request, "export", params, resolve_keys=True)
    errors = filter_errors(filterset)
    if errors:
        return _invalid_filters(errors)
    # The user goes along so the exporter hides confidential investors they may not see.
    return export(filterset.qs, fmt, user=request.user)


# ---- board ------------------------------------------------------------------------------


def _board_context(request: HttpRequest, data: QueryDict) -> dict[str, Any]:
    """Columns with per-stage count and total (one aggregate query) and the top cards."""
    stages = list(Stage.objects.all())
    # One FilterSet for both querysets, with codes looked up as ids once: literal ids let
    # the totals and every column's cards read the (district, stage, ...) indexes.
    filterset = _filtered(request, "view", data, resolve_keys=True)
    invalid = bool(filter_errors(filterset))
    # Totals are an aggregate: they use the aggregate restriction, in one GROUP BY query.
    agg_qs = filterset.apply_to(Project.objects.restrict(request.user, "aggregate"))
    if invalid:  # an invalid filter (400) shows an empty board, not the board without it
        agg_qs = agg_qs.none()
    sums = {
        row["stage_id"]: row
        for row in agg_qs.order_by()
        .values("stage_id")
        .annotate(n=Count("*"), total=Sum("amount_cny"))  # COUNT(*): see project_list
    }
    view_qs = filterset.qs.select_related(*LIST_RELATED).only(*LIST_ONLY)
    columns = []
    for stage in stages:
        agg = sums.get(stage.pk, {"n": 0, "total": None})
        cards: list[Project] = []
        if not stage.fold and agg["n"]:
            # Newest signings first per column, read in index order: (stage, signed_on) on the
            # whole board, (district, stage, signed_on, id) over live records when the board
            # is narrowed to a district (filter or an officer's scope).
            cards = list(view_qs.filter(stage=stage)[:BOARD_CARDS_PER_STAGE])
        columns.append(
            {
                "stage": stage,
                "count": agg["n"],
                "total": agg["total"],
                "cards": cards,
                "more": max(agg["n"] - len(cards), 0),
            }
        )
    query = data.copy()
    for key in ("stage", "page", "ordering"):
        query.pop(key, None)
    return {
        "columns": columns,
        "stages": stages,
        "board_query": query.urlencode(),
        "grand_count": sum(c["count"] for c in columns),
        "grand_total": sum((c["total"] or 0 for c in columns), start=0),
        "filter_errors": filter_errors(filterset),
    }


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Kanban by stage; drag a card or use its menu to move it (through move_stage)."""
    context = _board_context(request, request.GET)
    status = 400 if context["filter_errors"] else 200
    if request.htmx and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, "projects/_board.html", context, status=status)
    context.update(_filter_options(request, context["stages"]))
    context["filterset"] = _filtered(request, "view")
    return render(request, "projects/board.html", context, status=status)


def _needs(project: Project, stage: Stage | None) -> dict[str, bool]:
    if stage is None:
        return {"date": False, "reason": False}
    return {
        "date": bool(stage.requires_date),
        "reason": bool(stage.is_lost or project.stage.is_lost),
    }


def _render_move_form(
    request: HttpRequest, project: Project, form: MoveForm, stage: Stage | None
) -> HttpResponse:
    context = {"project": project, "form": form, "needs": _needs(project, stage), "stage": stage}
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "projects/_move_form.html", context)
        response["HX-Retarget"] = "#modal-body"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "projects/move.html", context)


@login_required
def move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a project to another stage; asks for a date or a reason when the stage needs one."""
    project = get_object_or_404(
        Project.objects.restrict(request.user, "change").select_related("stage"), pk=pk
    )
    if request.method != "POST":
        initial = {
            "to_stage": request.GET.get("to_stage"),
            "version": project.version,
            "origin": request.GET.get("origin", "detail"),
            "board_query": request.GET.get("board_query", ""),
            "on": timezone.localdate(),
        }
        asked_for = Stage.objects.filter(code=initial["to_stage"]).first()
        return _render_move_form(request, project, MoveForm(initial=initial), asked_for)

    form = MoveForm(request.POST)
    if not form.is_valid():
        return _render_move_form(request, project, form, None)
    data = form.cleaned_data
    stage: Stage = data["to_stage"]
    needs = _needs(project, stage)
    asked = (needs["date"] and not data["on"]) or (needs["reason"] and not data["reason"].strip())
    if asked and not data["confirmed"]:
        # First contact from a drag or a menu: ask for what the stage needs.
        bound = MoveForm(
            initial={
                **{k: v for k, v in data.items() if k != "to_stage"},
                "to_stage": stage.code,
                "on": data["on"] or timezone.localdate(),
                "confirmed": True,
            }
        )
        return _render_move_form(request, project, bound, stage)
    try:
        move_stage(
            project,
            stage,
            on=data["on"],
            user=request.user,
            reason=data["reason"],
            note=data["note"],
            expected_version=data["version"],
        )
    except StaleVersion as exc:
        form.add_error(None, str(exc))
        return _render_move_form(request, project, form, stage)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            target = {"date": "on", "stage": "to_stage"}.get(field, field)
            for error in errors:
                form.add_error(target if target in form.fields else None, error)
        return _render_move_form(request, project, form, stage)

    if data["origin"] == "board":
        board_query = QueryDict(data["board_query"] or "")
        if request.htmx:  # type: ignore[attr-defined]
            response = render(request, "projects/_board.html", _board_context(request, board_query))
            response["HX-Retarget"] = "#board"
            response["HX-Reswap"] = "outerHTML"
            response["HX-Trigger"] = "closeModal"
            return response
        messages.success(request, _("Moved to {stage}.").format(stage=stage.localized_name()))
        url = reverse("projects:board")
        return redirect(url + ("?" + board_query.urlencode() if board_query else ""))
    messages.success(request, _("Moved to {stage}.").format(stage=stage.localized_name()))
    url = reverse("projects:detail", args=[project.pk])
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# ---- project page ---------------------------------------------------------------------


TABS = ("overview", "activities", "follow_ups", "evidence", "attachments", "history")


def _count(model: Any, **extra: Any) -> Subquery:
    sub = (
        model.objects.filter(project=OuterRef("pk"), **extra)
        .order_by()
        .values("project")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return Coalesce(Subquery(sub), 0)  # type: ignore[return-value]


def _project_for(request: HttpRequest, pk: int, action: str = "view") -> Project:
    qs = (
        Project.objects.restrict(request.user, action)
        .select_related(
            "stage",
            "investor",
            "ultimate_parent",
            "district",
            "zone",
            "city",
            "industry",
            "business_activity",
            "project_type",
            "owner",
            "referring_partner",
            "signing_event",
            "duplicate_of",
            "expands",
        )
        .annotate(
            n_activities=_count(Activity),
            n_follow_ups=_count(FollowUp, done_on__isnull=True),
            n_evidence=_count(Evidence),
            n_attachments=_count(Attachment),
        )
    )
    try:
        return qs.get(pk=pk)
    except Project.DoesNotExist:
        raise Http404(_("No such project, or you may not see it.")) from None


def highlight(sentence: str, span: str) -> SafeString:
    """The evidence sentence with the extracted span marked (escaped, then marked)."""
    if span and span in sentence:
        head, _sep, tail = sentence.partition(span)
        return mark_safe(  # noqa: S308 - every part is escaped above
            "{}<mark>{}</mark>{}".format(escape(head), escape(span), escape(tail))
        )
    return mark_safe(escape(sentence))  # noqa: S308


def _evidence(project: Project, user: Any) -> list[dict[str, Any]]:
    """The project's evidence; the source document is named only where the user may see it
    (partners see the evidence of projects they referred, not the news material)."""
    items = []
    rows = list(
        Evidence.objects.filter(project=project)
        .select_related("document")
        .order_by("document_id", "start")
    )
    ids = {ev.document_id for ev in rows}
    documents = (
        ids
        if not ids or sees_all(user, SourceDocument)
        else set(
            restrict(SourceDocument, user, "view").filter(pk__in=ids).values_list("pk", flat=True)
        )
    )
    for ev in rows:
        span = ev.document.text[ev.start : ev.end] if ev.document.text else ev.value
        doc = ev.document if ev.document_id in documents else None
        items.append({"ev": ev, "doc": doc, "html": highlight(ev.sentence, span)})
    return items


# Fields that name the investor: never shown for a confidential project to users who may
# not see its investor, not even in the history.
INVESTOR_FIELDS = {"investor", "ultimate_parent"}


def _timeline(project: Project) -> list[StageChange]:
    return list(
        StageChange.objects.filter(project=project)
        .select_related("from_stage", "to_stage", "changed_by")
        .order_by("effective_on", "id")
    )


def _activities(project: Project) -> list[Activity]:
    return list(Activity.objects.filter(project=project).select_related("author"))


def _follow_ups(project: Project) -> list[FollowUp]:
    return list(FollowUp.objects.filter(project=project).select_related("owner"))


def _stage_path(project: Project, stages: Iterable[Stage]) -> list[dict[str, Any]]:
    """The stage bar: main path stages, marked done/current, with the day each was entered."""
    entered: dict[int, dt.date] = {}
    for change in getattr(project, "_timeline", []):
        entered[change.to_stage_id] = change.effective_on
    current = project.stage
    path = []
    for stage in stages:
        if stage.is_lost and not current.is_lost:
            continue
        state = ""
        if stage.pk == current.pk:
            state = "lost" if stage.is_lost else "current"
        elif not current.is_lost and stage.sequence < current.sequence:
            state = "done"
        path.append({"stage": stage, "state": state, "on": entered.get(stage.pk)})
    return path


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_for(request, pk)
    tab = request.GET.get("tab", "overview")
    if tab not in TABS:
        tab = "overview"
    timeline = _timeline(project)
    project._timeline = timeline  # type: ignore[attr-defined]
    stages = list(Stage.objects.all())
    context: dict[str, Any] = {
        "project": project,
        "tab": tab,
        "timeline": timeline,
        "stage_path": _stage_path(project, stages),
        "move_targets": [s for s in stages if s.pk != project.stage_id],
        "show_investor": can_see_investor(request.user, project),
        # The records the project points at, as the user may see them (hidden ones: None).
        "rel": visible_relations(request.user, project),
        "today": timezone.localdate(),
    }
    if tab == "overview":
        context["evidence"] = _evidence(project, request.user)[:5]
        context["activities"] = _activities(project)[:5]
        context["follow_ups"] = [f for f in _follow_ups(project) if not f.is_done][:6]
    elif tab == "activities":
        context["activities"] = _activities(project)
        context["activity_form"] = ActivityForm(
            initial={"happened_on": timezone.localdate()}, user=request.user
        )
    elif tab == "follow_ups":
        context["follow_ups"] = _follow_ups(project)
        context["follow_up_form"] = FollowUpForm(
            initial={"owner": request.user.pk}, user=request.user
        )
    elif tab == "evidence":
        context["evidence"] = _evidence(project, request.user)
    elif tab == "attachments":
        context["attachments"] = list(
            Attachment.objects.filter(project=project).select_related("uploaded_by")
        )
        context["attachment_form"] = AttachmentForm(user=request.user)
    elif tab == "history":
        context["history"] = history_rows(
            project,
            user=request.user,
            hidden_fields=() if context["show_investor"] else INVESTOR_FIELDS,
        )
    return render(request, "projects/detail.html", context)


def _writable(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(
        Project.objects.restrict(request.user, "change").select_related("stage"), pk=pk
    )


@login_required
@require_POST
def activity_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable(request, pk)
    form = ActivityForm(request.POST, user=request.user)
    if form.is_valid():
        activity = form.save(commit=False)
        activity.project = project
        activity.author = request.user
        activity.save()
        form = ActivityForm(initial={"happened_on": timezone.localdate()}, user=request.user)
    context = {
        "project": project,
        "activities": _activities(project),
        "activity_form": form,
        "oob": True,
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "projects/_activities.html", context)
    if form.errors:
        messages.error(request, _("The activity was not saved; check the form."))
    return redirect(reverse("projects:detail", args=[pk]) + "?tab=activities")


@login_required
@require_POST
def follow_up_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable(request, pk)
    form = FollowUpForm(request.POST, user=request.user)
    if form.is_valid():
        follow_up = form.save(commit=False)
        follow_up.project = project
        follow_up.save()
        form = FollowUpForm(initial={"owner": request.user.pk}, user=request.user)
    follow_ups = _follow_ups(project)
    context = {
        "project": project,
        "follow_ups": follow_ups,
        "follow_up_form": form,
        "today": timezone.localdate(),
        "oob": True,
        "open_count": sum(1 for f in follow_ups if not f.is_done),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "projects/_follow_ups.html", context)
    if form.errors:
        messages.error(request, _("The follow-up was not saved; check the form."))
    return redirect(reverse("projects:detail", args=[pk]) + "?tab=follow_ups")


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a follow-up done (or reopen it with `undo`)."""
    visible = Project.objects.restrict(request.user, "change")
    follow_up = get_object_or_404(
        FollowUp.objects.select_related("project").filter(project__in=visible), pk=pk
    )
    follow_up.done_on = None if request.POST.get("undo") else timezone.localdate()
    follow_up.save(update_fields=["done_on"])
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "projects/_follow_up_row.html",
            {"f": follow_up, "today": timezone.localdate(), "show_project": "home" in request.POST},
        )
    return redirect(safe_next(request, reverse("workspace:home")))


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable(request, pk)
    form = AttachmentForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        attachment = form.save(commit=False)
        attachment.project = project
        attachment.uploaded_by = request.user
        attachment.original_name = clean_file_name(form.cleaned_data["file"].name or "")
        if not attachment.title:
            attachment.title = attachment.original_name
        attachment.save()
        messages.success(request, _("File uploaded."))
    else:
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(
            request, _("The file was not uploaded: {problems}").format(problems=problems)
        )
    return redirect(reverse("projects:detail", args=[pk]) + "?tab=attachments")


# ---- edit -------------------------------------------------------------------------------

# Foreign keys whose tables grow with the data: a <select> of a million companies would
# kill the page, so the form takes their id and shows the current name next to it.
LARGE_FKS = ("investor", "ultimate_parent", "expands", "signing_event", "referring_partner")


def _edit_form(*args: Any, user: Any, show_investor: bool = True, **kwargs: Any) -> ProjectForm:
    form = ProjectForm(*args, user=user, **kwargs)
    for name in LARGE_FKS:
        if name in form.fields:
            form.fields[name].widget = forms.NumberInput(attrs={"min": 1, "class": "fk-id"})
            form.fields[name].help_text = id_field_help(
                form, name, shown=show_investor or name not in INVESTOR_FIELDS
            )
    for name, field in form.fields.items():
        if isinstance(field, forms.DateField):
            field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        if name == "description":
            field.widget = forms.Textarea(attrs={"rows": 4})
    return form


EDIT_SECTIONS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (
        gettext_lazy("Project"),
        ("name", "stage", "priority", "owner", "owner_unit", "lead_source", "external_id"),
    ),
    (
        gettext_lazy("Investor"),
        ("investor", "ultimate_parent", "origin", "source_country", "confidential", "expands"),
    ),
    (
        gettext_lazy("Amount"),
        (
            "amount_cny",
            "amount_text",
            "amount_original",
            "currency",
            "amount_is_estimated",
            "contracted_amount_cny",
            "foreign_capital_usd",
            "increment_cny",
        ),
    ),
    (
        gettext_lazy("Location and classification"),
        ("district", "zone", "city", "industry", "business_activity", "project_type"),
    ),
    (
        gettext_lazy("Milestones"),
        ("signed_on", "registered_on", "construction_on", "operating_on", "on_hold", "withdrawn"),
    ),
    (
        gettext_lazy("Referral, event and statistics"),
        (
            "referring_partner",
            "referral_registered_on",
            "signing_event",
            "counted_in_stats",
            "exclusion_reason",
        ),
    ),
    (gettext_lazy("Description"), ("description",)),
)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit with ProjectForm; the version read with the form refuses stale saves."""
    project = get_object_or_404(
        Project.objects.restrict(request.user, "change").select_related("stage", *LARGE_FKS),
        pk=pk,
    )
    show_investor = can_see_investor(request.user, project)
    if request.method == "POST":
        form = _edit_form(
            request.POST, instance=project, user=request.user, show_investor=show_investor
        )
        version = posted_version(request)
        if save_at_version(form, version, request.user):
            messages.success(request, _("Project saved."))
            if PROJECT_IDENTITY.intersection(form.changed_data):
                # Another investor, district, amount or date may now match a record.
                check_and_warn(request, project)
            return redirect("projects:detail", pk=project.pk)
    else:
        form = _edit_form(instance=project, user=request.user, show_investor=show_investor)
        version = project.version
    sections = form_sections(form, EDIT_SECTIONS)
    return render(
        request,
        "projects/edit.html",
        {"project": project, "form": form, "sections": sections, "version": version},
    )


def _limit_places_to_scope(form: ProjectForm, user: Any) -> None:
    """Offer officers only the districts and zones they may create projects in.

    Only the choices shown: the scope check after saving is what refuses the rest.
    """
    scope = scope_of(user)
    if scope.role != OFFICER:
        return
    districts, zones = sorted(scope.district_ids), sorted(scope.zone_ids)
    if "district" in form.fields:
        field = form.fields["district"]
        field.queryset = field.queryset.filter(  # type: ignore[attr-defined]
            Q(pk__in=districts) | Q(primary_zones__pk__in=zones) | Q(zones__pk__in=zones)
        ).distinct()
    if "zone" in form.fields:
        field = form.fields["zone"]
        field.queryset = field.queryset.filter(  # type: ignore[attr-defined]
            Q(pk__in=zones) | Q(district__pk__in=districts) | Q(districts__pk__in=districts)
        ).distinct()


def _add_errors(form: ProjectForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def create(request: HttpRequest) -> HttpResponse:
    """A new project, validated as the API validates it, then checked for duplicates.

    The first stage is recorded by the stage service (projects.services.create_project);
    the result must lie inside what the user may add (an officer's districts and zones).
    """
    if not may(request.user, Project, "add"):
        raise PermissionDenied(_("You may not add projects."))
    if request.method == "POST":
        form = _edit_form(request.POST, user=request.user)
        _limit_places_to_scope(form, request.user)
        if form.is_valid():
            try:
                # The request's change context (core.middleware) stamps the history record
                # with the user, the source "web" and the request id.
                with transaction.atomic():
                    project = create_project(user=request.user, **form.cleaned_data)
                    if (
                        not Project.objects.restrict(request.user, "add")
                        .filter(pk=project.pk)
                        .exists()
                    ):
                        raise PermissionDenied(_("The result would be outside what you may edit."))
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Project saved."))
                check_and_warn(request, project)
                return redirect("projects:detail", pk=project.pk)
    else:
        initial: dict[str, Any] = {"owner": request.user.pk}
        scope = scope_of(request.user)
        if scope.role == OFFICER and len(scope.district_ids) == 1 and not scope.zone_ids:
            initial["district"] = next(iter(scope.district_ids))
        form = _edit_form(initial=initial, user=request.user)
        _limit_places_to_scope(form, request.user)
    sections = form_sections(form, EDIT_SECTIONS)
    return render(
        request,
        "projects/edit.html",
        {"project": None, "creating": True, "form": form, "sections": sections},
    )


def stale_projects(qs: QuerySet[Project], level: str) -> QuerySet[Project]:
    """Open projects past the yellow or red threshold, through the shared FilterSet rule."""
    return ProjectFilterSet(QueryDict("stale=" + level), queryset=qs).qs
