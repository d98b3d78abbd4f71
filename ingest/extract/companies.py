"""Company names: legal-suffix names, aliases, Latin names, and the known-company hook.

Chinese names are grown left from a legal suffix (有限公司, 集团 ...) until punctuation or a
function word; a parenthesised region such as (上海) stays inside the name. Brand names with no
suffix are found by the sentence patterns in ``pipeline`` (X拟投资…, X落户…).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from .textnorm import t2s


@dataclass(frozen=True)
class KnownCompany:
    """An existing company record the extractor may link mentions to."""

    id: int | str
    names: tuple[str, ...]

    def __init__(self, id: int | str, names: Iterable[str] | str = (), *more: str) -> None:
        object.__setattr__(self, "id", id)
        lst = [names] if isinstance(names, str) else list(names)
        lst.extend(more)
        object.__setattr__(self, "names", tuple(n for n in lst if n))


@dataclass
class Mention:
    start: int
    end: int
    name: str
    source: str  # legal, alias, latin, brand, project, known, short, unnamed
    known_id: int | str | None = None
    aliases: list[str] = field(default_factory=list)


ZH_SUFFIX = (
    "集团股份有限公司|集团有限责任公司|集团有限公司|股份有限公司|有限责任公司|有限公司|"
    "集团公司|控股集团|集团|公司"
)
_SUFFIX_RE = re.compile(ZH_SUFFIX)
_SUFFIX_STRIP = re.compile(rf"(?:{ZH_SUFFIX}|股份)$")
_REGION_PAREN = re.compile(r"\([\u4e00-\u9fff]{2,6}\)")
# Characters allowed inside a Chinese company name when growing left.
_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·&\-()]")
# Function words / descriptors that end the name on its left.
_LEFT_STOP = re.compile(
    r"(?:全资子公司|控股子公司|子公司|还有|此外|其中|另外|以及|旗下|包括|引进|携手|联合|通过|签约|分别|"
    r"资企业|企业|厂商|制造商|供应商|领域|今年|目前|同时|近日|日前|同日|会上|现场|此次|本次|"
    r"[在于与和及同由向对为是的将拟如等均也已正并则被把让从到经据其该有])"
)
# Names that end in a suffix but are generic nouns, not a firm.
_GENERIC = re.compile(
    r"^(?:该|本|我|其|子|分|母|上市|总|全资子|控股子|合资|外资|内资|投资|科技|平台|一家|两家|三家|多家|"
    r"这家|各|新|原|该集团|项目|运营|管理|贸易|物流|基金|销售|公司|中国|国内|国际|跨国|龙头|头部|"
    r"央企|国企|民营|本土|旗下|下属|相关|[一二三四五六七八九十两几数多\d]+家?)"
    r"(?:集团|公司|有限公司|集团公司)$"
)


# A "name" made only of sector/descriptor words (生物科技公司, 汽车集团) is a description.
_GENERIC_CORE = re.compile(
    r"^(?:生物|科技|医药|医疗|器械|电子|信息|技术|汽车|新能源|能源|化工|化学|材料|新材料|物流|贸易|"
    r"投资|控股|实业|发展|智能|制造|装备|软件|网络|数字|半导体|芯片|光电|环保|食品|化妆品|日化|服装|"
    r"地产|建设|工程|金融|资本|基金|航空|航运|船舶|机器人|互联网|传媒|文化|健康|跨国|合资|独资|国有|"
    r"民营|上市|龙头|知名|大型|头部|本土|美国|德国|日本|韩国|法国|英国|瑞士|欧洲|国际|中国|全球|"
    r"零部件|精密|仪器|工业|研发|生产|销售|运营|服务|管理|咨询|供应链|母|子|分|总|一家|多家|这家)+$"
)


def clean_name(name: str) -> str:
    return name.strip(" \"'“”‘’「」『』《》()-·,")


@lru_cache(maxsize=20_000)
def norm_key(name: str) -> str:
    """Normalised comparison key: NFKC, Simplified, lower, no region parentheses or suffixes."""
    s = t2s(unicodedata.normalize("NFKC", name)).lower()
    s = re.sub(r"\([^)]*\)", "", s)
    s = re.sub(r"[\s\W_]+", "", s)
    changed = True
    while changed:
        changed = False
        for suf in (
            "股份有限公司",
            "有限责任公司",
            "有限公司",
            "集团公司",
            "集团",
            "公司",
            "股份",
            "corporation",
            "corp",
            "company",
            "co",
            "ltd",
            "limited",
            "inc",
            "llc",
            "gmbh",
            "ag",
            "plc",
            "se",
            "ab",
            "group",
            "holdings",
            "sa",
            "nv",
            "bv",
            "spa",
        ):
            if s.endswith(suf) and len(s) > len(suf) + 1:
                s = s[: -len(suf)]
                changed = True
    return s


def short_forms(name: str) -> list[str]:
    """Short forms under which a full Chinese name is usually repeated later.

    澜启微(上海)半导体有限公司 -> 澜启微, 澜启微半导体;
    岳峰智能装备股份有限公司 -> 岳峰智能装备, 岳峰.
    """
    out: list[str] = []
    n = clean_name(name)
    core = _SUFFIX_STRIP.sub("", n)
    core = _SUFFIX_STRIP.sub("", core)
    m = re.match(r"^([^()]{2,})\(", core)
    if m:
        out.append(m.group(1))
    no_paren = _REGION_PAREN.sub("", core)
    if len(no_paren) >= 2:
        out.append(no_paren)
    # Drop a leading region (上海朗润生物科技 -> 朗润生物科技) and trailing business words.
    stripped = re.sub(r"^(?:上海|北京|深圳|广州|浙江|江苏|中国)", "", no_paren)
    stripped2 = re.sub(
        r"(?:科技|技术|信息技术|信息|智能装备|装备|生物科技|生物医药|生物技术|医疗器械|新材料|材料|"
        r"电子|电池科技|半导体|智能|实业|控股|投资|发展|集团|股份|工业|国际)+$",
        "",
        stripped,
    )
    for s in (stripped, stripped2):
        if len(s) >= 2:
            out.append(s)
    seen: list[str] = []
    for s in out:
        if s not in seen and s != n:
            seen.append(s)
    return seen


def find_legal_names(text: str) -> list[Mention]:
    """Chinese names ending in a legal suffix, grown left from the suffix."""
    out: list[Mention] = []
    last_end = 0
    for m in _SUFFIX_RE.finditer(text):
        end = m.end()
        # Let "有限公司" win over a "公司" found later inside the same name.
        i = m.start()
        depth = 0
        while i > 0 and m.start() - i < 30:
            ch = text[i - 1]
            if ch == ")":
                depth += 1
            elif ch == "(":
                if depth == 0:
                    break
                depth -= 1
            elif not _NAME_CHAR.match(ch):
                break
            i -= 1
        if i < last_end:
            i = last_end
        cand = text[i:end]
        # Cut at the last stop word left of the name (keep text after it).
        best_cut = 0
        for sm in _LEFT_STOP.finditer(
            cand[: -len(m.group(0))] if len(cand) > len(m.group(0)) else ""
        ):
            # Stop words inside parentheses belong to the name.
            if cand[: sm.start()].count("(") > cand[: sm.start()].count(")"):
                continue
            best_cut = sm.end()
        name = cand[best_cut:]
        start = i + best_cut
        while name and name[0] in "()-·&":
            name = name[1:]
            start += 1
        core = name[: -len(m.group(0))]
        if (
            len(_REGION_PAREN.sub("", core)) < 2
            or _GENERIC.match(name)
            or _GENERIC_CORE.match(core)
        ):
            continue
        if re.fullmatch(r"[\d\W]+", core):
            continue
        # Persons' titles after the name do not matter here; only the name span is returned.
        alias = _alias_after(text, end)
        ment = Mention(start, end, name, "legal")
        if alias:
            ment.aliases.append(alias)
        out.append(ment)
        last_end = end
    return out


_ALIAS_RE = re.compile(
    r"\((?:以下简称|以下称|下称|简称)[:：]?[\"“”'「]?([^\"“”'」()]{2,16})[\"“”'」]?\)"
)


def _alias_after(text: str, end: int) -> str | None:
    m = _ALIAS_RE.match(text, end)
    return m.group(1).strip() if m else None


_LATIN_NAME = re.compile(
    r"[A-Z][A-Za-z0-9&'.\-éèüöäÉ]{0,40}"
    r"(?: (?:[A-Z][A-Za-z0-9&'.\-éèüöäÉ]{0,40}|&|de|of|und|et)){0,8}"
)
_LATIN_BLOCK = {
    "AI",
    "EDA",
    "IDM",
    "CDMO",
    "CRO",
    "BaaS",
    "OLED",
    "LED",
    "PCB",
    "IC",
    "GPU",
    "CPU",
    "RNA",
    "DNA",
    "KrF",
    "ArF",
    "EUV",
    "SiC",
    "GaN",
    "IGBT",
    "MOSFET",
    "CEO",
    "CFO",
    "CTO",
    "MoU",
    "MOU",
    "GW",
    "MW",
    "GWh",
    "IPO",
    "ESG",
    "R",
    "D",
    "NEV",
    "EV",
    "BMS",
    "ADAS",
    "IoT",
    "SaaS",
    "AR",
    "VR",
    "XR",
    "OEM",
    "ODM",
    "QFII",
    "ETF",
    "PPP",
    "BOT",
    "CMP",
    "HBM",
    "DRAM",
    "NAND",
    "SoC",
    "MCU",
    "FPGA",
    "ERP",
    "CRM",
    "API",
    "App",
    "APP",
    "Micro",
    "PC",
    "G60",
    "CBD",
}


def find_latin_names_in_zh(text: str) -> list[Mention]:
    """Latin-script firm names inside Chinese text (德国企业Falkner Antriebe在…)."""
    out: list[Mention] = []
    for m in _LATIN_NAME.finditer(text):
        name = m.group(0).rstrip(".-' ")
        if name in _LATIN_BLOCK or len(name) < 3:
            continue
        words = name.split()
        if len(words) == 1 and (name.isupper() and len(name) <= 2):
            continue
        before = text[max(0, m.start() - 4) : m.start()]
        after = text[m.end() : m.end() + 4]
        # Accept when introduced by a descriptor (…企业/公司 X) or followed by a company
        # context (X公司, X在/拟/将/与/也/同样…, X中国区…).
        if re.search(r"[\u4e00-\u9fff]\($", before):
            continue  # a translation in brackets after the Chinese name: 三叶精机(Mitsuha ...)
        intro = re.search(r"(?:企业|公司|集团|品牌|厂商|巨头|制造商|供应商|药企|车企)$", before)
        follow = re.match(
            r"(?:公司|集团|有限|将|拟|计划|在|于|与|也|同样|此次|本次|已|正|的|中国|亚太|相关|目前|"
            r"投资|增资|落户|入驻|签约|全球|创始|总裁|负责人|\))",
            after,
        )
        if intro or (follow and (len(words) >= 2 or not name.isupper() or len(name) >= 3)):
            out.append(Mention(m.start(), m.start() + len(name), name, "latin"))
    return out


class CompanyLinker:
    """Links mentions to known company records by alias, Trad/Simp and rapidfuzz."""

    def __init__(self, known: Sequence[KnownCompany] | None) -> None:
        self.known = list(known or [])
        self.keys: list[str] = []
        self.ids: list[int | str] = []
        self.display: list[str] = []
        for kc in self.known:
            for n in kc.names:
                k = norm_key(n)
                if len(k) >= 2:
                    self.keys.append(k)
                    self.ids.append(kc.id)
                    self.display.append(n)
        self.exact: dict[str, int] = {k: i for i, k in enumerate(self.keys)}

    def __bool__(self) -> bool:
        return bool(self.keys)

    def link(self, name: str) -> int | str | None:
        k = norm_key(name)
        if not k or not self.keys:
            return None
        if k in self.exact:
            return self.ids[self.exact[k]]
        # Very short keys (2-3 characters) only link exactly: fuzzy scores on brands that
        # short are meaningless.
        if len(k) < 3:
            return None
        # A name that starts with the other after dropping suffixes and business words
        # (云翔储能 vs 云翔储能科技) is the same firm; keys shorter than 3 characters never get
        # here because a 2-character brand would match anything.
        for i, key in enumerate(self.keys):
            if len(key) >= 3 and (key.startswith(k) or k.startswith(key)):
                return self.ids[i]
        if len(k) < 4:
            return None
        best = process.extractOne(k, self.keys, scorer=fuzz.ratio, score_cutoff=88)
        if best is None:
            return None
        return self.ids[best[2]]

    def find_in(self, text: str) -> list[Mention]:
        """Occurrences of known names (and their Simplified forms) in normalised text."""
        out: list[Mention] = []
        for i, disp in enumerate(self.display):
            for form in {t2s(unicodedata.normalize("NFKC", disp))}:
                if len(form) < 2:
                    continue
                start = text.find(form)
                while start >= 0:
                    out.append(Mention(start, start + len(form), disp, "known", self.ids[i]))
                    start = text.find(form, start + len(form))
        return out
