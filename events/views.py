"""Event pages: the list, and one event's projects reconciled against what it announced
(with the event's change history on a second tab)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.history import record_tabs
from events.models import Event
from projects.models import Project
from projects.tables import LIST_ONLY, LIST_RELATED


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("q", "").strip()
    qs = Event.objects.restrict(request.user, "view").select_related("district")
    if term:
        qs = qs.filter(Q(name__icontains=term) | Q(name_en__icontains=term))
    page = Paginator(qs.order_by("-date", "name"), 50).get_page(request.GET.get("page"))
    return render(request, "events/list.html", {"page": page, "q": term})


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The event page: announced vs recorded (overview), or the event's change history."""
    try:
        event = (
            Event.objects.restrict(request.user, "view")
            .select_related("district", "zone")
            .get(pk=pk)
        )
    except Event.DoesNotExist:
        raise Http404(_("No such event, or you may not see it.")) from None
    tabs = record_tabs(request, event, lambda: _reconciliation(request, event))
    return render(request, "events/detail.html", {"event": event, **tabs})


def _reconciliation(request: HttpRequest, event: Event) -> dict[str, Any]:
    """Announced vs recorded: the count and total the event published against the projects
    recorded with it as signing event (merged duplicates and excluded projects apart)."""
    linked = Project.objects.restrict(request.user, "aggregate").filter(
        signing_event=event, duplicate_of__isnull=True
    )
    counted = Q(counted_in_stats=True)
    agg = linked.aggregate(
        n=Count("pk", filter=counted),
        total=Sum("amount_cny", filter=counted),
        n_excluded=Count("pk", filter=~counted),
        n_no_amount=Count("pk", filter=counted & Q(amount_cny__isnull=True)),
    )
    projects = list(
        Project.objects.restrict(request.user, "view")
        .filter(signing_event=event, duplicate_of__isnull=True)
        .select_related(*LIST_RELATED)
        .only(*LIST_ONLY, "counted_in_stats", "exclusion_reason")
        .order_by("-amount_cny", "name")[:500]
    )
    recorded_total = agg["total"] or Decimal(0)
    count_diff = (
        agg["n"] - event.announced_project_count
        if event.announced_project_count is not None
        else None
    )
    total_diff = (
        recorded_total - event.announced_total_cny
        if event.announced_total_cny is not None
        else None
    )
    return {
        "projects": projects,
        "recorded_count": agg["n"],
        "recorded_total": recorded_total,
        "excluded_count": agg["n_excluded"],
        "no_amount_count": agg["n_no_amount"],
        "count_diff": count_diff,
        "total_diff": total_diff,
        "reconciled": count_diff == 0 and total_diff == 0,
    }
