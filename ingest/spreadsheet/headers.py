"""Header synonyms: which column of a ledger holds which field, and in which unit.

Offices name their columns in many ways (投资方 / 投资主体 / 企业名称, 总投资 / 投资额(亿元)).
Headers are compared after folding (NFKC, Simplified, lower case, no spaces) and after
splitting off a unit in brackets; the unit then applies to every cell of the column that
does not name its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.text import fold
from ingest.spreadsheet.cells import Unit, parse_unit


@dataclass(frozen=True)
class Column:
    """A field the importer knows, with its label (what the exporter writes) and synonyms."""

    key: str
    label: str  # the header our exporter writes (zh-Hans); also a synonym
    synonyms: tuple[str, ...]
    kind: str = "text"  # text, amount, date, bool, choice, ref
    help: str = ""


# --------------------------------------------------------------------------- projects

PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("id", "系统ID", ("id", "系统编号", "system id", "记录id"), "text"),
    Column(
        "external_id",
        "项目编号",
        (
            "编号",
            "项目id",
            "项目代码",
            "台账编号",
            "external id",
            "external_id",
            "project id",
            "ref",
        ),
    ),
    Column("name", "项目名称", ("项目", "项目名", "名称", "project", "project name", "name")),
    Column(
        "investor",
        "投资方",
        (
            "投资主体",
            "企业名称",
            "投资企业",
            "签约企业",
            "签约主体",
            "公司名称",
            "企业",
            "投资人",
            "investor",
            "company",
            "investor name",
        ),
    ),
    Column(
        "investor_credit_code",
        "统一社会信用代码",
        ("信用代码", "社会信用代码", "credit code", "uscc", "investor credit code"),
    ),
    Column(
        "amount",
        "总投资",
        (
            "投资额",
            "投资总额",
            "计划总投资",
            "总投资额",
            "项目总投资",
            "投资金额",
            "amount",
            "investment",
            "total investment",
        ),
        "amount",
    ),
    Column("currency", "币种", ("货币", "currency"), "text"),
    Column(
        "amount_original",
        "原币金额",
        ("原始金额", "外币金额", "amount original", "amount in original currency"),
        "amount",
    ),
    Column("amount_text", "金额原文", ("投资额原文", "amount as published", "amount text")),
    Column(
        "amount_is_estimated",
        "金额为估计",
        ("估计金额", "amount is estimated", "estimated"),
        "bool",
    ),
    Column(
        "contracted_amount",
        "签约额",
        ("合同金额", "签约金额", "contracted amount"),
        "amount",
    ),
    Column(
        "foreign_capital_usd",
        "合同外资(万美元)",
        ("合同外资", "foreign capital", "contracted foreign capital"),
        "amount",
    ),
    Column(
        "district",
        "所属区",
        ("区域", "所在区", "区", "所属区域", "落地区", "行政区", "落户区", "district", "area"),
        "ref",
    ),
    Column("zone", "园区", ("功能区", "所属园区", "载体", "zone", "park"), "ref"),
    Column(
        "industry",
        "行业",
        ("产业", "所属行业", "产业领域", "产业类别", "行业类别", "industry", "sector"),
        "ref",
    ),
    Column(
        "business_activity",
        "功能类型",
        ("业务类型", "功能", "项目功能", "business activity", "activity"),
        "ref",
    ),
    Column("project_type", "项目类型", ("类型", "投资类型", "project type", "type"), "ref"),
    Column(
        "stage",
        "阶段",
        ("进展", "项目进展", "项目阶段", "状态", "项目状态", "进度", "stage", "status"),
        "ref",
    ),
    Column(
        "signed_on",
        "签约时间",
        ("签约日期", "签约", "签约年月", "signed on", "signing date", "signed"),
        "date",
    ),
    Column(
        "registered_on",
        "注册时间",
        ("注册日期", "落地时间", "注册落地时间", "registered on", "registration date"),
        "date",
    ),
    Column(
        "construction_on",
        "开工时间",
        ("开工日期", "construction on", "construction started", "construction date"),
        "date",
    ),
    Column(
        "operating_on",
        "投产时间",
        ("投产日期", "运营时间", "operating on", "operation date", "operating since"),
        "date",
    ),
    Column("priority", "优先级", ("等级", "重要程度", "priority"), "choice"),
    Column("origin", "资本来源", ("来源", "项目来源地", "origin"), "choice"),
    Column("source_country", "来源国", ("国别", "国家", "source country", "country"), "text"),
    Column("owner_unit", "责任单位", ("负责单位", "牵头单位", "owner unit"), "text"),
    Column("lead_source", "线索来源", ("信息来源", "lead source"), "choice"),
    Column("confidential", "保密", ("是否保密", "confidential"), "bool"),
    Column(
        "counted_in_stats",
        "纳入统计",
        ("是否纳入统计", "计入统计", "counted in stats", "counted in statistics"),
        "bool",
    ),
    Column("exclusion_reason", "不予认定原因", ("不计入原因", "exclusion reason"), "text"),
    Column("on_hold", "暂缓", ("是否暂缓", "on hold"), "bool"),
    Column("withdrawn", "未履约", ("已撤出", "withdrawn"), "bool"),
    Column(
        "description",
        "备注",
        ("项目简介", "项目概况", "情况说明", "说明", "描述", "description", "notes", "remarks"),
        "text",
    ),
)

# --------------------------------------------------------------------------- companies

COMPANY_COLUMNS: tuple[Column, ...] = (
    Column("id", "系统ID", ("id", "系统编号", "system id"), "text"),
    Column("external_id", "企业编号", ("编号", "external id", "external_id", "company id")),
    Column(
        "name_zh_hans",
        "企业名称",
        ("公司名称", "名称", "企业", "投资方", "name", "company", "company name"),
    ),
    Column("name_zh_hant", "繁体名称", ("繁體名稱", "name (traditional)", "traditional name")),
    Column("name_en", "英文名称", ("english name", "name (english)", "name en")),
    Column("aliases", "别名", ("简称", "别称", "aliases", "alias", "short name")),
    Column(
        "credit_code",
        "统一社会信用代码",
        ("信用代码", "社会信用代码", "credit code", "uscc"),
    ),
    Column("country", "国家", ("国别", "country"), "text"),
    Column("parent", "母公司", ("所属集团", "集团", "parent", "parent group"), "ref"),
    Column("website", "网站", ("官网", "website", "url"), "text"),
    Column("notes", "备注", ("说明", "notes", "remarks"), "text"),
)

COLUMNS_BY_KIND: dict[str, tuple[Column, ...]] = {
    "projects": PROJECT_COLUMNS,
    "companies": COMPANY_COLUMNS,
}
KIND_LABELS = {"projects": _("projects"), "companies": _("companies")}

_BRACKETED = re.compile(r"^(.*?)[(（\[【](.*?)[)）\]】]\s*$")
_IGNORED = {"序号", "no", "no.", "#", "行号"}


def split_unit(header: str) -> tuple[str, Unit | None]:
    """投资额(亿元) → ("投资额", Unit(1e8)); 总投资/万元 → ("总投资", Unit(1e4))."""
    text = header.strip()
    m = _BRACKETED.match(text)
    if m:
        unit = parse_unit(m.group(2))
        if unit is not None:
            return m.group(1).strip(), unit
        return text, None
    for sep in ("/", "／", ":", "："):
        if sep in text:
            head, _sep, tail = text.rpartition(sep)
            unit = parse_unit(tail)
            if unit is not None and head.strip():
                return head.strip(), unit
    return text, None


def _index(columns: tuple[Column, ...]) -> dict[str, str]:
    index: dict[str, str] = {}
    for column in columns:
        for name in (column.label, column.key, *column.synonyms):
            stripped, _unit = split_unit(name)
            index.setdefault(fold(stripped), column.key)
    return index


_INDEXES: dict[str, dict[str, str]] = {}


def match_header(kind: str, header: str) -> tuple[str | None, Unit | None]:
    """The field a header names (or None) and the unit it declares."""
    if kind not in _INDEXES:
        _INDEXES[kind] = _index(COLUMNS_BY_KIND[kind])
    stripped, unit = split_unit(header)
    key = fold(stripped)
    if not key or key in _IGNORED:
        return None, unit
    return _INDEXES[kind].get(key), unit


def auto_mapping(kind: str, headers: list[str]) -> dict[int, str]:
    """Column index → field key for every header that matches a synonym (first one wins)."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for i, header in enumerate(headers):
        key, _unit = match_header(kind, header)
        if key and key not in taken:
            mapping[i] = key
            taken.add(key)
    return mapping


def header_score(kind: str, row: list[str]) -> int:
    """How many cells of `row` look like known headers (to find the header row)."""
    return sum(1 for cell in row if cell and match_header(kind, cell)[0] is not None)


def column(kind: str, key: str) -> Column:
    for col in COLUMNS_BY_KIND[kind]:
        if col.key == key:
            return col
    raise KeyError(key)
