"""Amount grammar: numerals, units, qualifiers, currencies and typing (invented examples)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.extract.amounts import find_amounts, find_quantities, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三十", 30),
        ("一百二十", 120),
        ("三千四百三十五", 3435),
        ("十四点二", Decimal("14.2")),
        ("百", 100),
        ("1,628", 1628),
        ("96.5", Decimal("96.5")),
    ],
)
def test_parse_number(text: str, value: int | Decimal) -> None:
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "value", "currency", "qualifier", "kind"),
    [
        ("甲公司拟投资三十亿元建设工厂", 3_000_000_000, None, None, "investment"),
        ("总投资逾420亿元", 42_000_000_000, None, "over", "investment"),
        ("项目总投资约2.5亿美元", 250_000_000, "USD", "approx", "investment"),
        ("总投资80余亿元", 8_000_000_000, None, "over", "investment"),
        ("总投资近百亿元", 10_000_000_000, None, "nearly", "investment"),
        ("项目总投资5亿至8亿元", 500_000_000, None, "at_least", "investment"),
        ("投资额达12亿，建成后", 1_200_000_000, None, None, "investment"),
        ("将投资新台币112亿元", 11_200_000_000, "TWD", None, "investment"),
        ("总投资50 亿元", 5_000_000_000, None, None, "investment"),
        ("注册资本5亿元", 500_000_000, None, None, "registered_capital"),
        ("达产后年产值可达45亿元", 4_500_000_000, None, None, "output"),
        ("去年营收7.2亿元", 720_000_000, None, None, "revenue"),
        ("给予最高1000万元落户奖励", 10_000_000, None, "upper", "subsidy"),
        ("累计投资逾新台币2.4兆元", 2_400_000_000_000, "TWD", "over", "investment"),
        ("总投资1.2万亿元", 1_200_000_000_000, None, None, "investment"),
        ("总投资十四点二亿元", 1_420_000_000, None, None, "investment"),
    ],
)
def test_zh_amounts(
    text: str, value: int, currency: str | None, qualifier: str | None, kind: str
) -> None:
    amts = find_amounts(text, "zh-Hans")
    assert amts, text
    a = amts[0]
    assert a.value == Decimal(value)
    assert a.currency == currency
    assert a.qualifier == qualifier
    assert a.kind == kind
    assert text[a.start : a.end] == a.text


@pytest.mark.parametrize(
    ("text", "value", "currency", "qualifier", "kind"),
    [
        (
            "Acme will invest more than $3.5 billion to build a fab",
            3_500_000_000,
            "USD",
            "over",
            "investment",
        ),
        ("broke ground on a $310 million plant", 310_000_000, "USD", None, "investment"),
        ("reported revenue of $640 million", 640_000_000, "USD", None, "revenue"),
        ("up to ¥15 billion in subsidies", 15_000_000_000, "JPY", "upper", "subsidy"),
        ("will invest EUR 250 million in a plant", 250_000_000, "EUR", None, "investment"),
        (
            "will invest HUF 180 billion in a cathode plant",
            180_000_000_000,
            "HUF",
            None,
            "investment",
        ),
    ],
)
def test_en_amounts(text: str, value: int, currency: str, qualifier: str | None, kind: str) -> None:
    a = find_amounts(text, "en")[0]
    assert (a.value, a.currency, a.qualifier, a.kind) == (Decimal(value), currency, qualifier, kind)


def test_not_money() -> None:
    assert find_amounts("一季度签约32个项目，产能10万吨", "zh-Hans") == []
    assert find_amounts("2024-2025年", "zh-Hans") == []


def test_quantities_jobs_and_capacity() -> None:
    q = find_quantities("预计新增就业岗位约400个，年产能10万吨", "zh-Hans")
    kinds = {x.kind for x in q}
    assert "capacity" in kinds
    q_en = find_quantities("creating 900 jobs on a 1.1 million-square-foot site", "en")
    assert any(x.kind == "jobs" and x.value == 900 for x in q_en)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet="0123456789.,一二三四五六七八九十百千万亿元约逾近超余多至以上美欧港币新台"
        " $€¥million",
        max_size=60,
    )
)
def test_amount_parser_never_crashes(text: str) -> None:
    for lang in ("zh-Hans", "en"):
        for a in find_amounts(text, lang):
            assert 0 <= a.start <= a.end <= len(text)
            assert a.value >= 0
