"""The extraction pipeline: normalise -> sentences -> aggregates -> project frames -> records.

A *frame* is a run of clauses inside one sentence that starts with an investor mention in
subject position (a legal name, a brand followed by an investment verb, a project name, or an
unnamed firm such as 一家世界500强企业) and collects the amount, place, stage and type cues that
follow it until the next subject. Frames become project records; several frames of the same
investor in one document are merged.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from . import places as pl
from .amounts import Amount, Quantity, find_amounts, find_quantities
from .classify import (
    doc_stage_context,
    industry_from_label,
    industry_from_text_en,
    project_types_in,
    section_stage,
    stage_of,
)
from .companies import (
    CompanyLinker,
    KnownCompany,
    Mention,
    find_latin_names_in_zh,
    find_legal_names,
    norm_key,
    short_forms,
)
from .errors import ExtractError, InputTooLargeError
from .textnorm import NormText, Span, detect_language, normalise, split_sentences

# About 1.5 MB of Chinese; far above any article, and keeps the worst case to seconds.
MAX_CHARS = 500_000


@dataclass
class Field:
    """One extracted value with its span in the ORIGINAL text and a confidence in [0, 1]."""

    value: object
    start: int
    end: int
    text: str
    confidence: float


@dataclass
class Project:
    investor: str | None
    investor_inferred: bool
    investor_span: tuple[int, int] | None
    known_company_id: int | str | None
    amount: Decimal | None
    currency: str | None
    amount_qualifier: str | None
    amount_text: str | None
    amount_span: tuple[int, int] | None
    location: str | None
    location_span: tuple[int, int] | None
    district_code: str | None
    industry: str | None
    industry_text: str | None
    project_type: str | None
    stage: str | None
    stage_text: str | None
    jobs: int | None
    evidence: tuple[int, int]
    evidence_text: str
    confidence: float
    other_amounts: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Aggregate:
    count: int | None
    total: Decimal | None
    currency: str | None
    qualifier: str | None
    scope: str | None
    text: str
    span: tuple[int, int]
    confidence: float


@dataclass
class ExtractionResult:
    document: str
    language: str
    projects: list[Project]
    aggregates: list[Aggregate]
    quantities: list[Quantity] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers

_CLAUSE_CHARS = frozenset(",;:、【】")
_VERB_ZH = (
    r"拟投资|计划投资|将投资|预计投资|投资|增资|追加投资|落户|入驻|落地|布局|新建|扩建|建设|打造|设立|"
    r"签约|签署|开工|动工|动土|投产|竣工|选址|迁|兴建|投建|斥资|扩产|扩充|开设|成立"
)
_PROJECT_VERB_ZH = re.compile(_VERB_ZH)
_SUBJ_FOLLOW_ZH = re.compile(
    r"^(?:\([^)]{0,20}\))?(?:也|同样|此次|本次|则|已|已经|正|正在|还|亦|再|今年|近日|日前|将于|随后|"
    r"今天|昨日|已于|正式|于今年|在此次|率先|首次|宣布|决定|现场)*"
    r"(?:拟|计划|将|准备|投资|增资|追加|斥资|落户|入驻|签约|签署|布局|新建|扩建|建设|打造|设立|"
    r"在|于|与|为|开工|动工|动土|投产|竣工|的|总投资|项目|迁)"
)
_PERSON_FOLLOW = re.compile(
    r"^(?:\([^)]{0,20}\))?(?:相关负责人|负责人|董事长|总裁|总经理|副总裁|副总经理|创始人|首席|CEO|"
    r"高管|董事|代表|表示|介绍|称|说|指出|透露|相关|方面|中国区总|亚太区总|全球|目前|现有|去年|"
    r"成立于|是|作为|主要|专注|致力|的[^,;。]{0,10}(?:表示|介绍|说))"
)
_SUBSIDIARY_PREFIX = re.compile(r"子公司$|控股$|旗下$")
_BAD_PREFIX = re.compile(
    r"(?:与|和|同|跟|向|对|为|给|帮助|协助|支持|引进|吸引|包括|及|比如|例如|客户|合作伙伴|连同|"
    r"以|如同|像|替|代|请|让|由|被|把|子公司|控股|旗下)$"
)
_LEAD_ADVERB = re.compile(
    r"^(?:如|即|此外|其中|另外|同时|以及|而|并且|并|据悉|据了解|目前|今年|近日|日前|同日|当日|随后|此次|"
    r"本次|其后|另|还有|同期|签约项目中|开工项目中|投产项目中)+"
)
_DESCRIPTOR = re.compile(
    r"^[^,;。]{0,16}?(?:企业|公司|厂商|制造商|供应商|品牌|巨头|大厂|车企|药企|龙头|集团|厂|商)"
    r"(?=[\u4e00-\u9fffA-Z])"
)
_GENERIC_SUBJ = re.compile(
    r"^(?:(?:该|本|我|其|这|此|上述|相关|有关|各|全|截至|据|对|以|从|由|经|共有|累计|持续|推动|"
    r"加快|围绕|聚焦|集中|新增|实现|完成|预计|计划|力争|进一步|不断)[\u4e00-\u9fff]*"
    r"|(?:今年|明年|去年|目前|下一步|未来|记者|政府|项目|企业|公司|集团|部门|园区|会上|现场|签约|"
    r"总投资|活动|大会|会议|其中|同时|此外|一批|一季度|二季度|三季度|四季度|上半年|下半年|全年|"
    r"区域|市场|产业|行业|中国|国内|国际|全国|全球|双方|三方|各方|新区|我们|他们|公司方面|管委会|"
    r"县财政|工业|近年|外资|内资|台资|日资|德资|美资|港资|韩资|欧资)"
    r"|[\d一二三四五六七八九十两]+[\u4e00-\u9fff]{0,2}"
    r"|[\u4e00-\u9fff]*(?:领域|产业|行业|项目|的|了|已|中|上|时|后|前|期间|方面|板块|赛道))$"
)
_PLACEISH_END = re.compile(
    r"(?:区|市|县|镇|乡|省|州|街道|村|园区|新区|开发区|管委会|政府|局|委|办|署|厅|部|所|院|处|中心|"
    r"会|站|协会|商会|科学城|新城|片区|港|湾|岛)$"
)
_UNNAMED_ZH = re.compile(
    r"(?:一家|某|一个|一批)(?P<desc>[^,;。]{0,16}?)(?:企业|公司|厂商|集团|车企|药企|大厂|厂|制造商|"
    r"供应商|品牌|上市公司)"
)
_SIGNAL_WORDS = (
    r"研发总部|研销总部|总部基地|总部|研发中心|研发基地|研究院|生命科学园|科学园|产业园|科技园|"
    r"产业基地|生产基地|制造基地|智造基地|基地|工厂|物流中心|仓储中心|运营中心|数据中心|算力中心|"
    r"中心|综合体|生产线|产线|园|厂"
)
_PROJECT_NAME_ZH = re.compile(
    rf"^(?P<name>[\u4e00-\u9fffA-Za-z0-9?·&\-]{{2,30}}?)(?:(?P<sig>{_SIGNAL_WORDS})"
    r"[\u4e00-\u9fffA-Za-z0-9?]{0,8}?)?(?:一期|二期|三期|四期)?(?:项目)"
)
_PROJECT_NAME_SIG_ZH = re.compile(
    rf"^(?P<name>[\u4e00-\u9fffA-Za-z0-9·&\-]{{2,24}}?)(?P<sig>{_SIGNAL_WORDS})"
    r"(?=落地|落户|开工|动工|投产|竣工|签约|正式|刚刚|已|同日|项目)"
)
_INVESTOR_CUT = re.compile(r"(?:年产|年处理|年加工|\d|一期|二期|三期|新建|扩建|新型|高端|智能制造)")


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    s = start
    depth = 0
    for i in range(start, end):
        ch = text[i]
        if ch in '(“"':
            depth += 1 if ch == "(" else 0
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in _CLAUSE_CHARS:
            if i > s:
                out.append((s, i))
            s = i + 1
    if end > s:
        out.append((s, end))
    return out


@dataclass
class _Frame:
    investors: list[Mention]
    source: str
    start: int
    end: int
    sent: Span
    prefix_location: tuple[int, int, str] | None = None
    shared_location: tuple[int, int, str] | None = None
    industry_label: str | None = None
    amounts: list[Amount] = field(default_factory=list)


class _Doc:
    """Per-document state shared by the rule functions."""

    def __init__(self, nt: NormText, language: str, linker: CompanyLinker) -> None:
        self.nt = nt
        self.t = nt.text
        self.lang = language
        self.linker = linker
        self.sentences = split_sentences(self.t)
        self.heading = [self._is_heading(s) for s in self.sentences]
        self.amounts = find_amounts(self.t, language)
        self.amount_starts = [a.start for a in self.amounts]
        self.quantities = find_quantities(self.t, language)
        self.quantity_starts = [q.start for q in self.quantities]
        self.sentence_index = {sp.start: i for i, sp in enumerate(self.sentences)}
        self.default_currency = _default_currency(self.t, language)
        for a in self.amounts:
            if a.currency is None:
                a.currency = self.default_currency
        self.consumed: set[int] = set()  # ids of amounts used as aggregate totals
        self.mentions: list[Mention] = []
        self.mention_starts: list[int] = []
        self.alias_to_full: dict[str, str] = {}
        if language != "en":
            self._find_zh_mentions()

    def _is_heading(self, s: Span) -> bool:
        t = self.t
        ls = t.rfind("\n", 0, s.start) + 1
        le = t.find("\n", s.end)
        le = len(t) if le < 0 else le
        line = t[ls:le].strip()
        if not line:
            return True
        if line[-1] in "。.!?\"”)」':;":
            return False
        return len(line) < 160

    def _find_zh_mentions(self) -> None:
        ms = find_legal_names(self.t)
        cov = _Covered()
        for m in ms:
            cov.add(m)
        for extra_m in find_latin_names_in_zh(self.t):
            if not cov.hits(extra_m):
                ms.append(extra_m)
                cov.add(extra_m)
        if self.linker:
            for extra_m in self.linker.find_in(self.t):
                if not cov.hits(extra_m):
                    ms.append(extra_m)
                    cov.add(extra_m)
        # Short forms and declared aliases of full names, found after the full name.
        extra: list[Mention] = []
        done: set[str] = set()
        for m in ms:
            if m.source != "legal" or m.name in done:
                continue
            done.add(m.name)
            forms = list(m.aliases) + short_forms(m.name)
            for f in forms:
                if len(f) >= 2 and not pl.is_place(f) and not pl.looks_like_place(f):
                    self.alias_to_full.setdefault(f, m.name)
        if self.alias_to_full:
            keys = sorted(self.alias_to_full, key=len, reverse=True)
            rx = re.compile("|".join(re.escape(k) for k in keys))
            for mm in rx.finditer(self.t):
                cand = Mention(mm.start(), mm.end(), self.alias_to_full[mm.group(0)], "short")
                if not cov.hits(cand):
                    extra.append(cand)
                    cov.add(cand)
        ms.extend(extra)
        ms.sort(key=lambda m: m.start)
        self.mentions = ms
        self.mention_starts = [m.start for m in ms]

    def amounts_in(self, start: int, end: int) -> list[Amount]:
        """Amounts starting in [start, end), found by bisection (keeps big inputs linear)."""
        lo = bisect.bisect_left(self.amount_starts, start)
        hi = bisect.bisect_left(self.amount_starts, end)
        return self.amounts[lo:hi]

    def quantities_in(self, start: int, end: int) -> list[Quantity]:
        lo = bisect.bisect_left(self.quantity_starts, start)
        hi = bisect.bisect_left(self.quantity_starts, end)
        return self.quantities[lo:hi]

    def orig(self, start: int, end: int) -> tuple[int, int]:
        return self.nt.orig_span(start, end)

    def otext(self, start: int, end: int) -> str:
        s, e = self.orig(start, end)
        return self.nt.original[s:e]


def _overlaps(m: Mention, others: Sequence[Mention]) -> bool:
    return any(o.start < m.end and m.start < o.end for o in others)


class _Covered:
    """Character positions already covered by mentions (O(1) overlap tests on big inputs)."""

    def __init__(self) -> None:
        self.pos: set[int] = set()

    def add(self, m: Mention) -> None:
        self.pos.update(range(m.start, m.end))

    def hits(self, m: Mention) -> bool:
        return any(i in self.pos for i in range(m.start, m.end))


_TW_PLACES = re.compile(
    r"台湾|台北|新北|桃园|台中|台南|高雄|新竹|苗栗|彰化|南投|云林|嘉义|屏东|宜兰|花莲|台东|基隆"
)


def _default_currency(t: str, language: str) -> str:
    """Currency of a bare 元: TWD in Taiwan news, HKD in Hong Kong news, else CNY."""
    if language == "en":
        return "USD"
    head = t[:20000]
    if "新台币" in head:
        return "TWD"
    if language == "zh-Hant":
        if len(set(_TW_PLACES.findall(head))) >= 2:
            return "TWD"
        if ("港元" in head or "港币" in head) and "香港" in head and "人民币" not in head:
            return "HKD"
    return "CNY"


# --------------------------------------------------------------------------- aggregates

_CN_NUM = r"\d{1,3}(?:,\d{3}){1,5}|\d{1,12}|[一二两三四五六七八九十百千]{1,6}"
_AGG_COUNT_ZH = re.compile(
    rf"(?P<n1>{_CN_NUM})(?:个|家|件|宗)(?P<mid>[^,;。!?]{{0,42}}?)(?:项目|企业|公司|厂商|投资案)"
    rf"|(?:项目|企业)(?P<n2>{_CN_NUM})(?:个|家)"
    rf"|投资(?P<n3>{_CN_NUM})(?:件|宗)"
)
_EN_NUMWORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
}
_AGG_COUNT_EN = re.compile(
    r"\b(?P<n>\d{1,3}(?:,\d{3}){1,5}|\d{1,12}|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve)"
    r"\s(?:[A-Za-z][\w-]{0,30}\s){0,4}?(?:projects|companies|firms|plants|factories|investments|investors|"
    r"deals)\b",
    re.IGNORECASE,
)
_MACRO = re.compile(r"实际使用外资|实际利用外资|新设外资|注册外资|固定资产投资|到位外资|合同外资")
_TARGET = re.compile(r"力争|目标|争取|预计全年|计划全年|确保")
_TOTAL_CUE = re.compile(
    r"总投资|合计|共计|总额|投资额|投资金额|签约资金|签约金额|协议投资|意向投资|增资|总计|投资|"
    r"worth|invest|together|combined|total",
    re.IGNORECASE,
)
_STAGE_WORD_ZH = re.compile(r"签约|开工|投产|洽谈|在谈|落地|签署|引进|吸引|开设|扩展")


def _has_count(clause: str) -> bool:
    for m in _AGG_COUNT_ZH.finditer(clause):
        n = _count_value(m.group("n1") or m.group("n2") or m.group("n3") or "")
        if n is not None and n >= 2:
            return True
    return False


def _count_value(s: str) -> int | None:
    s = s.replace(",", "")
    if s.isdigit():
        return int(s)
    if s.lower() in _EN_NUMWORDS:
        return _EN_NUMWORDS[s.lower()]
    from .amounts import parse_cn_integer

    return parse_cn_integer(s)


def _find_aggregates(doc: _Doc) -> list[Aggregate]:
    t = doc.t
    found: list[tuple[bool, Aggregate, int | None]] = []
    first_body = next((i for i, h in enumerate(doc.heading) if not h), len(doc.sentences))
    rx = _AGG_COUNT_EN if doc.lang == "en" else _AGG_COUNT_ZH
    for si, s in enumerate(doc.sentences):
        is_head = doc.heading[si]
        if is_head and si > first_body:
            continue  # related-link headlines and page furniture after the body
        sent_amounts = doc.amounts_in(s.start, s.end)
        counts = []
        for m in rx.finditer(t, s.start, s.end):
            if doc.lang == "en":
                n = _count_value(m.group("n"))
            else:
                n = _count_value(m.group("n1") or m.group("n2") or m.group("n3") or "")
            if n is None or n < 2:
                continue
            counts.append((m, n))
        for ci, (m, n) in enumerate(counts):
            cl_s = max(t.rfind(c, s.start, m.start()) for c in ",;")
            cl_s = s.start if cl_s < 0 else cl_s + 1
            cl_e = min([x for x in (t.find(c, m.end(), s.end) for c in ",;") if x >= 0] or [s.end])
            clause = t[cl_s:cl_e]
            if _MACRO.search(clause) or _TARGET.search(t[cl_s : m.end()]):
                continue
            if doc.lang != "en" and re.search(
                r"[\d十百千](?:亿|万)元?(?:以上|以下)?$", t[cl_s : m.start()]
            ):
                # "100亿元以上项目2个": a size band with a count but no total.
                if m.group("n2") or m.group("n1"):
                    found.append((is_head, _mk_agg(doc, n, None, None, cl_s, cl_e, 0.6), None))
                continue
            nxt = counts[ci + 1][0].start() if ci + 1 < len(counts) else s.end
            total: Amount | None = None
            for a in sent_amounts:
                if a.start < m.end() or a.start >= nxt or id(a) in doc.consumed:
                    continue
                if a.kind not in ("investment", "unknown"):
                    continue
                gap = t[m.end() : a.start]
                if len(gap) > 110:
                    break
                if len(gap) > 25 and not _TOTAL_CUE.search(t[max(m.end(), a.start - 12) : a.start]):
                    continue
                if _MACRO.search(gap) or re.search(r"[。]|其中|包括|一家|如", gap):
                    continue
                total = a
                break
            if total is None:
                if is_head or doc.lang == "en":
                    continue
                if sent_amounts and any(
                    a.kind in ("investment", "unknown") and a.start > m.end() for a in sent_amounts
                ):
                    continue
                if not _STAGE_WORD_ZH.search(clause) or (
                    re.search(r"累计|共有|已", clause) is None
                    and ("正在" not in clause and "在谈" not in clause and "洽谈" not in clause)
                ):
                    continue
                found.append((is_head, _mk_agg(doc, n, None, None, cl_s, cl_e, 0.5), None))
                continue
            e = max(total.end, m.end())
            agg = _mk_agg(doc, n, total, total.qualifier, min(m.start(), cl_s), e, 0.85)
            found.append((is_head, agg, id(total)))
    # Drop headline restatements and exact duplicates.
    body = [a for h, a, _ in found if not h]
    out: list[Aggregate] = []
    seen: set[tuple[int | None, str | None]] = set()
    for h, ag, aid in found:
        key = (ag.count, str(ag.total) if ag.total is not None else None)
        if h:
            if ag.total is None:
                continue
            if any(
                b.count == ag.count or (b.total is not None and b.total == ag.total) for b in body
            ):
                continue
        if key in seen:
            continue
        seen.add(key)
        out.append(ag)
        if aid is not None:
            doc.consumed.add(aid)
    return out


def _mk_agg(
    doc: _Doc, n: int, total: Amount | None, qual: str | None, s: int, e: int, conf: float
) -> Aggregate:
    os_, oe = doc.orig(s, e)
    scope = None
    seg = doc.t[s:e]
    for word, sc in (
        ("签约", "signed"),
        ("开工", "started"),
        ("投产", "operating"),
        ("在谈", "negotiating"),
        ("洽谈", "negotiating"),
        ("累计", "cumulative"),
        ("announced", "announced"),
        ("together", "combined"),
        ("合计", "combined"),
    ):
        if word in seg:
            scope = sc
            break
    return Aggregate(
        count=n,
        total=total.value if total else None,
        currency=total.currency if total else None,
        qualifier=qual if qual != "upper" else None,
        scope=scope,
        text=doc.nt.original[os_:oe],
        span=(os_, oe),
        confidence=conf,
    )


# --------------------------------------------------------------------------- frames (Chinese)


def _zh_subject(doc: _Doc, cs: int, ce: int, sent: Span) -> _Frame | None:
    t = doc.t
    clause = t[cs:ce]
    # (a) a found name (legal, alias, Latin, known, short form) in subject position.
    lo = bisect.bisect_left(doc.mention_starts, cs)
    for mi in range(lo, len(doc.mentions)):
        m = doc.mentions[mi]
        if m.start >= ce:
            break
        prefix = t[cs : m.start]
        if len(prefix) > 24 or _BAD_PREFIX.search(prefix):
            break
        after = t[m.end : min(ce, m.end + 30)]
        if _PERSON_FOLLOW.match(after):
            break
        if m.source not in ("legal", "latin", "known") and not (
            _SUBJ_FOLLOW_ZH.match(after) or _PROJECT_VERB_ZH.search(after)
        ):
            break
        if _SUBSIDIARY_PREFIX.search(prefix):
            continue
        invs = [m]
        # A joint subject: "A与B将分别…", "A和B…".
        rest = m.end
        while True:
            j = re.match(r"(?:与|和|、|及|以及)", t[rest:ce])
            if not j:
                break
            nm = next((o for o in doc.mentions if o.start == rest + j.end()), None)
            if nm is None:
                break
            invs.append(nm)
            rest = nm.end
        fr = _Frame(invs, m.source, cs, ce, sent)
        fr.prefix_location = _prefix_place(prefix, cs)
        return fr
    found: _Frame | None
    body = _LEAD_ADVERB.sub("", clause)
    off = cs + (len(clause) - len(body))
    # (b) an unnamed firm: 一家世界500强化工企业拟…
    um = _UNNAMED_ZH.search(body, 0, 40)
    if um and um.start() <= 8 and not re.search(r"[与和向对为]", body[: um.start()]):
        return _Frame([Mention(off, off + um.end(), "", "unnamed")], "unnamed", cs, ce, sent)
    # (c) "位于X的" / "总投资N亿元的" / "X的" prefixes before a project name.
    pm = re.match(r"^(?:[^,;。]{0,30}?的)", body)
    ploc = None
    if pm and ("项目" in body[pm.end() :] or re.search(_SIGNAL_WORDS, body[pm.end() :])):
        ploc = _prefix_place(pm.group(0)[:-1], off)
        inner = body[pm.end() :]
        dm = _DESCRIPTOR.match(inner)
        if dm:
            inner = inner[dm.end() :]
        ioff = off + (len(body) - len(inner))
        found = _project_name_frame(doc, inner, ioff, cs, ce, sent)
        if found is not None:
            found.prefix_location = ploc
            return found
    # (d) a descriptor then a brand: 德资企业法克纳此次签约…
    dm = _DESCRIPTOR.match(body)
    if dm and dm.end() < len(body):
        inner = body[dm.end() :]
        ioff = off + dm.end()
        found = _brand_frame(inner, ioff, cs, ce, sent, t[ce : sent.end], descriptor=True)
        if found is not None:
            return found
    # (e) a brand at clause start followed by an investment verb: 辰拓电池拟投资30亿元…
    found = _brand_frame(body, off, cs, ce, sent, t[ce : sent.end])
    if found is not None:
        return found
    # (f) a project name: 昕锐半导体研发总部项目总投资15亿元
    return _project_name_frame(doc, body, off, cs, ce, sent)


_BRAND_NAME = r"[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9·&]{1,11}?"
_BRAND_ADV = (
    r"(?:\([^)]{1,30}\))?(?:也|同样|此次|本次|则|已|已经|正|还|亦|再|近日|日前|今年|随后|率先|首次|"
    r"正式|晚间|(?:昨|今|明|前)\(?\d{0,2}\)?日|今天|昨天|日前|共同|分别|联合)*"
)
_BRAND = re.compile(
    rf"^(?P<name>{_BRAND_NAME})(?:(?:与|和|、)(?P<name2>{_BRAND_NAME}))?{_BRAND_ADV}"
    r"(?P<verb>拟投资|计划投资|将投资|拟在|计划在|将在|拟于|将于|拟|计划|投资\d|投资[约超逾近]|"
    r"增资|追加投资|斥资|落户|入驻|签约|签署|布局|新建|扩建|为|公告|发布公告|宣布|位于|与|在|于)"
)
_STRONG_AFTER_DESCRIPTOR = {"与", "在", "于", "位于", "宣布"}


def _bad_brand(name: str | None) -> bool:
    if not name or len(name) < 2 or re.search(r"\d", name):
        return True
    if _GENERIC_SUBJ.match(name) or _PLACEISH_END.search(name) or pl.is_place(name):
        return True
    if _FUNCTION_CHARS.search(name) or re.search(r"(?:区|市|县|镇|省)[\u4e00-\u9fff]?$", name):
        return True
    return _GENERIC_FIRM.match(name) is not None


_FUNCTION_CHARS = re.compile(
    r"[的了已在将对与和及共为是把被从由向也于用并等均还再又就都而但其该此这那些每各另个家类项批名]|"
    r"项目|领域|产业|总部|中心|基地|工厂|累计|年|月|季度|期|阶段|后续|未来|伙伴|计划|新增|增资|外资|"
    r"合计|总计|公告|董事|政府|人民|分别|以来|以上|以下|完成|决定|终止|拟|作|子公司|成立"
)
_GENERIC_FIRM = re.compile(
    r"^(?:生物|科技|医药|医疗|器械|电子|信息|技术|汽车|新能源|能源|化工|化学|材料|新材料|物流|贸易|"
    r"投资|控股|实业|发展|智能|制造|装备|软件|网络|数字|半导体|芯片|集成电路|光电|环保|食品|化妆品|"
    r"日化|服装|地产|建设|工程|金融|资本|基金|航空|航运|船舶|机器人|互联网|传媒|文化|健康|美妆|跨国|"
    r"中外合资|合资|独资|国有|民营|上市|龙头|知名|大型|头部|本土|美国|德国|日本|韩国|法国|英国|瑞士|"
    r"新加坡|欧洲|国际|中国|全球|世界500强|汽车零部件|零部件|精密|仪器|工业|化学品|特用|散热|模组|"
    r"电路板|被动元件|元件|扣件|车企|药企|企业|公司|集团|研发|生产|销售|运营|服务|管理|咨询|供应链|"
    r"有限|股份|责任)+$"
)


def _brand_frame(
    body: str, off: int, cs: int, ce: int, sent: Span, rest: str = "", descriptor: bool = False
) -> _Frame | None:
    m = _BRAND.match(body)
    if not m:
        return None
    name = re.sub(r"新$", "", m.group("name"))
    name2 = m.group("name2")
    verb = m.group("verb")
    if name2 is not None and verb in ("签约", "签署", "与", "在", "于"):
        return None  # "A与B签约": B is the counterparty, not a co-investor
    if _bad_brand(name) or (name2 is not None and _bad_brand(name2)):
        return None
    if verb in _STRONG_AFTER_DESCRIPTOR and not descriptor and name2 is None:
        return None
    if verb in ("为", "与", "位于", "在", "于", "宣布") and not _PROJECT_VERB_ZH.search(
        body[m.end() :] + rest
    ):
        # "X为…" is a description; it opens a frame only if the sentence goes on to invest.
        return None
    ments = [Mention(off, off + len(name), name, "brand")]
    if name2:
        s2 = off + m.start("name2")
        ments.append(Mention(s2, s2 + len(name2), name2, "brand"))
    return _Frame(ments, "brand", cs, ce, sent)


def _project_name_frame(
    doc: _Doc, body: str, off: int, cs: int, ce: int, sent: Span
) -> _Frame | None:
    m = _PROJECT_NAME_ZH.match(body) or _PROJECT_NAME_SIG_ZH.match(body)
    if not m:
        return None
    name = m.group("name")
    # The investor is the head of the project name: cut at capacity phrases, digits, places.
    cm = _INVESTOR_CUT.search(name)
    if cm and cm.start() < 2:
        return None
    if cm:
        name = name[: cm.start()]
    pm = pl.first_place_in(name)
    if pm is not None and pm[0] >= 2:
        name = name[: pm[0]]
    elif pm is not None and pm[0] == 0:
        return None
    name = name.rstrip("?")
    if len(name) < 2 or _GENERIC_SUBJ.match(name) or _PLACEISH_END.search(name):
        return None
    if re.search(
        r"[的了已在将对与和及共为是把被从由向]|领域|产业|行业|累计|推动|持续|重点|重大|"
        r"集中|签约|开工|投产|落地",
        name,
    ):
        return None
    if _is_industry_term(name):
        return None
    if re.match(
        r"^(?:该|本|此|这|新|上述|首个|多个|一批|重点|重大|产业|工业|签约|开工|投产)", name
    ):
        return None
    after = doc.t[off + m.end() : ce + 60]
    clause_all = doc.t[cs:ce]
    if not (
        _PROJECT_VERB_ZH.search(clause_all)
        or re.search(r"备案|上梁|封顶|量产|开业|\d(?:亿|万)", clause_all)
        or re.match(r"^[^。]{0,40}?(?:总投资|投资额|投资)", after)
    ):
        return None
    if _FUNCTION_CHARS.search(name) and not re.fullmatch(r"[A-Za-z][\w &-]*", name):
        return None
    ment = Mention(off, off + len(name), name, "project")
    return _Frame([ment], "project", cs, ce, sent)


def _is_industry_term(name: str) -> bool:
    from .resources import industries

    return any(name in ind.terms or name == ind.name for ind in industries())


def _prefix_place(prefix: str, off: int) -> tuple[int, int, str] | None:
    m = re.search(r"(?:位于|在|于)?([^,;。的]{2,16})的?$", prefix)
    if not m:
        return None
    cand = m.group(1)
    cand = re.sub(r"^(?:位于|在|于)", "", cand)
    if pl.looks_like_place(cand):
        s = off + prefix.rfind(cand)
        return s, s + len(cand), cand
    return None


def _zh_frames(doc: _Doc) -> list[_Frame]:
    frames: list[_Frame] = []
    t = doc.t
    sect: str | None = None
    for si, s in enumerate(doc.sentences):
        if doc.heading[si]:
            continue
        cur: _Frame | None = None
        label: str | None = None
        sect_here = section_stage(t[s.start : s.end])
        if sect_here:
            sect = sect_here
        sent_frames: list[_Frame] = []
        for cs, ce in _clauses(t, s.start, s.end):
            lm = re.search(r"在([^,;。]{2,20})领域|聚焦([^,;。]{2,20})", t[cs:ce])
            if _has_count(t[cs:ce]):
                fr = None
                cur = None
            else:
                fr = _zh_subject(doc, cs, ce, s)
            if fr is not None:
                sent_frames.append(fr)
            # "…等重大项目，均落户合肥高新区": one place for every frame of the sentence.
            jm = re.match(r"^(?:均|都|全部|共同|一起)(?:将)?(?:落户|落地|位于|入驻|布局)", t[cs:ce])
            if jm and len(sent_frames) >= 1:
                loc = pl.find_location_zh(t, cs, ce, [])
                if loc is not None:
                    for f in sent_frames:
                        f.shared_location = loc
            if fr is not None:
                fr.industry_label = label
                if sect:
                    fr.industry_label = label
                frames.append(fr)
                cur = fr
            elif cur is not None:
                cur.end = ce
            if lm and fr is None and cur is None:
                label = lm.group(1) or lm.group(2)
        # Section context ("集中开工的项目中") lasts until the sentence ends with 。.
        if (s.end < len(t) and t[s.end - 1] in "。!?\n") or s.end >= len(t):
            sect = None
    return frames


# --------------------------------------------------------------------------- frames (English)

# Bounded repetitions keep the subject regex linear on pathological input.
_EN_NAME = r"(?:[A-Z][\w&'.-]{0,40}|&)(?: (?:[A-Z][\w&'.-]{0,40}|&|of|de|and Co\.)){0,8}"
_EN_SUBJECT = re.compile(
    rf"(?P<name>{_EN_NAME})(?P<app>, (?:a|an|the|its) [^,;]{{3,140}},)?"
    r" (?P<verb>(?:also |has |have |had |is |was |will |would |today |on \w+ |now )*"
    r"(?:invest|invests|plans?\b|to (?:invest|build|open|expand|construct)|will\b|said|says|broke|"
    r"breaks|began|begins|started|starts|signed|signs|announced|agreed|opened|is (?:building|"
    r"constructing|investing|seeking|in talks)|building|constructing|investing|expects|intends|"
    r"chose|selected|unveiled|confirmed|completed|spent|spend|expand|paused|halted))"
)
_EN_BAD_TOKENS = {
    "The",
    "This",
    "That",
    "It",
    "Its",
    "A",
    "An",
    "In",
    "On",
    "At",
    "By",
    "Since",
    "Under",
    "Our",
    "We",
    "He",
    "She",
    "They",
    "Meanwhile",
    "Elsewhere",
    "Construction",
    "Production",
    "However",
    "Governor",
    "Gov.",
    "Officials",
    "Commissioners",
    "Last",
    "Next",
    "Earlier",
    "Also",
    "And",
    "But",
    "Separately",
    "Additionally",
    "Ministry",
    "State",
    "County",
    "Government",
    "According",
    "Also,",
    "Both",
    "Each",
    "President",
    "Minister",
    "Mayor",
    "Premier",
    "Chancellor",
}
_EN_NOT_FIRM = re.compile(
    r"\b(?:County|State|Ministry|Government|Department|Commission|Agency|Authority|Council|"
    r"Office|Governor|Gov\.|City|Province|Zone|Commissioners|Administration|Parliament|Congress|"
    r"Economic Development|Chamber|Association|Bureau|Republic|Kingdom|Union|Act)\b"
)
_EN_PLACES_ONLY = re.compile(
    r"^(?:China|Chinese|Germany|German|Japan|Japanese|Korea|Korean|South Korea|United States|US|"
    r"U\.S\.|America|American|Mexico|Poland|Hungary|Vietnam|Serbia|Morocco|India|Texas|Ohio|"
    r"Georgia|Indiana|Michigan|California|Europe|European|Asia|Taiwan|Taiwanese|Swedish|Sweden|"
    r"Norway|Norwegian|Belgium|Belgian|France|French|Italy|Italian|Spain|Spanish|Canada|Britain|"
    r"British|UK|Hong Kong|Singapore|Thailand|Malaysia|Indonesia|Brazil|Turkey|Czech|Slovakia|"
    r"Romania|Austria|Switzerland|Swiss|Netherlands|Dutch|Finland|Denmark|Tennessee|Kentucky|"
    r"Carolina|South Carolina|North Carolina|Arizona|Nevada|Alabama|Mississippi|Kansas|New York)$"
)
_EN_UNNAMED = re.compile(
    r"(?:^|, |; )(?:[Aa]|[Aa]n|[Oo]ne) (?:[\w-]{1,30} ){0,5}?"
    r"(?:company|firm|maker|manufacturer|supplier|"
    r"producer|automaker|group|investor|carmaker|chipmaker)\b"
)


_EN_PERSON = re.compile(
    r"\b(?:Governor|Gov\.|President|Minister|Mayor|Premier|Secretary|Senator|Sen\.|Rep\.|Mr\.|"
    r"Ms\.|Mrs\.|Dr\.|Chairman|Chancellor|CEO|Chief)\b"
)


_EN_JOINT = re.compile(
    rf"(?:^|, )(?P<a>{_EN_NAME}) and (?P<b>{_EN_NAME}),? (?:will|plan|plans|have|are|to|said|"
    r"jointly|together|signed|announced)"
)


def _clean_en_name(name: str) -> str | None:
    if _EN_PERSON.search(name):
        return None
    toks = name.split()
    while toks and (
        toks[0] in _EN_BAD_TOKENS or toks[0].endswith("-based") or toks[0].endswith("'s")
    ):
        toks.pop(0)
    while toks and toks[-1] in ("and", "of", "&", "de"):
        toks.pop()
    if not toks:
        return None
    out = " ".join(toks)
    if _EN_NOT_FIRM.search(out) or _EN_PLACES_ONLY.match(out) or len(out) < 3:
        return None
    if re.fullmatch(
        r"(?:January|February|March|April|May|June|July|August|September|October|"
        r"November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
        r"(?: \d+)?",
        out,
    ):
        return None
    return out


def _en_frames(doc: _Doc) -> list[_Frame]:
    frames: list[_Frame] = []
    t = doc.t
    for si, s in enumerate(doc.sentences):
        if doc.heading[si]:
            continue
        # Clauses: split before ", and <Capitalised>" and at ";" so two projects in one
        # sentence become two frames.
        cuts = [s.start]
        for m in re.finditer(r", and (?=[A-Z])|; ", t[s.start : s.end]):
            cuts.append(s.start + m.start())
        cuts.append(s.end)
        for i in range(len(cuts) - 1):
            cs, ce = cuts[i], cuts[i + 1]
            seg = t[cs:ce]
            fr: _Frame | None = None
            for m in _EN_SUBJECT.finditer(seg):
                name = _clean_en_name(m.group("name"))
                if not name:
                    continue
                ns = cs + m.start("name") + m.group("name").find(name)
                fr = _Frame([Mention(ns, ns + len(name), name, "en")], "en", cs, ce, s)
                break
            jm = _EN_JOINT.search(seg)
            if jm and fr is not None and fr.investors[0].start > cs + jm.start():
                fr = None
            if jm and fr is None:
                a1, a2 = _clean_en_name(jm.group("a")), _clean_en_name(jm.group("b"))
                if a1 and a2:
                    s1, s2 = cs + jm.start("a"), cs + jm.start("b")
                    fr = _Frame(
                        [
                            Mention(s1, s1 + len(jm.group("a")), a1, "en"),
                            Mention(s2, s2 + len(jm.group("b")), a2, "en"),
                        ],
                        "en",
                        cs,
                        ce,
                        s,
                    )
            if fr is None:
                um = _EN_UNNAMED.search(seg)
                if um:
                    us = cs + um.start()
                    fr = _Frame([Mention(us, cs + um.end(), "", "unnamed")], "unnamed", cs, ce, s)
            if fr is not None:
                frames.append(fr)
            elif frames and frames[-1].sent is s:
                frames[-1].end = ce
    return frames


# --------------------------------------------------------------------------- records

_INV_KINDS = ("investment", "unknown")


def _frame_amount(doc: _Doc, fr: _Frame) -> Amount | None:
    cands = [
        a
        for a in doc.amounts_in(fr.start, fr.end)
        if fr.start <= a.start < fr.end and id(a) not in doc.consumed and a.kind in _INV_KINDS
    ]
    inv = [a for a in cands if a.kind == "investment"]
    if inv:
        return inv[0]
    phase = [
        a
        for a in doc.amounts_in(fr.start, fr.end)
        if fr.start <= a.start < fr.end and id(a) not in doc.consumed and a.kind == "phase"
    ]
    if phase and not cands:
        return phase[0]
    if cands and (doc.lang == "en" or _PROJECT_VERB_ZH.search(doc.t[fr.start : fr.end])):
        return cands[0]
    return None


def _frames_to_projects(doc: _Doc, frames: list[_Frame], stage_ctx: str | None) -> list[Project]:
    t = doc.t
    # Amounts listed with 分别 ("A项目、B项目总投资分别为85亿元和6.5亿元") go to the frames
    # in order.
    by_sent: dict[int, list[_Frame]] = {}
    for fr in frames:
        by_sent.setdefault(fr.sent.start, []).append(fr)
    assigned: dict[int, Amount] = {}
    for frs in by_sent.values():
        s = frs[0].sent
        seg = t[s.start : s.end]
        k = seg.find("分别") if doc.lang != "en" else seg.find("respectively")
        if k < 0 or len(frs) < 2:
            continue
        amts = [
            a
            for a in doc.amounts_in(s.start, s.end)
            if s.start + k <= a.start < s.end and a.kind in _INV_KINDS and id(a) not in doc.consumed
        ]
        if 2 <= len(amts) <= len(frs):
            for fr, a in zip(frs[-len(amts) :], amts, strict=False):
                assigned[id(fr)] = a
    projects: list[Project] = []
    for idx, fr in enumerate(frames):
        seg = t[fr.start : fr.end]
        if id(fr) in assigned:
            amt: Amount | None = assigned[id(fr)]
        elif any(id(f) in assigned for f in by_sent.get(fr.sent.start, [])):
            amt = None
        else:
            amt = _frame_amount(doc, fr)
        ev_s, ev_e = fr.sent.start, fr.sent.end
        if amt is None and len(fr.investors) == 1:
            # The amount may open the next sentence ("项目总投资6.5亿元").
            nxt = _next_sentence(doc, fr.sent)
            if nxt is not None and not any(f.sent is nxt for f in frames):
                head = t[nxt.start : nxt.start + 14]
                if re.match(
                    r"^(?:该)?(?:项目)?(?:计划)?(?:总投资|投资额|投资总额|预计投资)", head
                ) or (
                    doc.lang == "en"
                    and re.match(r"^(?:The|It|That) (?:project|plant|facility)", head)
                ):
                    cands = [
                        a
                        for a in doc.amounts_in(nxt.start, nxt.start + 30)
                        if nxt.start <= a.start < nxt.start + 30
                        and a.kind == "investment"
                        and id(a) not in doc.consumed
                    ]
                    if cands:
                        amt = cands[0]
                        ev_e = nxt.end
        joint = len(fr.investors) > 1
        if joint and amt is not None:
            amt = None  # an amount covering several firms is an aggregate, not a per-firm value
        has_verb = bool(
            _PROJECT_VERB_ZH.search(seg)
            if doc.lang != "en"
            else re.search(
                r"invest|build|construct|plant|facility|factory|fab|expand|production|operations|"
                r"deliveries|broke ground|spend|signed|site|mill|campus",
                seg,
                re.I,
            )
        )
        if amt is None and not has_verb:
            continue
        if fr.source == "unnamed" and amt is None and not has_verb:
            continue
        loc = _frame_location(doc, fr)
        stage, stage_text = stage_of(seg, doc.lang, stage_ctx, _sect_for(doc, fr))
        ind_code, ind_text = None, None
        if fr.industry_label:
            ind_code = industry_from_label(fr.industry_label)
            ind_text = fr.industry_label
        elif doc.lang == "en":
            ind_code, ind_text = industry_from_text_en(seg)
        ptypes = project_types_in(seg, doc.lang)
        jobs = next(
            (
                int(q.value)
                for q in doc.quantities_in(fr.start, fr.end)
                if q.kind == "jobs" and fr.start <= q.start < fr.end
            ),
            None,
        )
        others: list[dict[str, object]] = [
            {
                "kind": a.kind,
                "value": a.value,
                "currency": a.currency,
                "text": a.text,
                "span": doc.orig(a.start, a.end),
            }
            for a in doc.amounts_in(fr.start, fr.end)
            if fr.start <= a.start < fr.end and a is not amt and a.kind not in _INV_KINDS
        ]
        for inv in fr.investors:
            name = inv.name if inv.source != "unnamed" else None
            conf = {
                "legal": 0.9,
                "alias": 0.9,
                "known": 0.9,
                "short": 0.8,
                "latin": 0.8,
                "en": 0.75,
                "brand": 0.7,
                "project": 0.6,
                "unnamed": 0.55,
            }.get(inv.source, 0.5)
            if amt is not None:
                conf = min(0.98, conf + 0.05)
            known_id = inv.known_id
            if known_id is None and doc.linker and name:
                known_id = doc.linker.link(name)
            projects.append(
                Project(
                    investor=name,
                    investor_inferred=inv.source == "project",
                    investor_span=doc.orig(inv.start, inv.end) if name else None,
                    known_company_id=known_id,
                    amount=amt.value if amt else None,
                    currency=amt.currency if amt else None,
                    amount_qualifier=(amt.qualifier if amt and amt.qualifier != "upper" else None),
                    amount_text=doc.otext(amt.start, amt.end) if amt else None,
                    amount_span=doc.orig(amt.start, amt.end) if amt else None,
                    location=loc[2] if loc else None,
                    location_span=doc.orig(loc[0], loc[1]) if loc else None,
                    district_code=pl.district_code(loc[2]) if loc else None,
                    industry=ind_code,
                    industry_text=ind_text,
                    project_type=ptypes,
                    stage=stage,
                    stage_text=stage_text,
                    jobs=jobs,
                    evidence=doc.orig(ev_s, ev_e),
                    evidence_text=doc.otext(ev_s, ev_e),
                    confidence=round(conf, 2),
                    other_amounts=others,
                )
            )
        del idx
    return projects


def _sect_for(doc: _Doc, fr: _Frame) -> str | None:
    """Stage set by a section lead ("集中开工的项目中") earlier in the same full sentence."""
    t = doc.t
    i = fr.sent.start
    # Walk back over ';'-separated parts of the same sentence.
    start = i
    # Bounded walk so that a huge unpunctuated input stays linear.
    while start > 0 and i - start < 400 and t[start - 1] not in "。!?\n":
        start -= 1
    return section_stage(t[start : fr.start])


def _next_sentence(doc: _Doc, s: Span) -> Span | None:
    i = doc.sentence_index.get(s.start)
    if i is None or i + 1 >= len(doc.sentences):
        return None
    return doc.sentences[i + 1]


def _frame_location(doc: _Doc, fr: _Frame) -> tuple[int, int, str] | None:
    if doc.lang == "en":
        return pl.find_location_en(doc.t, fr.start, fr.end, fr.investors[0].end)
    lo = bisect.bisect_left(doc.mention_starts, fr.start)
    hi = bisect.bisect_left(doc.mention_starts, fr.end)
    skip = [(m.start, m.end) for m in doc.mentions[lo:hi]]
    skip.extend((m.start, m.end) for m in fr.investors)
    loc = pl.find_location_zh(doc.t, fr.start, fr.end, skip)
    if fr.shared_location is not None and (loc is None or loc[0] < fr.start or loc[0] >= fr.end):
        loc = fr.shared_location
    if loc is None and fr.prefix_location is not None:
        loc = fr.prefix_location
    return loc


def _merge(projects: list[Project]) -> list[Project]:
    """Merge records of the same investor in one document (later mentions fill gaps)."""
    out: list[Project] = []
    by_key: dict[str, Project] = {}
    for p in projects:
        if p.investor is None:
            out.append(p)
            continue
        k = norm_key(p.investor)
        hit = None
        # Exact keys through a dict; containment only against recent records, so huge inputs
        # stay near-linear.
        hit = by_key.get(k)
        recent = [] if hit is not None else [q for q in out[-50:] if q.investor is not None]
        for q in recent:
            if q.investor is None:
                continue
            qk = norm_key(q.investor)
            if k == qk or (min(len(k), len(qk)) >= 2 and (k in qk or qk in k)):
                hit = q
                break
        if hit is None:
            out.append(p)
            by_key.setdefault(k, p)
            continue
        if hit.amount is not None and p.amount is not None and hit.amount != p.amount:
            if p.location and hit.location and p.location != hit.location:
                out.append(p)  # a second project of the same firm
            continue
        if hit.amount is None and p.amount is not None:
            hit.amount, hit.currency, hit.amount_qualifier = (
                p.amount,
                p.currency,
                p.amount_qualifier,
            )
            hit.amount_text, hit.amount_span = p.amount_text, p.amount_span
            if p.location:
                hit.location, hit.location_span = p.location, p.location_span
                hit.district_code = p.district_code
            hit.evidence = (
                min(hit.evidence[0], p.evidence[0]),
                max(hit.evidence[1], p.evidence[1]),
            )
        if hit.location is None and p.location:
            hit.location, hit.location_span, hit.district_code = (
                p.location,
                p.location_span,
                p.district_code,
            )
        if (
            len(p.investor) > len(hit.investor or "")
            and p.investor_inferred is False
            and (hit.investor_inferred or p.investor.endswith(("公司", "集团")))
        ):
            hit.investor, hit.investor_span = p.investor, p.investor_span
            hit.investor_inferred = False
        hit.stage = hit.stage or p.stage
        hit.project_type = hit.project_type or p.project_type
        hit.industry = hit.industry or p.industry
    return out


# --------------------------------------------------------------------------- public API


def extract(
    text: str,
    *,
    document: str = "",
    known_companies: Sequence[KnownCompany] | None = None,
    language: str | None = None,
) -> ExtractionResult:
    """Extract project records and aggregate statements from one article.

    Offsets in the result index ``text`` itself (the original, before normalisation).
    Raises :class:`ExtractError` subclasses only (e.g. for oversized input).
    """
    if not isinstance(text, str):
        raise ExtractError("extract() needs a str; use load_document() for files or bytes")
    if len(text) > MAX_CHARS:
        raise InputTooLargeError(f"text has {len(text)} characters; the limit is {MAX_CHARS}")
    if not text.strip():
        return ExtractionResult(document, language or "zh-Hans", [], [])
    nt = normalise(text)
    lang = language or detect_language(nt.original)
    linker = CompanyLinker(known_companies)
    doc = _Doc(nt, lang, linker)
    aggregates = _find_aggregates(doc)
    frames = _en_frames(doc) if lang == "en" else _zh_frames(doc)
    ctx = doc_stage_context(doc.t, doc.sentences, doc.heading, lang)
    projects = _merge(_frames_to_projects(doc, frames, ctx))
    # Named firms listed inside a "together/合计" aggregate sentence get their own records.
    return ExtractionResult(document, lang, projects, aggregates, doc.quantities)
