"""The straightforward computation: ORM GROUP BY over the restricted project queryset.

This is both the reference the fast path is tested against and the exact path used when the
rollup cannot answer (a partner's view, an arbitrary threshold or date range, a stale rollup).
It reads nothing but `Project.objects.restrict(user, "aggregate")` and applies
analytics.counting's rules with ORM expressions.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, TruncMonth

from analytics import counting
from analytics.figures import Figures, Pair, Totals, add, empty_trend
from projects.models import PaidInCapital, Project, StageChange
from taxonomy.models import Industry

MONEY = DecimalField(max_digits=24, decimal_places=2)


def first_won() -> Subquery:
    return Subquery(
        StageChange.objects.filter(project=OuterRef("pk"), to_stage__is_won=True)
        .order_by("effective_on")
        .values("effective_on")[:1],
        output_field=DateField(),
    )


def credit_date() -> Any:
    """R1: the earliest of signed_on and the first move into a won stage (NULL-safe)."""
    won = first_won()
    return Least(
        Coalesce(F("signed_on"), won), Coalesce(won, F("signed_on")), output_field=DateField()
    )


def counted_amount(include_estimated: bool) -> Any:
    """R3/R4: the increment for capital increases; unknown when estimated and excluded."""
    whens = []
    if not include_estimated:
        whens.append(When(amount_is_estimated=True, then=Value(None, output_field=MONEY)))
    whens.append(When(project_type__counts_increment_only=True, then=F("increment_cny")))
    return Case(*whens, default=F("amount_cny"), output_field=MONEY)


def paid_in() -> Subquery:
    return Subquery(
        PaidInCapital.objects.filter(project=OuterRef("pk"))
        .values("project")
        .annotate(total=Sum("amount_cny"))
        .values("total")[:1],
        output_field=MONEY,
    )


def annotated(qs: QuerySet[Project], include_estimated: bool) -> Any:
    """Counted projects with `credit` (R1) and `amt` (R3/R4) annotations."""
    return qs.filter(counting.counted_q()).annotate(
        credit=credit_date(), amt=counted_amount(include_estimated)
    )


def _fen(value: Decimal | None) -> int:
    return counting.to_fen(value) or 0


def totals(qs: QuerySet[Project], period: counting.Period, options: counting.Options) -> Totals:
    rows = annotated(qs, options.include_estimated).filter(
        credit__gte=period.start, credit__lte=period.end
    )
    major = Q(amt__gte=options.major_threshold)
    agg = rows.annotate(paid=paid_in()).aggregate(
        signed_n=Count("id"),
        signed=Sum("amt"),
        major_n=Count("id", filter=major),
        major=Sum("amt", filter=major),
        registered_n=Count("id", filter=Q(registered_on__isnull=False)),
        started_n=Count("id", filter=Q(construction_on__isnull=False)),
        performing_n=Count("id", filter=Q(withdrawn=False, stage__is_lost=False)),
        contracted=Sum("contracted_amount_cny"),
        paid_total=Sum("paid", filter=Q(contracted_amount_cny__isnull=False)),
    )
    days: Counter[int] = Counter()
    for registered, credit in rows.filter(registered_on__isnull=False).values_list(
        "registered_on", "credit"
    ):
        days[max(0, (registered - credit).days)] += 1
    return Totals(
        signed_n=agg["signed_n"],
        signed_fen=_fen(agg["signed"]),
        major_n=agg["major_n"],
        major_fen=_fen(agg["major"]),
        registered_n=agg["registered_n"],
        started_n=agg["started_n"],
        performing_n=agg["performing_n"],
        contracted_fen=_fen(agg["contracted"]),
        paid_in_fen=_fen(agg["paid_total"]),
        reg_days=dict(days),
    )


def _group(rows: QuerySet[Project], column: str) -> dict[Any, Pair]:
    out: dict[Any, Pair] = {}
    for key, n, amount in (
        rows.values(column).annotate(n=Count("id"), a=Sum("amt")).values_list(column, "n", "a")
    ):
        add(out, key, n, _fen(amount))
    return out


def _band_case() -> Case:
    whens = [When(amt__isnull=True, then=Value("unknown"))]
    for key, low, high, _label in counting.SIZE_BANDS:
        if key == "unknown":
            continue
        cond = Q()
        if low is not None:
            cond &= Q(amt__gte=low * counting.YI)
        if high is not None:
            cond &= Q(amt__lt=high * counting.YI)
        whens.append(When(cond, then=Value(key)))
    return Case(*whens, output_field=CharField())


def category_map() -> dict[int, int]:
    codes = dict(Industry.objects.values_list("id", "code"))
    by_code = {code: pk for pk, code in codes.items()}
    return {pk: by_code.get(code.split(".")[0], pk) for pk, code in codes.items()}


def open_projects(qs: QuerySet[Project]) -> QuerySet[Project]:
    return qs.filter(counting.counted_q()).filter(counting.open_stage_q())


def stale_list(qs: QuerySet[Project], today: dt.date, limit: int = 20) -> list[int]:
    """The projects longest without progress (red first), shared by both paths."""
    _yellow, red = counting.stale_cutoffs(today)
    return list(
        open_projects(qs)
        .filter(last_progress_on__lt=red)
        .order_by("last_progress_on", "id")
        .values_list("id", flat=True)[:limit]
    )


def top_projects(qs: QuerySet[Project], options: counting.Options, limit: int = 20) -> list[Pair]:
    """The largest counted projects credited to the period: (id, counted amount in fen)."""
    period = options.period
    rows = annotated(qs, options.include_estimated).filter(
        credit__gte=period.start, credit__lte=period.end, amt__isnull=False
    )
    return [
        (pk, _fen(amount))
        for pk, amount in rows.order_by("-amt", "id").values_list("id", "amt")[:limit]
    ]


def compute(
    qs: QuerySet[Project], options: counting.Options, rows_qs: QuerySet[Project] | None = None
) -> Figures:
    """Every cockpit figure for the projects in `qs` (restricted to the viewer for "aggregate").

    Lists of projects (top 20, stale) come from `rows_qs`, the viewer's "view" restriction:
    a district officer allowed city-wide totals still sees only their own projects' rows.
    """
    rows_qs = qs if rows_qs is None else rows_qs
    period = options.period
    rows = annotated(qs, options.include_estimated).filter(
        credit__gte=period.start, credit__lte=period.end
    )
    zero = 0
    by_district = {k or zero: v for k, v in _group(rows, "district_id").items()}
    by_zone = {k or zero: v for k, v in _group(rows, "zone_id").items()}
    cats = category_map()
    by_industry: dict[int, Pair] = {}
    for industry_id, (n, fen) in _group(rows, "industry_id").items():
        add(by_industry, cats.get(industry_id or 0, 0), n, fen)
    by_type = {k or zero: v for k, v in _group(rows, "project_type_id").items()}
    by_activity = {k or zero: v for k, v in _group(rows, "business_activity_id").items()}
    by_origin = _group(rows, "origin")
    by_country = _group(rows, "source_country")
    bands = _group(rows.annotate(band=_band_case()), "band")

    months = counting.trend_months(period.end)
    first = months[0]
    trend = empty_trend(months)
    trend_rows = annotated(qs, options.include_estimated).filter(
        credit__gte=dt.date(first // 100, first % 100, 1), credit__lte=period.end
    )
    for month, n, amount in (
        trend_rows.annotate(m=TruncMonth("credit", output_field=DateField()))
        .values("m")
        .annotate(n=Count("id"), a=Sum("amt"))
        .values_list("m", "n", "a")
    ):
        add(trend, counting.month_key(month), n, _fen(amount))

    funnel = dict(
        qs.filter(counting.counted_q())
        .values("stage_id")
        .annotate(n=Count("id"))
        .values_list("stage_id", "n")
    )
    yellow, red = counting.stale_cutoffs(options.today)
    open_qs = open_projects(qs)
    return Figures(
        current=totals(qs, period, options),
        previous=totals(qs, options.compare, options),
        by_district=by_district,
        by_zone=by_zone,
        by_industry=by_industry,
        by_type=by_type,
        by_activity=by_activity,
        by_origin=by_origin,
        by_country=by_country,
        bands=bands,
        trend=trend,
        funnel=funnel,
        top=top_projects(rows_qs, options),
        stale_yellow=open_qs.filter(last_progress_on__lt=yellow).count(),
        stale_red=open_qs.filter(last_progress_on__lt=red).count(),
        stale_list=stale_list(rows_qs, options.today),
        path="exact",
    )
