"""The cockpit page (驾驶舱) and the reconciliation page.

The cockpit page is a shell: its script reads every figure from /cockpit/api/all/ (the same
JSON the API serves) and draws KPI cards, ECharts charts and tables; each chart element links
to the project list filtered the same way.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from analytics import counting, reconcile, rollup
from analytics.forms import CockpitForm
from analytics.scope import scope_for
from analytics.tasks import ROLLUP_KIND
from jobs.runner import may_start


def _context(request: HttpRequest) -> dict[str, Any]:
    form = CockpitForm(request.GET or None)
    options = None
    if not request.GET or form.is_valid():
        if not request.GET:
            form = CockpitForm({})
            form.is_valid()
        options = form.options()
    query = urlencode({k: str(v) for k, v in request.GET.items() if v})
    state = rollup.state()
    return {
        "form": form,
        "options": options,
        "query": query,
        "rules_version": counting.RULES_VERSION,
        "rollup_state": state,
        "rollup_fresh": rollup.is_fresh(),
        "scope": scope_for(request.user),
        "thresholds": counting.BUCKET_EDGES_YI,
        "may_rebuild_rollup": may_start(request.user, ROLLUP_KIND),
    }


@login_required
def cockpit(request: HttpRequest) -> HttpResponse:
    ctx = _context(request)
    status = 200 if ctx["options"] is not None else 400
    return render(request, "analytics/cockpit.html", ctx, status=status)


@login_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    ctx = _context(request)
    rows = []
    statements: list[Any] = []
    if ctx["options"] is not None:
        options = ctx["options"]
        for event in reconcile.events_in(request.user, options.period)[:200]:
            rows.append(
                (
                    event,
                    reconcile.reconcile_event(
                        event, request.user, include_estimated=options.include_estimated
                    ),
                )
            )
        for statement in reconcile.statements_in(request.user, options.period)[:200]:
            statements.append(
                (
                    statement,
                    reconcile.reconcile_statement(
                        statement, request.user, include_estimated=options.include_estimated
                    ),
                )
            )
    ctx["rows"] = rows
    ctx["statements"] = statements
    return render(
        request,
        "analytics/reconciliation.html",
        ctx,
        status=200 if ctx["options"] is not None else 400,
    )
