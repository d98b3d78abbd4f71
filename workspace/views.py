"""The workspace home ("My work") and the global search."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from companies.views import search_companies
from projects.filtersets import ProjectFilterSet
from projects.models import FollowUp, Project
from projects.tables import LIST_ONLY, LIST_RELATED

DUE_WINDOW_DAYS = 7
STALE_ROWS = 10
COUNT_CAP = 1000


def _capped_count(qs: QuerySet[Any]) -> int:
    """COUNT over at most COUNT_CAP+1 rows: "1000+" is all a home page needs to say."""
    return qs.order_by().values("pk")[: COUNT_CAP + 1].count()


def _stale(scope: QuerySet[Project], level: str, today: dt.date) -> QuerySet[Project]:
    qs = ProjectFilterSet(QueryDict("stale=" + level), queryset=scope).qs
    if level == "yellow":
        # Yellow only: past the yellow threshold but not yet red.
        red_cutoff = today - dt.timedelta(days=settings.STALE_RED_DAYS)
        qs = qs.filter(last_progress_on__gte=red_cutoff)
    return qs


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Follow-ups due, stale projects (yellow/red thresholds from settings), recent changes."""
    user = request.user
    today = timezone.localdate()
    visible = Project.objects.restrict(user, "view")
    follow_ups = list(
        FollowUp.objects.filter(
            project__in=visible,
            owner=user,
            done_on__isnull=True,
            due_on__lte=today + dt.timedelta(days=DUE_WINDOW_DAYS),
        )
        .select_related("project", "owner")
        .order_by("due_on", "id")[:30]
    )
    # "Visible and mine" as `pk IN (my projects)`: the planner starts from the owner index
    # (an officer owns a handful) instead of walking the whole district to find them.
    mine = visible.filter(pk__in=Project.objects.filter(owner=user).values("pk"))  # type: ignore[misc]
    owns_projects = mine.exists()
    scope = mine if owns_projects else visible
    stale: dict[str, Any] = {}
    for level in ("red", "yellow"):
        qs = _stale(scope, level, today)
        count = _capped_count(qs)
        stale[level] = {
            "rows": list(
                qs.select_related(*LIST_RELATED)
                .only(*LIST_ONLY)
                .order_by("last_progress_on")[:STALE_ROWS]
            ),
            "count": min(count, COUNT_CAP),
            "more": count > COUNT_CAP,
        }
    recent = list(
        Project.history.filter(id__in=visible.values("pk"))
        .select_related("history_user")
        .only(
            "history_id",
            "id",
            "name",
            "history_date",
            "history_type",
            "history_user__username",
            "change_source",
        )
        .order_by("-history_date")[:12]
    )
    context = {
        "today": today,
        "follow_ups": follow_ups,
        "overdue": sum(1 for f in follow_ups if f.due_on < today),
        "owns_projects": owns_projects,
        "stale": stale,
        "count_cap": COUNT_CAP,
        "recent": recent,
        "yellow_days": settings.STALE_YELLOW_DAYS,
        "red_days": settings.STALE_RED_DAYS,
        "mine_query": "owner={}&".format(user.pk) if owns_projects else "",
    }
    return render(request, "workspace/home.html", context)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Companies and projects, ignoring Traditional/Simplified and full/half-width."""
    term = request.GET.get("q", "").strip()
    companies: list[Any] = []
    projects: list[Project] = []
    if term:
        companies = list(search_companies(request.user, term).order_by("name_zh_hans")[:25])
        params = QueryDict(mutable=True)
        params["q"] = term
        # The FilterSet's `q` finds a confidential project by its investor's name only for
        # users who may see that investor (the same rule as every list, export and total).
        found = ProjectFilterSet(
            params, queryset=Project.objects.restrict(request.user, "view"), user=request.user
        ).qs
        projects = list(found.select_related(*LIST_RELATED).only(*LIST_ONLY)[:40])
    return render(
        request,
        "workspace/search.html",
        {"search_query": term, "companies": companies, "projects": projects},
    )
