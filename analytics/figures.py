"""The raw cockpit figures, as both the fast path and the baseline return them.

Keys are ids and codes, amounts are integer fen: two computations of the same figures compare
with `==`. Labels, yuan, percentages and drill-down links are added later (presentation).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from analytics import counting

Pair = tuple[int, int]  # (projects, amount in fen)


@dataclass
class Totals:
    """Signed projects credited to one period and what became of them (R1–R8)."""

    signed_n: int = 0
    signed_fen: int = 0
    major_n: int = 0
    major_fen: int = 0
    registered_n: int = 0
    started_n: int = 0
    performing_n: int = 0
    contracted_fen: int = 0
    paid_in_fen: int = 0
    reg_days: dict[int, int] = field(default_factory=dict)

    @property
    def median_reg_days(self) -> float | None:
        return counting.median(self.reg_days)

    def rates(self) -> dict[str, Any]:
        return {
            "performing_rate": counting.ratio(self.performing_n, self.signed_n),
            "landing_rate": counting.ratio(self.registered_n, self.signed_n),
            "start_rate": counting.ratio(self.started_n, self.signed_n),
            "funding_rate": counting.ratio(self.paid_in_fen, self.contracted_fen),
        }


@dataclass
class Figures:
    """Every cockpit figure for one set of options and one viewer."""

    current: Totals
    previous: Totals
    by_district: dict[int, Pair]
    by_zone: dict[int, Pair]
    by_industry: dict[int, Pair]
    by_type: dict[int, Pair]
    by_activity: dict[int, Pair]
    by_origin: dict[str, Pair]
    by_country: dict[str, Pair]
    bands: dict[str, Pair]
    trend: dict[int, Pair]
    funnel: dict[int, int]
    top: list[Pair]
    stale_yellow: int
    stale_red: int
    stale_list: list[int]
    path: str = field(default="exact", compare=False)
    queries: int = field(default=0, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def add(target: dict[Any, Pair], key: Any, n: int, fen: int) -> None:
    old = target.get(key, (0, 0))
    target[key] = (old[0] + n, old[1] + fen)


def clean(target: dict[Any, Pair]) -> dict[Any, Pair]:
    """Drop empty cells (a rollup row brought back to zero by incremental updates)."""
    return {k: v for k, v in target.items() if v[0] or v[1]}


def empty_trend(months: list[int]) -> dict[int, Pair]:
    return {m: (0, 0) for m in months}
