"""Project duplicate detection: same investor and district, amount within 10%, dates
within 180 days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from projects.duplicates import find_project_duplicates, scan_project_duplicates
from testing.factories import make_company, make_project

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 3, 29)


def _pair(**changes: Any) -> tuple[Any, dict[str, Any]]:
    investor = make_company("比亚迪电子有限公司")
    existing = make_project(
        "研发总部", investor=investor, amount_cny=Decimal("500000000"), signed_on=DAY
    )
    fields: dict[str, Any] = {
        "name": "研发总部项目",
        "investor": investor,
        "district": existing.district,
        "amount_cny": Decimal("520000000"),
        "signed_on": DAY + dt.timedelta(days=90),
    }
    fields.update(changes)
    return existing, fields


def test_it_finds_a_project_with_the_same_investor_district_amount_and_date() -> None:
    existing, fields = _pair()
    found = find_project_duplicates(fields)
    assert [c.project_id for c in found] == [existing.pk]
    assert found[0].score >= 80


@pytest.mark.parametrize(
    "change",
    [
        {"amount_cny": Decimal("560000000")},  # 12% apart
        {"signed_on": DAY + dt.timedelta(days=200)},
        {"district": None},
    ],
)
def test_it_ignores_projects_outside_the_tolerances(change: dict[str, object]) -> None:
    _existing, fields = _pair(**change)
    if "district" in change:
        from geo.models import District

        fields["district"] = District.objects.get(code="310114")
    assert find_project_duplicates(fields) == []


def test_a_project_of_another_investor_is_not_a_duplicate() -> None:
    _existing, fields = _pair(investor=make_company("另一家公司"))
    assert find_project_duplicates(fields) == []


def test_a_project_is_not_its_own_duplicate_and_merged_ones_are_skipped() -> None:
    existing, _fields = _pair()
    assert find_project_duplicates(existing, exclude_id=existing.pk) == []


def test_the_scan_finds_pairs_by_investor_and_district() -> None:
    existing, fields = _pair()
    other = make_project(
        "研发总部二期", investor=fields["investor"], amount_cny=Decimal("510000000"), signed_on=DAY
    )
    pairs = scan_project_duplicates()
    assert [(a, b) for a, b, _s, _r in pairs] == [tuple(sorted((existing.pk, other.pk)))]
