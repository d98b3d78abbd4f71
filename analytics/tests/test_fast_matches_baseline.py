"""The fast path (rollup) and the baseline (ORM GROUP BY) give identical figures.

Checked on generated data for every persona, both estimated toggles and several periods,
and again after ORM writes that the signals fold into the rollup incrementally.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from analytics import baseline, counting, queries, rollup
from analytics.models import Rollup
from projects.generator import generate
from projects.models import PaidInCapital, Project
from projects.services import mark_lost, move_stage
from testing.analytics import PUDONG, TODAY, expansion, personas, yi
from testing.factories import make_project

pytestmark = pytest.mark.django_db

PERIODS = ("2025Q2", "2026-03", "2026YTD10", "2024")


def compare(user: Any, opts: counting.Options, expect_path: str = "rollup") -> None:
    fast = queries.cockpit(user, opts)
    exact = baseline.compute(
        Project.objects.restrict(user, "aggregate"), opts, Project.objects.restrict(user, "view")
    )
    assert fast.path == expect_path
    for name in fast.__dataclass_fields__:
        if name not in ("path", "queries"):
            assert getattr(fast, name) == getattr(exact, name), name
    assert fast == exact


@pytest.fixture
def generated() -> dict[str, Any]:
    generate(1500, seed=11, today=TODAY)
    people = personas()
    # Rule corner cases the generator does not make.
    keep = Project.objects.filter(signed_on__year=2025).first()
    assert keep is not None
    make_project("重复项目", amount_cny=yi(3), signed_on=dt.date(2025, 5, 5), duplicate_of=keep)
    expansion("增资未填增量", yi(8), None, signed_on=dt.date(2025, 5, 6), district=PUDONG)
    PaidInCapital.objects.create(project=keep, paid_on=dt.date(2025, 6, 1), amount_cny=yi(1))
    rollup.rebuild()
    return people


def test_fast_path_equals_baseline_for_every_persona(generated: dict[str, Any]) -> None:
    for who in ("admin", "analyst", "officer_xuhui", "officer_pudong"):
        for period in PERIODS:
            for estimated in (True, False):
                opts = counting.Options(
                    period=counting.parse_period(period), include_estimated=estimated, today=TODAY
                )
                compare(generated[who], opts)
    # A partner sees only referrals: answered exactly, never from the rollup.
    opts = counting.Options(period=counting.parse_period("2025Q2"), today=TODAY)
    compare(generated["partner"], opts, expect_path="exact")


def test_figures_are_not_empty_on_generated_data(generated: dict[str, Any]) -> None:
    opts = counting.Options(period=counting.parse_period("2025"), today=TODAY)
    fig = queries.cockpit(generated["admin"], opts)
    assert fig.current.signed_n > 100
    assert fig.previous.signed_n > 100
    assert len(fig.by_district) >= 10
    assert len(fig.top) == 20
    assert fig.funnel and fig.stale_red


def test_incremental_updates_keep_the_rollup_exact(generated: dict[str, Any]) -> None:
    admin = generated["admin"]
    signed = Project.objects.filter(stage__code="signed", signed_on__year=2025).order_by("id")
    first, second, third = list(signed[:3])
    move_stage(first, "registered", on=dt.date(2025, 12, 1))
    mark_lost(second, reason="投资方撤回", on=dt.date(2025, 12, 2))
    third.duplicate_of = first
    third.save()
    PaidInCapital.objects.create(project=first, paid_on=dt.date(2025, 12, 3), amount_cny=yi(2))
    make_project("新签项目", district=PUDONG, amount_cny=yi(7), signed_on=dt.date(2025, 6, 1))
    Project.objects.filter(name="增资未填增量").get().delete()
    assert rollup.is_fresh()
    for period in PERIODS:
        compare(admin, counting.Options(period=counting.parse_period(period), today=TODAY))
        compare(
            generated["officer_pudong"],
            counting.Options(period=counting.parse_period(period), today=TODAY),
        )

    # The incrementally maintained rows equal a fresh rebuild's (ignoring emptied cells).
    def cells() -> dict[tuple[Any, ...], tuple[int, ...]]:
        return {
            (r.dim, r.month, r.district_id, r.zone_id, r.key, r.estimated, r.bucket): (
                r.n, r.amount_fen, r.contracted_fen, r.paid_in_fen, r.n_registered,
                r.n_started, r.n_performing,
            )
            for r in Rollup.objects.all()
            if r.n
        }  # fmt: skip

    incremental = cells()
    rollup.rebuild()
    assert cells() == incremental


def test_bulk_writes_make_the_rollup_stale_and_the_exact_path_takes_over(
    generated: dict[str, Any],
) -> None:
    generate(20, seed=99, today=TODAY)  # bulk insert: no signals
    assert not rollup.is_fresh()
    opts = counting.Options(period=counting.parse_period("2025Q2"), today=TODAY)
    compare(generated["admin"], opts, expect_path="exact")
    rollup.rebuild()
    compare(generated["admin"], opts, expect_path="rollup")
