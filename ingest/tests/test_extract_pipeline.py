"""End-to-end extraction on short invented articles; offsets always index the original text."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.extract import (
    ExtractError,
    InputTooLargeError,
    KnownCompany,
    extract,
    format_table,
    to_jsonl_records,
)
from ingest.extract.textnorm import normalise

ZH = (
    "青松新区重点产业项目集中签约 12个项目总投资逾150亿元\n"
    "5月8日，青松新区重点产业项目集中签约仪式举行，本次共有12个项目集中签约，总投资逾150亿元。"
    "其中，集成电路项目5个，总投资约60亿元。\n"
    "在集成电路领域，蓝澜微(上海)半导体有限公司拟投资二十亿元，在张江建设功率器件研发中心。"
    "蓝澜微相关负责人表示，项目达产后年产值预计可达30亿元。\n"
    "一家世界500强化工企业拟在临港新片区建设应用研发中心，项目总投资约1.5亿美元。\n"
    "此外，杉禾智造计划投资8亿元在嘉定区建设智能工厂，建成后可提供就业岗位600个。\n"
)

ZH_HANT = "在新能源領域，雲翔儲能(上海)有限公司擬投資十四點二億元，在青浦區新建儲能系統製造基地。"

EN = (
    "Fernhill Optics to build $420 million lens plant\n"
    "DAYTON, May 2 - Fernhill Optics, a maker of precision lenses, will invest $420 million to "
    "build a plant in Greene County, creating 500 jobs. The company had revenue of $1.1 billion "
    "last year. Meanwhile, Ashgrove Metals broke ground on a $75 million foundry in Springfield.\n"
)


def _by_investor(text: str) -> dict[str | None, object]:
    res = extract(text, document="t")
    return {p.investor: p for p in res.projects}


def test_zh_projects_and_aggregates() -> None:
    res = extract(ZH, document="zh1")
    invs = {p.investor: p for p in res.projects}
    p = invs["蓝澜微(上海)半导体有限公司"]
    assert p.amount == Decimal(2_000_000_000) and p.currency == "CNY"
    assert p.location == "张江" and p.district_code == "310115"
    assert p.stage == "signed"
    assert p.industry == "ic"
    unnamed = invs[None]
    assert unnamed.amount == Decimal(150_000_000) and unnamed.currency == "USD"
    assert unnamed.amount_qualifier == "approx"
    brand = invs["杉禾智造"]
    assert brand.amount == Decimal(800_000_000) and brand.location == "嘉定区"
    assert brand.jobs == 600
    # The output value (年产值) and the short mention (蓝澜微) create no extra records.
    assert len(res.projects) == 3
    aggs = {(a.count, a.total) for a in res.aggregates}
    assert (12, Decimal(15_000_000_000)) in aggs
    assert (5, Decimal(6_000_000_000)) in aggs
    assert len(res.aggregates) == 2  # the headline restatement is not repeated


def test_traditional_offsets_point_into_original() -> None:
    res = extract(ZH_HANT)
    (p,) = res.projects
    assert p.investor == "云翔储能(上海)有限公司"
    assert p.amount == Decimal(1_420_000_000)
    assert p.amount_span is not None and p.location_span is not None
    assert ZH_HANT[p.amount_span[0] : p.amount_span[1]] == "十四點二億元"
    assert ZH_HANT[p.location_span[0] : p.location_span[1]] == "青浦區"
    assert ZH_HANT[p.evidence[0] : p.evidence[1]] == p.evidence_text


def test_english_article() -> None:
    res = extract(EN, document="en1")
    invs = {p.investor: p for p in res.projects}
    f = invs["Fernhill Optics"]
    assert f.amount == Decimal(420_000_000) and f.currency == "USD"
    assert f.location is not None and f.location.startswith("Greene County")
    assert f.stage == "planned" and f.jobs == 500
    a = invs["Ashgrove Metals"]
    assert a.amount == Decimal(75_000_000) and a.stage == "landed"
    assert a.location == "Springfield"


def test_known_company_linking() -> None:
    kc = [KnownCompany(7, ["雲翔儲能科技有限公司", "Yunxiang Storage"])]
    res = extract(ZH_HANT, known_companies=kc)
    assert res.projects[0].known_company_id == 7


def test_jsonl_records_match_scorer_format() -> None:
    res = extract(ZH, document="zh1")
    recs = to_jsonl_records(res, "zh1")
    kinds = {r["kind"] for r in recs}
    assert kinds == {"project", "aggregate"}
    for r in recs:
        json.dumps(r, ensure_ascii=False)
        assert r["document"] == "zh1"
        ev = r["evidence"]
        assert 0 <= ev["start"] <= ev["end"] <= len(ZH)
    proj = next(r for r in recs if r["kind"] == "project" and r["investor"] == "杉禾智造")
    assert proj["amount"] == 800_000_000 and proj["amount_cny"] == 800_000_000
    assert "杉禾智造" in format_table(recs)


def test_range_and_implicit_currency() -> None:
    text = (
        "彰南縣再迎投資案。散熱模組廠晟嵐科技昨日在彰南工業區舉行新廠動土典禮，"
        "斥資新台幣50億元興建新廠。"
    )
    (p,) = extract(text).projects
    assert p.currency == "TWD" and p.stage == "landed"
    text2 = "锋岭精工晚间公告，公司拟在渌江经开区投资建设刀具产业化项目，项目总投资5亿至8亿元。"
    (q,) = extract(text2).projects
    assert q.investor == "锋岭精工"
    assert q.amount == Decimal(500_000_000) and q.amount_qualifier == "at_least"


def test_not_investment_numbers() -> None:
    text = "甲乙科技有限公司注册资本5亿元，去年营收12亿元，员工800余人。"
    res = extract(text)
    assert all(p.amount is None for p in res.projects)


def test_bad_inputs() -> None:
    assert extract("").projects == []
    assert extract("   \n ").aggregates == []
    with pytest.raises(InputTooLargeError):
        extract("投资" * 1_100_000)
    with pytest.raises(ExtractError):
        extract(b"bytes")  # type: ignore[arg-type]


def test_normalise_map_survives_length_changes() -> None:
    text = "面積1㎡，總投資１２億元"
    nt = normalise(text)
    assert len(nt.text) != len(text)
    i = nt.text.index("12")
    s, e = nt.orig_span(i, i + 2)
    assert text[s:e] == "１２"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_random_text_is_safe(text: str) -> None:
    try:
        res = extract(text)
    except ExtractError:
        return
    for p in res.projects:
        s, e = p.evidence
        assert 0 <= s <= e <= len(text)
        assert text[s:e] == p.evidence_text
        if p.amount_span:
            assert text[p.amount_span[0] : p.amount_span[1]] == p.amount_text
    for a in res.aggregates:
        assert text[a.span[0] : a.span[1]] == a.text


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "蓝澜微(上海)半导体有限公司",
                "拟投资",
                "三十亿元",
                "在张江",
                "建设",
                "，",
                "。",
                "12个项目",
                "总投资",
                "约",
                "1.5亿美元",
                "落户",
                "Acme Corp",
                " will invest ",
                "$5 million",
                "in Ohio",
                "\n",
                "一家",
                "企业",
                "簽約",
                "億元",
                "(",
                ")",
                "【",
                "】",
            ]
        ),
        max_size=40,
    )
)
def test_pipeline_on_domain_fragments(parts: list[str]) -> None:
    text = "".join(parts)
    res = extract(text)
    for p in res.projects:
        assert text[p.evidence[0] : p.evidence[1]] == p.evidence_text


@pytest.mark.parametrize(
    "text",
    [
        "1" * 100_000,
        "Acme " * 20_000,
        "亿元以上项目2个，" * 10_000,
        "甲乙科技有限公司" * 12_000,
        "总投资5亿元,1.2万吨,$3 million 员工300人。" * 3_000,
    ],
)
@pytest.mark.timeout(30)
def test_pathological_input_stays_fast(text: str) -> None:
    # A super-linear rule would take minutes on these; a linear one takes seconds at most.
    extract(text)


def test_english_district_names_get_their_code() -> None:
    result = extract(
        "Falkner Antriebe GmbH will invest EUR 80 million in a new plant in Jinshan District, "
        "Shanghai, creating 350 jobs."
    )
    (project,) = result.projects
    assert project.district_code == "310116"
    assert project.jobs == 350
