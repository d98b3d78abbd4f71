"""JSON endpoints under /cockpit/api/: one per figure, plus the whole cockpit at once.

Plain Django JSON views (the page fetches them). Every answer names the counting rules
version and the options it was computed with; every figure is computed under the caller's
"aggregate" restriction.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from analytics import queries, reconcile
from analytics.forms import CockpitForm
from analytics.presentation import present

FIGURES = (
    "kpis",
    "cards",
    "industry",
    "district",
    "zone",
    "funnel",
    "project_type",
    "business_activity",
    "origin",
    "country",
    "trend",
    "bands",
    "top",
    "stale",
)


def _error(status: int, message: Any, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def options_from(request: HttpRequest) -> tuple[Any, JsonResponse | None]:
    form = CockpitForm(request.GET)
    if not form.is_valid():
        return None, _error(400, "invalid parameters", fields=form.errors.get_json_data())
    return form.options(), None


def cockpit_data(request: HttpRequest) -> tuple[dict[str, Any] | None, JsonResponse | None]:
    if not request.user.is_authenticated:
        return None, _error(401, "authentication required")
    options, error = options_from(request)
    if error is not None:
        return None, error
    figures = queries.cockpit(request.user, options)
    return present(figures, options, request.user), None


def figure(request: HttpRequest, name: str) -> JsonResponse:
    """GET /cockpit/api/<name>/ — one figure; `all` returns the whole cockpit."""
    if name != "all" and name not in FIGURES:
        return _error(404, "unknown figure {}".format(name), figures=["all", *FIGURES])
    data, error = cockpit_data(request)
    if error is not None:
        return error
    assert data is not None
    if name == "all":
        return JsonResponse(data)
    meta = {k: data[k] for k in ("rules_version", "rules", "options", "period_label", "path")}
    return JsonResponse({**meta, "figure": name, "data": data[name]})


def reconciliation(request: HttpRequest) -> JsonResponse:
    """GET /cockpit/api/reconciliation/ — events of the period: announced vs recorded."""
    if not request.user.is_authenticated:
        return _error(401, "authentication required")
    options, error = options_from(request)
    if error is not None:
        return error
    rows = []
    for event in reconcile.events_in(request.user, options.period)[:200]:
        result = reconcile.reconcile_event(
            event, request.user, include_estimated=options.include_estimated
        )
        rows.append({"event_id": event.pk, "event": str(event), **result.as_dict()})
    return JsonResponse({"options": options.describe(), "events": rows})
