"""Company duplicate detection: spelling variants, legal forms, regions, English names,
credit codes, near spellings; single lookups and the full scan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from companies.duplicates import (
    CompanyIndex,
    base_key,
    en_key,
    find_company_duplicates,
    loose_key,
    scan_company_duplicates,
)
from testing.factories import make_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_keys_drop_legal_forms_regions_in_brackets_and_width() -> None:
    assert base_key("澜启微(上海)半导体有限公司") == base_key("澜启微半导体股份有限公司")
    assert base_key("澜启微（上海）半导体有限公司") == base_key("澜启微半导体有限公司")
    assert base_key("比亞迪電子有限公司") == base_key("比亚迪电子有限公司")
    assert base_key("ＢＹＤ电子有限公司") == base_key("BYD电子有限公司")
    assert loose_key("上海澜启微半导体有限公司") == loose_key("澜启微(上海)半导体有限公司")
    assert (
        en_key("BYD Electronic Co., Ltd.") == en_key("byd electronic limited") == "byd electronic"
    )


def test_a_bracket_that_is_not_a_region_is_kept() -> None:
    assert base_key("某某(集团)科技有限公司") != base_key("某某科技有限公司")


@pytest.mark.parametrize(
    ("existing", "query", "reason"),
    [
        ("比亚迪电子有限公司", "比亞迪電子有限公司", "same name"),
        ("澜启微半导体有限公司", "澜启微(上海)半导体有限公司", "legal form or region"),
        ("上海澜启微半导体有限公司", "澜启微(上海)半导体有限公司", "apart from a region"),
        ("华星光电技术有限公司", "华星光电技朮有限公司", "similar name"),
    ],
)
def test_it_finds_the_same_company_under_another_spelling(
    existing: str, query: str, reason: str, english: None
) -> None:
    company = make_company(existing)
    found = find_company_duplicates(query)
    assert found and found[0].company_id == company.pk
    assert any(reason in r for r in found[0].reasons)


def test_it_finds_companies_by_credit_code_and_english_name(english: None) -> None:
    a = make_company("某某科技有限公司", credit_code="91310000MA1FL8XQ37")
    b = make_company("比亚迪电子有限公司", name_en="BYD Electronic Co., Ltd.")
    by_code = find_company_duplicates("完全不同的名字", credit_code="91310000ma1fl8xq37")
    assert by_code[0].company_id == a.pk and by_code[0].score == 100
    by_en = find_company_duplicates("", name_en="BYD ELECTRONIC LIMITED")
    assert by_en[0].company_id == b.pk


def test_it_does_not_suggest_unrelated_companies_or_the_company_itself() -> None:
    company = make_company("比亚迪电子有限公司")
    make_company("岳峰时代新能源科技股份有限公司")
    assert find_company_duplicates("比亚迪电子有限公司", exclude_id=company.pk) == []
    assert find_company_duplicates("上海华虹宏力半导体制造有限公司") == []


def test_merged_companies_point_to_their_survivor() -> None:
    survivor = make_company("比亚迪电子有限公司")
    merged = make_company("比亚迪电子(上海)有限公司", duplicate_of=survivor)
    index = CompanyIndex.from_queryset()
    assert index.exact("比亚迪电子(上海)有限公司") == survivor.pk
    assert merged.pk not in {c.company_id for c in index.candidates("比亚迪电子(上海)有限公司")}


def test_the_scan_lists_each_pair_once_with_its_reasons() -> None:
    a = make_company("比亚迪电子有限公司")
    b = make_company("比亞迪電子(上海)有限公司")
    c = make_company("某某科技有限公司", credit_code="91310000MA1FL8XQ37")
    d = make_company("某某科技集团", name_en="")
    make_company("毫不相关的公司")
    pairs = {(x, y): reasons for x, y, _score, reasons in scan_company_duplicates()}
    assert (a.pk, b.pk) in pairs
    assert (c.pk, d.pk) in pairs
    assert len(pairs) == 2
