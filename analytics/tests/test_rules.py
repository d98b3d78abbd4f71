"""Counting rules applied to explicit projects, on both paths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analytics import baseline, counting, queries, rollup
from analytics.figures import Figures
from projects.models import PaidInCapital, Project
from projects.services import mark_lost, move_stage
from testing.analytics import TODAY, expansion, make_user, yi
from testing.factories import make_project

pytestmark = pytest.mark.django_db


def options(period: str = "2024Q1", **kw: object) -> counting.Options:
    return counting.Options(period=counting.parse_period(period), today=TODAY, **kw)  # type: ignore[arg-type]


def both(user: object, opts: counting.Options) -> Figures:
    fast = queries.cockpit(user, opts)
    exact = baseline.compute(Project.objects.restrict(user, "aggregate"), opts)
    assert fast.path == "rollup"
    assert fast == exact
    return fast


def test_a_capital_increase_counts_only_its_increment() -> None:
    admin = make_user("a", "admin")
    expansion("增资", yi(10), yi(3), signed_on=dt.date(2024, 1, 5))
    make_project("新项目", amount_cny=yi(2), signed_on=dt.date(2024, 1, 6))
    rollup.rebuild()
    fig = both(admin, options())
    assert fig.current.signed_n == 2
    assert counting.from_fen(fig.current.signed_fen) == yi(5)


def test_merged_duplicates_and_excluded_projects_do_not_count() -> None:
    admin = make_user("a", "admin")
    keep = make_project("保留", amount_cny=yi(2), signed_on=dt.date(2024, 1, 5))
    make_project("重复", amount_cny=yi(2), signed_on=dt.date(2024, 1, 5), duplicate_of=keep)
    make_project(
        "不予认定",
        amount_cny=yi(9),
        signed_on=dt.date(2024, 1, 5),
        counted_in_stats=False,
        exclusion_reason="不符合口径",
    )
    rollup.rebuild()
    fig = both(admin, options())
    assert (fig.current.signed_n, counting.from_fen(fig.current.signed_fen)) == (1, yi(2))


def test_estimated_amounts_are_counted_or_not_by_the_toggle() -> None:
    admin = make_user("a", "admin")
    make_project("估算", amount_cny=yi(5), amount_is_estimated=True, signed_on=dt.date(2024, 2, 1))
    make_project("确数", amount_cny=yi(1), signed_on=dt.date(2024, 2, 1))
    rollup.rebuild()
    included = both(admin, options(include_estimated=True))
    excluded = both(admin, options(include_estimated=False))
    assert included.current.signed_fen == counting.to_fen(yi(6))
    assert included.current.major_n == 2
    # Excluded: the project still counts, its amount does not, and it cannot be major.
    assert excluded.current.signed_n == 2
    assert excluded.current.signed_fen == counting.to_fen(yi(1))
    assert excluded.current.major_n == 1
    assert excluded.bands["unknown"] == (1, 0)


def test_a_project_is_credited_to_its_first_signing_once() -> None:
    admin = make_user("a", "admin")
    project = make_project("反复签约", amount_cny=yi(3), signed_on=dt.date(2023, 12, 20))
    mark_lost(project, reason="暂停", on=dt.date(2024, 1, 10))
    move_stage(project, "signed", on=dt.date(2024, 2, 15), reason="重新签约")
    project.refresh_from_db()
    assert project.signed_on == dt.date(2024, 2, 15)
    rollup.rebuild()
    assert both(admin, options("2024Q1")).current.signed_n == 0
    assert both(admin, options("2023Q4")).current.signed_n == 1


def test_the_major_threshold_is_configurable_and_odd_thresholds_are_exact() -> None:
    admin = make_user("a", "admin")
    for amount in (yi("0.6"), yi(1), yi("1.5"), yi(12)):
        make_project("项目{}".format(amount), amount_cny=amount, signed_on=dt.date(2024, 3, 1))
    rollup.rebuild()
    assert both(admin, options(major_threshold=yi(1))).current.major_n == 3
    assert both(admin, options(major_threshold=yi(10))).current.major_n == 1
    odd = options(major_threshold=yi("1.2"))
    fig = queries.cockpit(admin, odd)
    assert fig.path == "exact"
    assert fig.current.major_n == 2


def test_conversion_rates_and_days_to_registration() -> None:
    admin = make_user("a", "admin")
    a = make_project("甲", amount_cny=yi(2), signed_on=dt.date(2024, 1, 10),
                     contracted_amount_cny=yi(2))  # fmt: skip
    move_stage(a, "registered", on=dt.date(2024, 1, 30))
    b = make_project("乙", amount_cny=yi(2), signed_on=dt.date(2024, 1, 10),
                     contracted_amount_cny=yi(2))  # fmt: skip
    move_stage(b, "registered", on=dt.date(2024, 2, 19))
    move_stage(b, "construction", on=dt.date(2024, 3, 1))
    c = make_project("丙", amount_cny=yi(2), signed_on=dt.date(2024, 1, 10))
    mark_lost(c, reason="撤资", on=dt.date(2024, 2, 1))
    PaidInCapital.objects.create(project=a, paid_on=dt.date(2024, 3, 1), amount_cny=yi(1))
    rollup.rebuild()
    fig = both(admin, options())
    rates = fig.current.rates()
    assert rates["landing_rate"] == Decimal("0.6667")
    assert rates["start_rate"] == Decimal("0.3333")
    assert rates["performing_rate"] == Decimal("0.6667")
    assert rates["funding_rate"] == Decimal("0.25")
    assert fig.current.median_reg_days == 30  # 20 and 40 days


def test_stale_projects_follow_the_project_list_rule() -> None:
    admin = make_user("a", "admin")
    make_project("久未推进", stage="negotiating", last_progress_on=TODAY - dt.timedelta(days=100),
                 stage_on=TODAY - dt.timedelta(days=100))  # fmt: skip
    make_project("两月未动", stage="negotiating", last_progress_on=TODAY - dt.timedelta(days=70),
                 stage_on=TODAY - dt.timedelta(days=70))  # fmt: skip
    make_project("活跃", stage="negotiating", stage_on=TODAY - dt.timedelta(days=3))
    rollup.rebuild()
    fig = both(admin, options("2026Q3"))
    assert (fig.stale_yellow, fig.stale_red) == (2, 1)
    assert [Project.objects.get(pk=pk).name for pk in fig.stale_list] == ["久未推进"]
