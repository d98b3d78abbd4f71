"""The counting rules module: periods, buckets, size bands, medians."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analytics import counting


def test_it_parses_quarters_months_ytd_years_and_custom_ranges() -> None:
    q = counting.parse_period("2024Q1")
    assert (q.start, q.end, q.kind) == (dt.date(2024, 1, 1), dt.date(2024, 3, 31), "quarter")
    assert counting.parse_period("2024-02").end == dt.date(2024, 2, 29)
    ytd = counting.parse_period("2024YTD05")
    assert (ytd.start, ytd.end) == (dt.date(2024, 1, 1), dt.date(2024, 5, 31))
    assert counting.parse_period("2023").end == dt.date(2023, 12, 31)
    custom = counting.parse_period("2024-01-05..2024-02-01")
    assert not custom.month_aligned
    assert q.month_aligned


@pytest.mark.parametrize(
    "text", ["2024Q5", "24Q1", "2024-13", "yesterday", "2024-03-01..2024-02-01"]
)
def test_it_rejects_unknown_periods_naming_them(text: str) -> None:
    with pytest.raises(ValueError):
        counting.parse_period(text)


def test_the_comparison_period_is_the_same_period_last_year() -> None:
    prev = counting.parse_period("2024Q1").last_year()
    assert (prev.start, prev.end) == (dt.date(2023, 1, 1), dt.date(2023, 3, 31))
    assert counting.parse_period("2024-02").last_year().end == dt.date(2023, 2, 28)


def test_period_labels_read_like_a_bulletin() -> None:
    q = counting.parse_period("2024Q1")
    assert q.label("zh-hans") == "2024年一季度"
    assert q.label("en") == "Q1 2024"
    assert counting.parse_period("2024YTD05").label("zh-hans") == "2024年1—5月"


def test_size_bands_follow_the_published_edges() -> None:
    yi = counting.YI
    band = counting.size_band_of_amount
    assert band(counting.to_fen(yi * Decimal("0.99"))) == "below_1"
    assert band(counting.to_fen(yi)) == "1_10"
    assert band(counting.to_fen(yi * 10)) == "10_50"
    assert band(counting.to_fen(yi * Decimal("49.99"))) == "10_50"
    assert band(counting.to_fen(yi * 50)) == "50_100"
    assert band(counting.to_fen(yi * 100)) == "100_plus"
    assert band(None) == "unknown"


def test_only_bucket_edges_are_answered_from_the_rollup() -> None:
    assert counting.bucket_for_threshold(counting.YI) is not None
    assert counting.bucket_for_threshold(counting.YI * 10) is not None
    assert counting.bucket_for_threshold(counting.YI * Decimal("1.5")) is None


def test_the_median_of_a_histogram_is_exact() -> None:
    assert counting.median({}) is None
    assert counting.median({5: 1}) == 5
    assert counting.median({1: 1, 3: 1}) == 2
    assert counting.median({10: 3, 20: 1}) == 10
    assert counting.median({1: 2, 100: 2}) == 50.5


def test_rates_and_changes_have_no_value_without_a_base() -> None:
    assert counting.ratio(1, 0) is None
    assert counting.ratio(1, 4) == Decimal("0.25")
    assert counting.change(120, 100) == Decimal("0.2")
    assert counting.change(5, 0) is None
