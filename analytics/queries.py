"""The fast path: every cockpit figure from the monthly rollup, within the viewer's scope.

`cockpit(user, options)` answers from analytics.Rollup when it can do so exactly —
the viewer's scope is "all" or a set of districts/zones (analytics.scope), the period is whole
months, the major-project threshold is a bucket edge and the rollup is fresh — and otherwise
hands over to the exact path (analytics.baseline over the restricted queryset). Both return
the same `Figures`; a test holds them equal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, reset_queries
from django.db.models import Q, QuerySet, Sum

from analytics import baseline, counting, rollup
from analytics.figures import Figures, Pair, Totals, add, clean, empty_trend
from analytics.models import ProjectFact, Rollup
from analytics.scope import Scope, scope_for
from projects.models import Project


def restricted(user: Any, action: str = "aggregate") -> QuerySet[Project]:
    return Project.objects.restrict(user, action)


def can_use_rollup(scope: Scope, options: counting.Options) -> bool:
    return (
        scope.uses_rollup
        and options.period.month_aligned
        and counting.bucket_for_threshold(options.major_threshold) is not None
        and rollup.is_fresh()
    )


def cockpit(user: Any, options: counting.Options) -> Figures:
    """All figures for `user` (permission-scoped) under `options`."""
    scope = scope_for(user)
    rows_qs = restricted(user, "view")
    if can_use_rollup(scope, options):
        return from_rollup(scope, restricted(user), options, scope_for(user, "view"), rows_qs)
    figures = baseline.compute(restricted(user), options, rows_qs)
    figures.path = "exact"
    return figures


def _months(period: counting.Period) -> Q:
    months = period.months
    return Q(month__gte=months[0], month__lte=months[-1])


def _totals(
    base: QuerySet[Rollup],
    period: counting.Period,
    options: counting.Options,
    bands: dict[str, Pair] | None = None,
    buckets: dict[int, int] | None = None,
) -> Totals:
    t = Totals()
    major_bucket = counting.bucket_for_threshold(options.major_threshold)
    assert major_bucket is not None
    rows = (
        base.filter(_months(period), dim="all")
        .values("estimated", "bucket")
        .annotate(
            sn=Sum("n"),
            sa=Sum("amount_fen"),
            sc=Sum("contracted_fen"),
            sp=Sum("paid_in_fen"),
            sr=Sum("n_registered"),
            ss=Sum("n_started"),
            sf=Sum("n_performing"),
        )
        .values_list("estimated", "bucket", "sn", "sa", "sc", "sp", "sr", "ss", "sf")
    )
    for est, bucket, n, amount, contracted, paid, reg, started, performing in rows:
        amount_counts = options.include_estimated or not est
        t.signed_n += n
        t.registered_n += reg
        t.started_n += started
        t.performing_n += performing
        t.contracted_fen += contracted
        t.paid_in_fen += paid
        if amount_counts:
            t.signed_fen += amount
            if bucket >= major_bucket:
                t.major_n += n
                t.major_fen += amount
        if buckets is not None and amount_counts:
            buckets[bucket] = buckets.get(bucket, 0) + n
        if bands is not None:
            band = counting.size_band_of_bucket(bucket) if amount_counts else "unknown"
            add(bands, band, n, amount if amount_counts else 0)
    for key, n in (
        base.filter(_months(period), dim="regdays")
        .values("key")
        .annotate(sn=Sum("n"))
        .values_list("key", "sn")
    ):
        if n:
            t.reg_days[int(key)] = t.reg_days.get(int(key), 0) + n
    return t


def _breakdown(
    base: QuerySet[Rollup], dim: str, column: str, options: counting.Options, as_int: bool
) -> dict[Any, Pair]:
    out: dict[Any, Pair] = {}
    for key, est, n, amount in (
        base.filter(dim=dim)
        .values(column, "estimated")
        .annotate(sn=Sum("n"), sa=Sum("amount_fen"))
        .values_list(column, "estimated", "sn", "sa")
    ):
        counted = amount if (options.include_estimated or not est) else 0
        add(out, int(key) if as_int else key, n, counted)
    return clean(out)


def _breakdowns(
    rows: QuerySet[Rollup], dims: dict[str, bool], options: counting.Options
) -> dict[str, dict[Any, Pair]]:
    """Several key breakdowns in one query: {dim: {key: (n, fen)}}; dims maps dim → int keys."""
    out: dict[str, dict[Any, Pair]] = {dim: {} for dim in dims}
    for dim, key, est, n, amount in (
        rows.filter(dim__in=list(dims))
        .values("dim", "key", "estimated")
        .annotate(sn=Sum("n"), sa=Sum("amount_fen"))
        .values_list("dim", "key", "estimated", "sn", "sa")
    ):
        counted = amount if (options.include_estimated or not est) else 0
        add(out[dim], int(key) if dims[dim] else key, n, counted)
    return {dim: clean(pairs) for dim, pairs in out.items()}


def _stale(base: QuerySet[Rollup], scope: Scope, cutoff: dt.date) -> int:
    """Whole months before the cutoff's month from the rollup, the rest from the facts."""
    month = counting.month_key(cutoff)
    whole = base.filter(dim="progress", month__lt=month).aggregate(s=Sum("n"))["s"] or 0
    partial = ProjectFact.objects.filter(
        scope.q(),
        open=True,
        last_progress_on__gte=cutoff.replace(day=1),
        last_progress_on__lt=cutoff,
    ).count()
    return whole + partial


def _stale_list(scope: Scope, rows_qs: QuerySet[Project], today: dt.date) -> list[int]:
    if not scope.uses_rollup:
        return baseline.stale_list(rows_qs, today)
    _yellow, red = counting.stale_cutoffs(today)
    facts = ProjectFact.objects.filter(scope.q(), open=True, last_progress_on__lt=red)
    # Walk the date index for the 20th oldest date, then break ties by id among the few
    # rows up to it (ordering by date and id in SQL would sort every stale project).
    dates = list(facts.order_by("last_progress_on").values_list("last_progress_on", flat=True)[:20])
    if not dates:
        return []
    # A fresh filter: with two upper bounds on the date SQLite would range-scan on the wider.
    ties = ProjectFact.objects.filter(scope.q(), open=True, last_progress_on__lte=dates[-1])
    rows = sorted(ties.values_list("last_progress_on", "project_id"))
    return [pk for _day, pk in rows[:20]]


def from_rollup(
    scope: Scope,
    qs: QuerySet[Project],
    options: counting.Options,
    row_scope: Scope | None = None,
    rows_qs: QuerySet[Project] | None = None,
) -> Figures:
    """Figures from rollup rows within `scope`; project lists within `row_scope` ("view")."""
    row_scope = scope if row_scope is None else row_scope
    rows_qs = qs if rows_qs is None else rows_qs
    period = options.period
    base = Rollup.objects.filter(scope.rollup_q())
    in_period = base.filter(_months(period))
    by_area = Rollup.objects.filter(scope.area_rows_q(), _months(period), dim="month")
    bands: dict[str, Pair] = {}
    buckets: dict[int, int] = {}
    current = _totals(base, period, options, bands, buckets)
    previous = _totals(base, options.compare, options)

    months = counting.trend_months(period.end)
    trend = empty_trend(months)
    for month, est, n, amount in (
        base.filter(dim="month", month__gte=months[0], month__lte=months[-1])
        .values("month", "estimated")
        .annotate(sn=Sum("n"), sa=Sum("amount_fen"))
        .values_list("month", "estimated", "sn", "sa")
    ):
        add(trend, month, n, amount if (options.include_estimated or not est) else 0)

    funnel = {
        int(key): n
        for key, n in base.filter(dim="stage")
        .values("key")
        .annotate(sn=Sum("n"))
        .values_list("key", "sn")
        if n
    }
    top = _top(row_scope, rows_qs, options, buckets if row_scope == scope else None)
    keyed = _breakdowns(
        in_period,
        {"industry": True, "type": True, "activity": True, "origin": False, "country": False},
        options,
    )
    yellow, red = counting.stale_cutoffs(options.today)
    return Figures(
        current=current,
        previous=previous,
        by_district=_breakdown(by_area, "month", "district_id", options, True),
        by_zone=_breakdown(by_area, "month", "zone_id", options, True),
        by_industry=keyed["industry"],
        by_type=keyed["type"],
        by_activity=keyed["activity"],
        by_origin=keyed["origin"],
        by_country=keyed["country"],
        bands=clean(bands),
        trend=trend,
        funnel=funnel,
        top=top,
        stale_yellow=_stale(base, scope, yellow),
        stale_red=_stale(base, scope, red),
        stale_list=_stale_list(row_scope, rows_qs, options.today),
        path="rollup",
    )


def _top(
    scope: Scope,
    rows_qs: QuerySet[Project],
    options: counting.Options,
    buckets: dict[int, int] | None,
    limit: int = 20,
) -> list[Pair]:
    """The largest projects of the period; the bucket counts from the totals tell how far
    down the amounts to look, so only a few facts are sorted."""
    if not scope.uses_rollup:
        return baseline.top_projects(rows_qs, options, limit)
    period = options.period
    floor = 0
    if buckets:
        seen = 0
        for bucket in sorted((b for b in buckets if b >= 0), reverse=True):
            seen += buckets[bucket]
            if seen >= limit:
                floor = counting.BUCKET_EDGES_FEN[bucket - 1] if bucket > 0 else 0
                break
    facts = ProjectFact.objects.filter(
        scope.q(),
        credit_date__gte=period.start,
        credit_date__lte=period.end,
        amount_fen__gte=floor,
    )
    if not options.include_estimated:
        facts = facts.filter(estimated=False)
    ordered = facts.order_by("-amount_fen", "project_id")
    return [(pk, fen or 0) for pk, fen in ordered.values_list("project_id", "amount_fen")[:limit]]


def count_queries(func: Any, *args: Any) -> tuple[Any, int]:
    """Run `func` and return (result, number of SQL queries it sent)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = func(*args)
    reset_queries()
    return result, len(ctx.captured_queries)
