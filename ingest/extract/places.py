"""Places: gazetteer look-up (longest match first) and trigger patterns (在X建设, 落户X, in X).

Gold locations are "as written", so we report the written span (e.g. 奉贤装备产业园) and map it
to a GB/T 2260 district code through the gazetteer where possible.
"""

from __future__ import annotations

import re

from .resources import BLOCKING_WORDS, Place, english_place_codes, gazetteer

_SUFFIX = re.compile(
    r"(?:区|县|市|镇|乡|街道|村|园|园区|港|湾|城|新城|片区|基地|岛|海域|州|省|开发区|科学城|"
    r"CBD|核心区|产业区|北区|南区|保税区|工业区|社区|谷|中心区|码头|港区|园区内)$"
)
_NOT_PLACE = re.compile(
    r"^(?:现场|会上|会议|活动|大会|仪式|期间|今年|明年|去年|当天|当日|此|该|这|其|本|全市|全区|全县|"
    r"领域|方面|行业|产业|国内|国际|全球|海外|境外|年内|未来|目前|项目|企业|公司|原有|原|下半年|"
    r"上半年|中|上|谈|建|[\d一二三四五六七八九十两])"
)

_TRIGGER_ZH = re.compile(
    r"(?:在|于|落户|落地|入驻|位于|选址|迁至|迁入|进驻|扎根|落子|到)"
    r"(?P<loc>[^,;。、:\s]{2,24}?)"
    r"(?=建设|新建|扩建|建成|投资|打造|设立|布局|扩充|扩产|开展|举行|成立|签约|签署|开工|动工|动土|"
    r"破土|生产|导入|规划|实施|推进|增资|引进|发展|建立|投建|兴建|建|设|举办|开设|落地|打下|的|"
    r"[,;。、:]|$)"
)


def _matches(text: str) -> list[tuple[int, int, str, Place]]:
    """Gazetteer matches, longest first at each position, skipping blocking words."""
    gz = gazetteer()
    out: list[tuple[int, int, str, Place]] = []
    i = 0
    n = len(text)
    while i < n:
        cands = gz.by_first.get(text[i])
        hit = None
        if cands:
            for key, place in cands:
                if text.startswith(key, i):
                    hit = (i, i + len(key), key, place)
                    break
        if hit is not None:
            blocked = False
            for bw in BLOCKING_WORDS:
                j = text.find(bw, max(0, i - len(bw)), i + len(bw) + len(hit[2]))
                if j >= 0 and j <= i < j + len(bw) and len(bw) > len(hit[2]):
                    blocked = True
                    break
            if not blocked:
                out.append(hit)
                i = hit[1]
                continue
        i += 1
    return out


def first_place_in(text: str) -> tuple[int, int, str] | None:
    ms = _matches(text)
    return (ms[0][0], ms[0][1], ms[0][2]) if ms else None


def is_place(name: str) -> bool:
    gz = gazetteer()
    return name in gz.names or bool(
        _matches(name) and _matches(name)[0][1] - _matches(name)[0][0] == len(name)
    )


def looks_like_place(cand: str) -> bool:
    if not cand or _NOT_PLACE.match(cand):
        return False
    if _SUFFIX.search(cand):
        return True
    return bool(_matches(cand))


def district_code(loc: str) -> str | None:
    """The most specific code found in a place span (zone -> its primary district)."""
    best: Place | None = None
    for _s, _e, _k, place in _matches(loc):
        if place.code and (best is None or place.level >= best.level):
            best = place
    if best is not None:
        return best.code
    if any("a" <= ch.lower() <= "z" for ch in loc):
        # English text names places in English ("Songjiang District, Shanghai").
        lowered = loc.lower()
        for name, code in english_place_codes():
            index = lowered.find(name)
            if index >= 0 and _word_bounded(lowered, index, index + len(name)):
                return code
    return None


def _word_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def find_location_zh(
    text: str, start: int, end: int, skip: list[tuple[int, int]]
) -> tuple[int, int, str] | None:
    """The place of a project frame: a trigger phrase first, then a gazetteer match."""
    for m in _TRIGGER_ZH.finditer(text, start, end):
        loc = m.group("loc")
        ls = m.start("loc")
        if any(s < ls + len(loc) and ls < e for s, e in skip):
            continue
        # Trim trailing function words that the lazy match may include.
        loc = re.sub(r"(?:分别|共同|正式|同步|再|也|将|拟|计划)$", "", loc)
        loc = re.sub(r"^(?:上述|当地|本地)", "", loc)
        inner = max(loc.rfind("在"), loc.rfind("于"))
        if inner >= 0:
            ls += inner + 1
            loc = loc[inner + 1 :]
        strong = re.match(
            r"新建|建设|扩建|兴建|投建|投资|设立|打造", text[m.end("loc") : m.end("loc") + 2]
        )
        if len(loc) >= 2 and (
            looks_like_place(loc)
            or (
                strong
                and len(loc) <= 12
                and not _NOT_PLACE.match(loc)
                and not re.search(r"[的了是将拟对与和为把被从向也已]|领域|方面|现场", loc)
            )
        ):
            ls = m.start("loc") + m.group("loc").find(loc)
            return ls, ls + len(loc), loc
    seg = text[start:end]
    for s, e, _key, _place in _matches(seg):
        gs, ge = start + s, start + e
        if any(a < ge and gs < b for a, b in skip):
            continue
        # Places named as origin ("来自深圳的") are not the project's place.
        if re.search(r"来自$|总部位于$|总部在$", text[max(start, gs - 4) : gs]):
            continue
        # Extend to a following place suffix (嘉定 + 工业区北区).
        m2 = re.match(
            r"[\u4e00-\u9fff]{0,8}?(?:区|镇|街道|园区|园|新城|片区|港)", text[ge : min(end, ge + 9)]
        )
        if m2 and not re.search(r"[的在于和与及]", m2.group(0)):
            ge += m2.end()
        return gs, ge, text[gs:ge]
    return None


_EN_LOC = re.compile(
    r"\b(?:in|at|near|outside)\s+(?:the\s+|nearby\s+|neighboring\s+|neighbouring\s+|northern\s+|"
    r"southern\s+|eastern\s+|western\s+|central\s+)?"
    r"(?P<loc>[A-Z][\w'.-]{0,40}(?:\s(?:[A-Z][\w'.-]{0,40}|de|del|la|do)){0,6}"
    r"(?:\s(?:province|county|prefecture|state|city|district)'s\s[A-Z][\w-]{0,40}"
    r"(?:\s[A-Z][\w-]{0,40}){0,5})?"
    r"(?:\s(?:industrial park|industrial zone|free zone|economic zone|county|province|park))?)"
)
_EN_NOT_LOC = re.compile(
    r"^(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|The|This|Q[1-4]|North America|"
    r"Europe|Asia|Africa|Latin America|[A-Z]{2,5})\b"
)
_EN_COUNTRY = re.compile(
    r"^(?:China|Germany|Japan|Korea|South Korea|United States|Mexico|Poland|Hungary|Vietnam|Serbia|"
    r"Morocco|India|Texas|Ohio|Georgia|Indiana|Michigan|California|Tennessee|South Carolina|"
    r"North Carolina|Kentucky|Alabama|Arizona|Taiwan|Thailand|Malaysia|Indonesia|Canada|Spain|"
    r"France|Italy|Czech Republic|Slovakia|Romania|Turkey|Brazil)$"
)


_EN_ITS = re.compile(
    r"\bits (?P<loc>[A-Z][\w'-]{0,40}(?: [A-Z][\w'-]{0,40})?) "
    r"(?:plant|factory|foundry|facility|mill|site|campus|operations)"
)


def find_location_en(text: str, start: int, end: int, after: int) -> tuple[int, int, str] | None:
    best: tuple[int, int, str] | None = None
    best_score = -1
    im = _EN_ITS.search(text, start, end)
    if im and not _EN_NOT_LOC.match(im.group("loc")):
        best = (im.start("loc"), im.end("loc"), im.group("loc"))
        best_score = 1
    for m in _EN_LOC.finditer(text, start, end):
        loc = m.group("loc").rstrip(".'")
        if _EN_NOT_LOC.match(loc):
            continue
        ls = m.start("loc")
        score = 1
        if ls >= after:
            score += 1
        if re.search(
            r"(?:plant|facility|factory|fab|site|park|mill|centre|center|hub|operations)\W+"
            r"(?:\w+\W+){0,2}$",
            text[max(start, ls - 30) : ls],
            re.I,
        ):
            score += 2
        if _EN_COUNTRY.match(loc):
            score -= 2
        if score > best_score:
            best_score = score
            best = (ls, ls + len(loc), loc)
    return best
