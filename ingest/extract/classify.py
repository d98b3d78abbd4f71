"""Stage, industry and project-type rules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .resources import industries, project_type_signals
from .textnorm import Span

# Cues on normalised (Simplified) text. Order inside each list does not matter; the stage
# priority is operating > landed > signed > planned.
_OPERATING_ZH = r"竣工投产|正式投产|建成投产|投产|投入运营|投入使用|开业|量产|正式运营|投运|试生产"
_LANDED_ZH = (
    r"开工|动工|动土|破土|奠基|开建|落地|落户|入驻|正在建设|加快建设|在建|竣工|建成|上梁|封顶|"
    r"进场施工|启动建设|取得投资许可|领取营业执照"
)
_SIGNED_ZH = r"签约|签署|签订|签下|意向书|备忘录|投资协议|合作协议|框架协议|MOU|MoU"
_PLANNED_ZH = r"在谈|洽谈|磋商|商谈|备案|核准|审批|获批|联审|通过[^,;。]{0,6}投资案|投资案"
_WEAK_ZH = r"拟|计划|将|准备|预计|有望|打算"
_FUTURE_ZH = re.compile(r"(?:拟|计划|将|预计|准备|力争|争取|有望|推动|早|预期|建成后|达产后|之后)")

_CUE_ZH = re.compile(
    rf"(?P<op>{_OPERATING_ZH})|(?P<la>{_LANDED_ZH})|(?P<si>{_SIGNED_ZH})|(?P<pl>{_PLANNED_ZH})"
    rf"|(?P<wk>{_WEAK_ZH})"
)

_OPERATING_EN = (
    r"started production|starts production|began production|begun production|commenced production|"
    r"began operations|started operations|began deliveries|started deliveries|has opened|"
    r"opened its|"
    r"is now operating|came online|began shipping|started shipping|now employs"
)
_LANDED_EN = (
    r"broke ground|breaks ground|broken ground|groundbreaking|began construction|"
    r"started construction|"
    r"is constructing|is building|under construction|construction began|construction started|"
    r"paused construction|has paused"
)
_SIGNED_EN = r"signed|inked|memorandum of understanding|\bMoU\b|letter of intent"
_PLANNED_EN = (
    r"will invest|will build|will spend|plans to|plans a|plan to|announced plans|to build|"
    r"to invest|"
    r"in talks|is seeking|intends to|is considering|proposed|will expand|will construct|will\b"
)
_CUE_EN = re.compile(
    rf"(?P<op>{_OPERATING_EN})|(?P<la>{_LANDED_EN})|(?P<si>{_SIGNED_EN})|(?P<pl>{_PLANNED_EN})",
    re.IGNORECASE,
)
_PRIORITY = {"op": 4, "la": 3, "si": 2, "pl": 1, "wk": 0}
_STAGE = {"op": "operating", "la": "landed", "si": "signed", "pl": "planned", "wk": "planned"}


def stage_of(
    seg: str, language: str, doc_ctx: str | None, section: str | None
) -> tuple[str | None, str | None]:
    """Stage of one project frame and the cue text behind it."""
    if language == "en":
        best = None
        for m in _CUE_EN.finditer(seg):
            kind = m.lastgroup or ""
            if best is None or _PRIORITY[kind] > _PRIORITY[best[0]]:
                best = (kind, m.group(0))
        if best is None:
            return doc_ctx, None
        return _STAGE[best[0]], best[1]
    best_zh: tuple[str, str] | None = None
    for m in _CUE_ZH.finditer(seg):
        kind = m.lastgroup or ""
        cue = m.group(0)
        if kind in ("op", "la"):
            # A future or conditional cue ("计划年内开工", "建成后投产") is not a stage reached.
            cl_start = max(seg.rfind(c, 0, m.start()) for c in ",;。")
            clause_before = seg[cl_start + 1 : m.start()]
            if _FUTURE_ZH.search(clause_before) and not re.search(
                r"已|正式|刚刚|同日|当天", clause_before
            ):
                continue
            if (
                kind == "la"
                and cue in ("落户", "入驻", "落地")
                and re.search(r"签约$", seg[max(0, m.start() - 2) : m.start()])
            ):
                continue  # 签约落户 is a signing
            if kind == "la" and re.search(r"早$|推动", seg[max(0, m.start() - 3) : m.start()]):
                continue
            if seg[m.end() : m.end() + 1] == "后":
                continue  # 建成后/投产后: a condition, not a status
        if best_zh is None or _PRIORITY[kind] > _PRIORITY[best_zh[0]]:
            best_zh = (kind, cue)
    if best_zh is not None and best_zh[0] != "wk":
        return _STAGE[best_zh[0]], best_zh[1]
    ctx = section or doc_ctx
    if best_zh is not None:
        # 拟/计划/将 inside a report of a signing event: the project was signed there.
        if ctx == "signed":
            return "signed", best_zh[1]
        if ctx in ("landed", "operating") and section:
            return ctx, best_zh[1]
        return "planned", best_zh[1]
    return ctx, None


_SECTION = re.compile(
    r"(?P<kind>签约|开工|投产|在谈|洽谈)(?:的)?(?:重大|重点)?(?:产业)?项目中|"
    r"集中(?P<kind2>签约|开工|投产)的项目"
)


def section_stage(text: str) -> str | None:
    ms = list(_SECTION.finditer(text))
    if not ms:
        return None
    m = ms[-1]
    k = m.group("kind") or m.group("kind2")
    return {
        "签约": "signed",
        "开工": "landed",
        "投产": "operating",
        "在谈": "planned",
        "洽谈": "planned",
    }.get(k)


def doc_stage_context(
    t: str, sentences: Sequence[Span], heading: Sequence[bool], language: str
) -> str | None:
    """The event an article reports (a signing ceremony, a groundbreaking...), if any."""
    if language == "en":
        return None
    parts: list[str] = []
    body = 0
    for s, h in zip(sentences, heading, strict=False):
        if h and body == 0:
            parts.append(t[s.start : s.end])
        elif not h:
            parts.append(t[s.start : s.end])
            body += 1
            if body >= 2:
                break
    lead = "".join(parts)
    if re.search(r"签约|签署", lead):
        return "signed"
    if re.search(r"联审|投资案|核准|审批", lead):
        return "planned"
    if re.search(r"开工|动工|动土", lead):
        return "landed"
    if re.search(r"投产", lead):
        return "operating"
    return None


@lru_cache(maxsize=4096)
def industry_from_label(label: str) -> str | None:
    """Map a stated sector label (在X领域) to an industry code, most specific match first."""
    best: tuple[int, str] | None = None
    for ind in industries():
        for term in ind.terms:
            if term in label:
                score = len(term) * 10 + ind.code.count(".")
                if best is None or score > best[0]:
                    best = (score, ind.code)
                break
    return best[1] if best else None


def industry_from_text_en(seg: str) -> tuple[str | None, str | None]:
    m = re.search(
        r"\b(?:a|an)\s+(?:[\w-]+\s+){0,3}?(?:maker|manufacturer|producer|supplier)\s+of\s+"
        r"([\w\s,-]{3,60}?)(?:,|\.|$)",
        seg,
    )
    if not m:
        return None, None
    label = m.group(1).lower()
    for ind in industries():
        for kw in ind.keywords_en:
            if kw and kw in label:
                return ind.code, m.group(1)
    return None, m.group(1)


_EN_TYPES = (
    ("headquarters", "HQ"),
    ("r&d", "R&D"),
    ("research", "R&D"),
    ("plant", "manufacturing"),
    ("factory", "manufacturing"),
    ("fab", "manufacturing"),
    ("facility", "manufacturing"),
    ("foundry", "manufacturing"),
    ("warehouse", "logistics"),
    ("distribution", "logistics"),
    ("data center", "infrastructure"),
    ("recycling", "manufacturing"),
)


@lru_cache(maxsize=1)
def _pt_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    pairs = project_type_signals()
    rx = re.compile("|".join(re.escape(sig) for sig, _ in pairs))  # longest first
    return rx, dict(pairs)


def project_types_in(seg: str, language: str) -> str | None:
    found: list[str] = []
    if language == "en":
        low = seg.lower()
        for word, code in _EN_TYPES:
            if word in low and code not in found:
                found.append(code)
    else:
        rx, codes = _pt_regex()
        for m in rx.finditer(seg):
            code = codes[m.group(0)]
            if code not in found:
                found.append(code)
    return "+".join(found[:3]) if found else None
