"""The counting rules (统计口径) — the one module that says what a figure counts.

Every figure on the cockpit, in the API and in the bulletin names `RULES_VERSION`; when a rule
changes, bump the version and describe the change in docs/counting-rules.md. Both the fast
path (analytics.queries, reading the rollup) and the baseline (analytics.baseline, plain ORM)
apply exactly these rules, and a test checks that they agree.

Rules (version 2026.1):

R1  A project counts once, credited to its *first signing*: the earliest of `signed_on` and
    the first recorded move into a won stage (StageChange.to_stage.is_won). A project that
    was never signed has no credit date and only appears in the pipeline funnel and the
    staleness figures.
R2  Only projects with `counted_in_stats=True` and no `duplicate_of` (merged duplicates) count.
R3  The counted amount is `amount_cny`; for project types with `counts_increment_only`
    (capital increase / 增资) it is `increment_cny` only (unknown increment = unknown amount).
R4  Estimated amounts (`amount_is_estimated`) are included by default. When excluded, the
    project still counts as a project but its amount is treated as unknown: it adds nothing to
    totals and cannot be a major project.
R5  A major project (重点项目) has a counted amount ≥ the threshold, default 1亿元,
    configurable per report.
R6  Size bands on the counted amount: below 1亿, 1–10亿, 10–50亿, 50–100亿, 百亿级 (≥100亿),
    and unknown.
R7  Conversion for projects credited to a period, as of today: 落地率 = registered
    (`registered_on` set) ÷ signed; 开工率 = started (`construction_on` set) ÷ signed;
    履约率 = performing (not withdrawn and not at a lost stage) ÷ signed; 资金到位率 = paid-in
    capital to date ÷ contracted amount (签约额, `contracted_amount_cny`), over signed
    projects that have a contracted amount. Estimated amounts do not affect these.
R8  Days from signing to registration = `registered_on` − credit date, at least 0; the
    figure is the median over registered projects credited to the period.
R9  The pipeline funnel counts every counted project by its current stage, as of today.
R10 Stale: an open project (stage not lost, not folded, not `operating`) whose
    `last_progress_on` is more than STALE_YELLOW_DAYS / STALE_RED_DAYS days before today
    (the same rule as the project list's `stale` filter).
R11 Industry breakdowns credit a project to the *category* of its industry (the first part
    of the dotted code: `ic.design` → `ic`), and categories to their group (3+6 ...).
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.bounds import MAX_YEAR, MIN_YEAR, check_calendar_date

RULES_VERSION = "2026.1"

YI = Decimal("100000000")
DEFAULT_MAJOR_THRESHOLD = YI

# Fine amount buckets stored in the rollup (in 亿元). A major-project threshold equal to one
# of these edges is answered from the rollup; any other threshold takes the exact path.
BUCKET_EDGES_YI: tuple[Decimal, ...] = tuple(
    Decimal(x) for x in ("0.1", "0.5", "1", "2", "3", "5", "10", "20", "50", "100")
)
BUCKET_EDGES_FEN: tuple[int, ...] = tuple(int(e * YI * 100) for e in BUCKET_EDGES_YI)
UNKNOWN_BUCKET = -1

# Published size bands (R6): (key, lower bound in 亿 or None, upper bound or None, label).
SIZE_BANDS: tuple[tuple[str, Decimal | None, Decimal | None, Any], ...] = (
    ("below_1", None, Decimal("1"), _("below 1亿")),
    ("1_10", Decimal("1"), Decimal("10"), _("1–10亿")),
    ("10_50", Decimal("10"), Decimal("50"), _("10–50亿")),
    ("50_100", Decimal("50"), Decimal("100"), _("50–100亿")),
    ("100_plus", Decimal("100"), None, _("百亿级")),
    ("unknown", None, None, _("amount unknown")),
)

# The "3+6" groups shown first; other groups follow in taxonomy order.
LEADING_GROUPS = ("leading", "key")


def rules_label() -> str:
    return str(_("Counting rules {version}")).format(version=RULES_VERSION)


# ---------------------------------------------------------------- money and buckets


def to_fen(amount: Decimal | None) -> int | None:
    """Yuan → integer fen (cents), so sums are exact on SQLite and PostgreSQL alike."""
    if amount is None:
        return None
    return int((Decimal(amount) * 100).to_integral_value())


def plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 10 not 1E+1, 2.5 not 2.50."""
    text = "{:f}".format(value.normalize())
    return text


def from_fen(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(Decimal("0.01"))


def bucket_of(fen: int | None) -> int:
    """Index of the fine amount bucket: the number of edges ≤ amount; -1 when unknown."""
    if fen is None:
        return UNKNOWN_BUCKET
    return bisect_right(BUCKET_EDGES_FEN, fen)


def bucket_for_threshold(threshold: Decimal) -> int | None:
    """The first bucket at or above `threshold` yuan, or None when it is not a bucket edge."""
    fen = to_fen(threshold)
    if fen in BUCKET_EDGES_FEN:
        return BUCKET_EDGES_FEN.index(fen) + 1
    return None


def size_band_of_bucket(bucket: int) -> str:
    if bucket == UNKNOWN_BUCKET:
        return "unknown"
    low_yi = Decimal(0) if bucket == 0 else BUCKET_EDGES_YI[bucket - 1]
    for key, low, high, _label in SIZE_BANDS:
        if key == "unknown":
            continue
        if (low is None or low_yi >= low) and (high is None or low_yi < high):
            return key
    raise AssertionError(f"bucket {bucket} fits no size band")


def size_band_of_amount(fen: int | None) -> str:
    return size_band_of_bucket(bucket_of(fen))


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """An inclusive date range; `kind` is month, quarter, ytd, year or custom."""

    start: dt.date
    end: dt.date
    kind: str = "custom"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @property
    def month_aligned(self) -> bool:
        return self.start.day == 1 and (self.end + dt.timedelta(days=1)).day == 1

    @property
    def months(self) -> list[int]:
        """yyyymm keys of every month the period touches."""
        out = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(y * 100 + m)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def last_year(self) -> Period:
        return Period(_shift_year(self.start, -1), _shift_year(self.end, -1), self.kind)

    @property
    def code(self) -> str:
        if self.kind == "quarter":
            return "{}Q{}".format(self.start.year, (self.start.month - 1) // 3 + 1)
        if self.kind == "month":
            return "{}-{:02d}".format(self.start.year, self.start.month)
        if self.kind == "ytd":
            return "{}YTD{:02d}".format(self.start.year, self.end.month)
        if self.kind == "year":
            return str(self.start.year)
        return "{}..{}".format(self.start.isoformat(), self.end.isoformat())

    def label(self, language: str = "zh-hans") -> str:
        """How a bulletin names the period: 2024年一季度 / 2024 Q1 / 2024年1—5月."""
        y = self.start.year
        q = (self.start.month - 1) // 3 + 1
        en = language.lower().startswith("en")
        if self.kind == "quarter":
            return "Q{} {}".format(q, y) if en else "{}年{}季度".format(y, "一二三四"[q - 1])
        if self.kind == "month":
            return self.start.strftime("%B %Y") if en else "{}年{}月".format(y, self.start.month)
        if self.kind == "ytd":
            if en:
                return "January–{} {}".format(self.end.strftime("%B"), y)
            return "{}年1—{}月".format(y, self.end.month)
        if self.kind == "year":
            return str(y) if en else "{}年".format(y)
        return "{} – {}".format(self.start.isoformat(), self.end.isoformat())


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), 1 if month == 12 else month + 1, 1)
    return nxt - dt.timedelta(days=1)


_PERIOD_RE = re.compile(
    r"^(?P<y>[0-9]{4})(?:(?:Q(?P<q>[1-4]))|(?:-(?P<m>[0-9]{1,2}))|(?:YTD(?P<ytd>[0-9]{1,2})))?$",
    re.IGNORECASE,
)


def within_bounds(period: Period) -> Period:
    """The period, or ValueError when it reaches outside the calendar of core.bounds
    (1949-01-01..2100-12-31): the year 1 or 9999 would overflow the comparison period, the
    24-month trend and the database's dates."""
    for day in (period.start, period.end):
        check_calendar_date(day)
    return period


def parse_period(text: str) -> Period:
    """Parse 2024Q1, 2024-03, 2024YTD05, 2024 or 2024-01-01..2024-02-15; ValueError names it.

    Every period lies within core.bounds (1949..2100)."""
    text = (text or "").strip()
    if ".." in text:
        a, b = text.split("..", 1)
        try:
            period = Period(dt.date.fromisoformat(a), dt.date.fromisoformat(b), "custom")
        except ValueError as exc:
            raise ValueError("bad custom period {!r}: {}".format(text, exc)) from None
        return within_bounds(period)
    match = _PERIOD_RE.match(text)
    if not match:
        raise ValueError(
            "unknown period {!r}; use 2024Q1, 2024-03, 2024YTD05, 2024 or "
            "2024-01-01..2024-03-31".format(text)
        )
    year = int(match["y"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(
            "the year {} is outside {}..{} in period {!r}".format(year, MIN_YEAR, MAX_YEAR, text)
        )
    if match["q"]:
        q = int(match["q"])
        return Period(dt.date(year, 3 * q - 2, 1), month_end(year, 3 * q), "quarter")
    if match["m"]:
        m = int(match["m"])
        if not 1 <= m <= 12:
            raise ValueError("unknown month {} in period {!r}".format(m, text))
        return Period(dt.date(year, m, 1), month_end(year, m), "month")
    if match["ytd"]:
        m = int(match["ytd"])
        if not 1 <= m <= 12:
            raise ValueError("unknown month {} in period {!r}".format(m, text))
        return Period(dt.date(year, 1, 1), month_end(year, m), "ytd")
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")


def trend_months(end: dt.date, count: int = 24) -> list[int]:
    y, m = end.year, end.month
    out = []
    for _i in range(count):
        out.append(y * 100 + m)
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return list(reversed(out))


def month_key(day: dt.date | None) -> int:
    return 0 if day is None else day.year * 100 + day.month


# ---------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    """What a figure is computed with; named under every figure together with the rules."""

    period: Period
    include_estimated: bool = True
    major_threshold: Decimal = DEFAULT_MAJOR_THRESHOLD
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def compare(self) -> Period:
        return self.period.last_year()

    def describe(self) -> dict[str, Any]:
        return {
            "rules_version": RULES_VERSION,
            "period": self.period.code,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "compare_start": self.compare.start.isoformat(),
            "compare_end": self.compare.end.isoformat(),
            "include_estimated": self.include_estimated,
            "major_threshold_cny": str(self.major_threshold),
            "today": self.today.isoformat(),
        }


def stale_cutoffs(today: dt.date) -> tuple[dt.date, dt.date]:
    """(yellow, red): a project is stale when last_progress_on < cutoff (R10)."""
    return (
        today - dt.timedelta(days=settings.STALE_YELLOW_DAYS),
        today - dt.timedelta(days=settings.STALE_RED_DAYS),
    )


# ---------------------------------------------------------------- queryset helpers


def counted_q() -> Q:
    """R2 as a filter on Project."""
    return Q(counted_in_stats=True, duplicate_of__isnull=True)


def open_stage_q(prefix: str = "") -> Q:
    """R10's notion of an open project, as a filter on Project (prefix for related lookups)."""
    return Q(**{prefix + "stage__is_lost": False, prefix + "stage__fold": False}) & ~Q(
        **{prefix + "stage__code": "operating"}
    )


def median(values: dict[int, int]) -> float | None:
    """Exact median of a histogram {value: count}; None when empty."""
    total = sum(values.values())
    if total == 0:
        return None
    ordered = sorted(values.items())

    def nth(index: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if index < seen:
                return value
        raise AssertionError("index beyond histogram")

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """A rate rounded to 0.0001 (shown as a percentage); None when there is no base."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"))


def change(current: Decimal | int | None, previous: Decimal | int | None) -> Decimal | None:
    """Year-on-year change as a fraction (0.1234 = +12.34%); None without a base."""
    if current is None or not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) / Decimal(previous)).quantize(Decimal("0.0001"))
