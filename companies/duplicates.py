"""Finding companies that are probably the same investor under different spellings.

Names are compared through keys, from strict to loose:

* ``fold``: NFKC (full-width → half-width), Traditional → Simplified, lower case, no spaces;
* ``base``: the folded name without its legal form (有限公司, 股份有限公司, Co., Ltd.) and
  without a region in brackets (某某(上海)有限公司 → 某某);
* ``loose``: the base key without a leading region name as well (上海某某 → 某某);
* ``en``: an English name without punctuation and legal form (BYD Co., Ltd. → byd).

Exact key matches are found through dictionaries; near matches (typos, an extra word) by
rapidfuzz, but only inside small blocks of names sharing their first or last two
characters, so a scan of 100,000 companies stays linear in practice.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from core.text import fold

# --------------------------------------------------------------------------- keys

LEGAL_SUFFIXES_ZH = (
    "集团股份有限公司",
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "股份公司",
    "(有限合伙)",
    "有限合伙",
    "合伙企业",
    "集团公司",
    "总公司",
    "公司",
    "集团",
    "控股",
)
LEGAL_SUFFIXES_EN = (
    "co",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "company",
    "gmbh",
    "ag",
    "plc",
    "llc",
    "llp",
    "sa",
    "bv",
    "nv",
    "kk",
    "se",
    "spa",
    "srl",
    "pte",
    "pty",
    "holdings",
    "holding",
    "group",
    "the",
)
_STATIC_REGIONS = (
    "中国",
    "上海",
    "北京",
    "天津",
    "重庆",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
    "内蒙古",
    "黑龙江",
    "吉林",
    "辽宁",
    "河北",
    "山西",
    "香港",
    "澳门",
    "台湾",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "武汉",
    "成都",
    "西安",
    "厦门",
    "宁波",
    "青岛",
    "大连",
    "无锡",
    "合肥",
    "长沙",
    "郑州",
    "济南",
    "亚太",
    "亚洲",
    "中国区",
    "大中华区",
    "浦东",
    "临港",
)
BLOCK = 500  # the most names compared with each other in one fuzzy block
_BRACKETS = re.compile(r"[(\[【（]([^)\]】）]{1,12})[)\]】）]")
_PUNCT = re.compile(r"[\s.,'’\"&\-_/·•()（）\[\]【】]+")


@lru_cache(maxsize=1)
def region_words() -> tuple[str, ...]:
    """Region names that may prefix or follow a company name; longest first."""
    words = set(_STATIC_REGIONS)
    try:
        from geo.models import City, District, Province

        for model in (Province, City, District):
            for name, shorts in model.objects.values_list("name_zh_hans", "short_forms"):
                words.add(name)
                words.update(s for s in shorts or [] if len(s) >= 2)
    except Exception:
        pass
    return tuple(sorted({fold(w) for w in words if w}, key=len, reverse=True))


def _strip_suffixes(key: str) -> str:
    changed = True
    while changed and key:
        changed = False
        for suffix in LEGAL_SUFFIXES_ZH:
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
                changed = True
    return key


def base_key(name: str) -> str:
    """Folded name without legal form and without a bracketed region."""
    key = fold(name)
    if not key:
        return ""
    regions = set(region_words())

    def drop_region(m: re.Match[str]) -> str:
        inner = m.group(1)
        return "" if inner in regions or inner.rstrip("市省区") in regions else m.group(0)

    key = _BRACKETS.sub(drop_region, key)
    key = _strip_suffixes(key)
    key = _PUNCT.sub("", key)
    return _strip_suffixes(key)


@lru_cache(maxsize=1)
def _region_lookup() -> tuple[frozenset[str], tuple[int, ...]]:
    words = region_words()
    return frozenset(words), tuple(sorted({len(w) for w in words}, reverse=True))


def loose_key(name: str) -> str:
    """The base key without a leading region name (上海某某科技 → 某某科技)."""
    return _loose_from_base(base_key(name))


def _loose_from_base(key: str) -> str:
    words, lengths = _region_lookup()
    for n in lengths:
        if len(key) - n >= 3 and key[:n] in words:
            return key[n:].removeprefix("市").removeprefix("省")
    return key


def en_key(name: str) -> str:
    """An English name without punctuation, legal form or case (BYD Co., Ltd. → byd)."""
    if not name or not re.search(r"[A-Za-z]", name):
        return ""
    text = unicodedata.normalize("NFKC", name).lower().replace("&", " and ")
    words = [w for w in re.split(r"[^0-9a-z]+", text) if w]
    while words and words[-1] in LEGAL_SUFFIXES_EN:
        words.pop()
    while words and words[0] == "the":
        words.pop(0)
    return " ".join(words)


# --------------------------------------------------------------------------- index


@dataclass(frozen=True)
class CompanyCandidate:
    """A company that may be the same as the one asked about, with a score and reasons."""

    company_id: int
    name: str
    score: float
    reasons: tuple[str, ...]


@dataclass
class _Entry:
    pk: int
    name: str
    code: str
    survivor: int


class CompanyIndex:
    """All companies' keys in memory: exact lookups by dictionary, fuzzy ones by block."""

    def __init__(self) -> None:
        self.entries: dict[int, _Entry] = {}
        self.by_code: dict[str, int] = {}
        self.by_fold: dict[str, set[int]] = defaultdict(set)
        self.by_base: dict[str, set[int]] = defaultdict(set)
        self.by_loose: dict[str, set[int]] = defaultdict(set)
        self.by_en: dict[str, set[int]] = defaultdict(set)
        self.base_of: dict[int, str] = {}
        self.blocks: dict[str, set[int]] = defaultdict(set)

    # ---- building

    @classmethod
    def from_queryset(cls, queryset: Any = None) -> CompanyIndex:
        from companies.models import Company

        qs = queryset if queryset is not None else Company.objects.all()
        index = cls()
        rows = qs.values_list(
            "pk",
            "name_zh_hans",
            "name_zh_hant",
            "name_en",
            "aliases",
            "credit_code",
            "duplicate_of_id",
        )
        for pk, hans, hant, en, aliases, code, dup in rows.iterator(chunk_size=5000):
            index.add(pk, hans, hant=hant, en=en, aliases=aliases or [], code=code, dup=dup)
        return index

    def add(
        self,
        pk: int,
        name: str,
        *,
        hant: str = "",
        en: str = "",
        aliases: Iterable[str] = (),
        code: str | None = None,
        dup: int | None = None,
    ) -> None:
        self.entries[pk] = _Entry(pk, name, code or "", dup or pk)
        if code:
            self.by_code[code.upper()] = pk
        base = ""
        for n in (name, hant, *aliases):
            if not n:
                continue
            self.by_fold[fold(n)].add(pk)
            b = base_key(n)
            if b:
                self.by_base[b].add(pk)
                base = base or b
            lk = _loose_from_base(b)
            if lk:
                self.by_loose[lk].add(pk)
            ek = en_key(n)
            if ek:
                self.by_en[ek].add(pk)
        if en:
            ek = en_key(en)
            if ek:
                self.by_en[ek].add(pk)
        if base:
            self.base_of[pk] = base
            if len(base) >= 3:
                self.blocks["p" + base[:2]].add(pk)
                self.blocks["s" + base[-2:]].add(pk)

    def survivor(self, pk: int) -> int:
        seen = set()
        while pk in self.entries and self.entries[pk].survivor != pk and pk not in seen:
            seen.add(pk)
            pk = self.entries[pk].survivor
        return pk

    # ---- lookups

    def exact(self, name: str, code: str | None = None) -> int | None:
        """The company with this credit code, or else with exactly this (folded) name."""
        if code:
            pk = self.by_code.get(code.strip().upper())
            if pk is not None:
                return self.survivor(pk)
        ids = self.by_fold.get(fold(name)) if name else None
        if ids:
            return self.survivor(min(ids))
        return None

    def candidates(
        self,
        name: str = "",
        *,
        credit_code: str | None = "",
        name_en: str = "",
        aliases: Sequence[str] = (),
        exclude_id: int | None = None,
        min_score: float = 80,
        fuzzy: bool = True,
        limit: int = 10,
    ) -> list[CompanyCandidate]:
        found: dict[int, tuple[float, list[str]]] = {}

        def hit(pks: Iterable[int], score: float, reason: str) -> None:
            for pk in pks:
                pk = self.survivor(pk)
                if pk == exclude_id or pk not in self.entries:
                    continue
                old = found.get(pk)
                if old is None:
                    found[pk] = (score, [reason])
                else:
                    if reason not in old[1]:
                        old[1].append(reason)
                    found[pk] = (max(old[0], score), old[1])

        if credit_code:
            pk = self.by_code.get(credit_code.strip().upper())
            if pk is not None:
                hit([pk], 100, _("same credit code"))
        names = [n for n in (name, *aliases) if n]
        bases: list[str] = []
        for n in names:
            hit(self.by_fold.get(fold(n), ()), 97, _("same name (Traditional/Simplified, width)"))
            b = base_key(n)
            if b:
                bases.append(b)
                hit(
                    self.by_base.get(b, ()),
                    92,
                    _("same name apart from legal form or region in brackets"),
                )
            lk = loose_key(n)
            if lk and len(lk) >= 2:
                hit(self.by_loose.get(lk, ()), 85, _("same name apart from a region"))
            ek = en_key(n)
            if ek:
                hit(self.by_en.get(ek, ()), 90, _("same English name"))
        if name_en:
            ek = en_key(name_en)
            if ek:
                hit(self.by_en.get(ek, ()), 90, _("same English name"))
                hit(self.by_base.get(base_key(name_en), ()), 90, _("same English name"))
        if fuzzy and bases:
            for b in bases:
                if len(b) < 3:
                    continue
                pool = self.blocks.get("p" + b[:2], set()) | self.blocks.get("s" + b[-2:], set())
                choices = {
                    pk: self.base_of[pk] for pk in pool if abs(len(self.base_of[pk]) - len(b)) <= 4
                }
                for _key, ratio, pk in process.extract(
                    b, choices, scorer=fuzz.ratio, score_cutoff=85, limit=limit * 2
                ):
                    hit([pk], round(ratio * 0.9, 1), _("similar name ({n}%)").format(n=int(ratio)))
        out = [
            CompanyCandidate(pk, self.entries[pk].name, score, tuple(reasons))
            for pk, (score, reasons) in found.items()
            if score >= min_score
        ]
        out.sort(key=lambda c: (-c.score, c.company_id))
        return out[:limit]

    # ---- the full scan

    def scan(self, min_score: float = 85) -> list[tuple[int, int, float, tuple[str, ...]]]:
        """Every pair of distinct (unmerged) companies that look like duplicates."""
        pairs: dict[tuple[int, int], tuple[float, list[str]]] = {}

        def add_group(ids: Iterable[int], score: float, reason: str) -> None:
            live = sorted({self.survivor(pk) for pk in ids})
            if len(live) < 2 or len(live) > 200:
                return  # a key shared by hundreds of companies is not a useful signal
            for i, a in enumerate(live):
                for b in live[i + 1 :]:
                    old = pairs.get((a, b))
                    if old is None:
                        pairs[(a, b)] = (score, [reason])
                    else:
                        if reason not in old[1]:
                            old[1].append(reason)
                        pairs[(a, b)] = (max(old[0], score), old[1])

        codes: dict[str, set[int]] = defaultdict(set)
        for e in self.entries.values():
            if e.code:
                codes[e.code].add(e.pk)
        reasons = [
            (codes, 100, _("same credit code")),
            (self.by_fold, 97, _("same name (Traditional/Simplified, width)")),
            (self.by_base, 92, _("same name apart from legal form or region in brackets")),
            (self.by_en, 90, _("same English name")),
            (self.by_loose, 85, _("same name apart from a region")),
        ]
        for table, score, reason in reasons:
            for ids in table.values():
                if len(ids) > 1:
                    add_group(ids, score, reason)
        self._scan_fuzzy(pairs, min_score)
        return sorted(
            (
                (a, b, score, tuple(reasons))
                for (a, b), (score, reasons) in pairs.items()
                if score >= min_score
            ),
            key=lambda p: (-p[2], p[0], p[1]),
        )

    def _scan_fuzzy(
        self, pairs: dict[tuple[int, int], tuple[float, list[str]]], min_score: float
    ) -> None:
        """Near spellings, compared only inside blocks of at most BLOCK names that share
        their first two (or last two) characters; a crowded block is split again on three."""
        cutoff = max(85.0, min_score / 0.9)
        label = _("similar name ({n}%)")
        blocks: dict[str, list[int]] = defaultdict(list)
        for pk, key in self.base_of.items():
            if self.survivor(pk) != pk or len(key) < 3:
                continue
            blocks["p" + key[:2]].append(pk)
            blocks["s" + key[-2:]].append(pk)
        groups: list[list[int]] = []
        for name, ids in blocks.items():
            if len(ids) < 2:
                continue
            if len(ids) <= BLOCK:
                groups.append(ids)
                continue
            sub: dict[str, list[int]] = defaultdict(list)
            for pk in ids:
                key = self.base_of[pk]
                sub[key[:3] if name[0] == "p" else key[-3:]].append(pk)
            groups.extend(g for g in sub.values() if 1 < len(g) <= BLOCK)
        for group in groups:
            choices = {pk: self.base_of[pk] for pk in group}
            for a in group:
                for _key, ratio, b in process.extract(
                    choices[a], choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
                ):
                    if b <= a or (a, b) in pairs:
                        continue
                    pairs[(a, b)] = (round(ratio * 0.9, 1), [label.format(n=int(ratio))])


# --------------------------------------------------------------------------- public API


def find_company_duplicates(
    name: str = "",
    *,
    credit_code: str | None = "",
    name_en: str = "",
    name_zh_hant: str = "",
    aliases: Sequence[str] = (),
    exclude_id: int | None = None,
    index: CompanyIndex | None = None,
    min_score: float = 80,
    limit: int = 10,
) -> list[CompanyCandidate]:
    """Companies that may be the same as the one described, best first.

    Call it when a company is created by hand, by the API, by an import or when an
    extracted candidate is accepted. Without an ``index`` it reads only the companies that
    share a key fragment with the given names (a few indexed queries), not the whole table.
    """
    all_names = [n for n in (name, name_zh_hant, *aliases) if n]
    if index is None:
        index = _small_index(all_names, credit_code or "", name_en)
    return index.candidates(
        name,
        credit_code=credit_code,
        name_en=name_en,
        aliases=[n for n in (name_zh_hant, *aliases) if n],
        exclude_id=exclude_id,
        min_score=min_score,
        limit=limit,
    )


def _small_index(names: Sequence[str], credit_code: str, name_en: str) -> CompanyIndex:
    from django.db.models import Q

    from companies.models import Company

    cond = Q(pk__in=[])
    if credit_code:
        cond |= Q(credit_code=credit_code.strip().upper())
    for n in [*names, name_en]:
        for key in {base_key(n), loose_key(n), en_key(n)}:
            if key:
                # Each key fragment is searched in the folded search key; the first and last
                # two characters also bring in near spellings for the fuzzy comparison.
                cond |= Q(search_key__contains=key)
                if len(key) >= 4:
                    cond |= Q(search_key__contains=key[:2]) & Q(search_key__contains=key[-2:])
    return CompanyIndex.from_queryset(Company.objects.filter(cond)[:5000])


def scan_company_duplicates(
    queryset: Any = None, *, min_score: float = 85
) -> list[tuple[int, int, float, tuple[str, ...]]]:
    """All likely duplicate pairs among companies (a, b, score, reasons), a < b."""
    return CompanyIndex.from_queryset(queryset).scan(min_score=min_score)
