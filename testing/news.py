"""Invented news texts and small helpers for the review-queue tests (no real companies)."""

from __future__ import annotations

from typing import Any

from evidence.models import Candidate
from evidence.services import IngestResult, ingest_document

# Two projects in two districts and one aggregate statement, in Simplified Chinese.
SIGNING_NEWS = (
    "云岫智能装备股份有限公司拟投资12.5亿元在嘉定区新建智能制造基地\n"
    "本报讯 3月18日，云岫智能装备股份有限公司（以下简称“云岫智能”）与嘉定区政府正式签约，"
    "拟投资12.5亿元在嘉定区新建智能制造基地，主要生产工业机器人。\n"
    "同日，青禾生物医药（上海）有限公司也宣布将在徐汇区设立研发中心，总投资约3亿元，"
    "聚焦创新药领域。\n"
    "当天共有15个项目集中签约，总投资达286亿元。\n"
)

# One project in 徐汇区, in Traditional Chinese.
HANT_NEWS = "星瀾光電科技有限公司宣佈，將投資8億元在徐匯區建設研發總部，項目已於日前正式簽約。\n"

# A later article about the same 徐汇 project: it has started construction.
FOLLOW_UP_NEWS = (
    "青禾生物医药（上海）有限公司位于徐汇区的研发中心项目今日正式开工建设，总投资约3亿元。\n"
)


def ingest(text: str = SIGNING_NEWS, **kwargs: Any) -> IngestResult:
    return ingest_document(text=text, **kwargs)


def candidate(result: IngestResult, investor_part: str) -> Candidate:
    """The project candidate of `result` whose investor contains `investor_part`."""
    for c in result.document.candidates.filter(kind=Candidate.Kind.PROJECT):
        if investor_part in str(c.record.get("investor") or ""):
            return c
    raise AssertionError(f"no candidate for {investor_part}")


def aggregate(result: IngestResult) -> Candidate:
    return result.document.candidates.get(kind=Candidate.Kind.AGGREGATE)
