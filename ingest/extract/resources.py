"""Reference data (gazetteer, industries, project types), loaded once and cached.

The data files live in the Django apps' ``data`` folders; this module only reads them and
must not import Django.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .textnorm import t2s

ROOT = Path(__file__).resolve().parents[2]

DISTRICTS = ROOT / "geo" / "data" / "districts.csv"
ZONES = ROOT / "geo" / "data" / "zones.csv"
REGIONS = ROOT / "geo" / "data" / "regions_cn.csv"
INDUSTRIES = ROOT / "taxonomy" / "data" / "industries.yaml"
PROJECT_TYPES = ROOT / "taxonomy" / "data" / "project_types.yaml"
STAGES = ROOT / "projects" / "data" / "stages.yaml"
AMOUNT_UNITS = Path(__file__).resolve().parent / "data" / "amount_units.yaml"

# Short forms that the reference notes call highly ambiguous; matching them would create more
# false places than true ones, so they are not used as gazetteer keys.
_AMBIGUOUS_SHORT = {
    "示范区",
    "南大",
    "南西",
    "大学路",
    "临空",
    "世博",
    "进博会",
    "四叶草",
    "真如",
    "G60",
}

# Words that contain a place name but are not that place (from the reference notes): a match
# of the place inside one of these words is rejected.
BLOCKING_WORDS = (
    "黄浦江",
    "普陀山",
    "宝山钢铁",
    "宝钢",
    "金山软件",
    "金山办公",
    "长宁县",
    "普陀区(舟山)",
    "吉林大学",
    "上海大学",
    "南京大学",
)


@dataclass(frozen=True)
class Place:
    name: str  # the canonical Simplified name
    code: str  # GB/T 2260 code where known ("" otherwise)
    kind: str
    level: int  # 0 country-level/province, 1 prefecture, 2 district/county, 3 zone


@dataclass
class Gazetteer:
    by_first: dict[str, list[tuple[str, Place]]] = field(default_factory=dict)
    names: dict[str, Place] = field(default_factory=dict)

    def add(self, key: str, place: Place) -> None:
        key = t2s(key.strip())
        if len(key) < 2 or key in _AMBIGUOUS_SHORT:
            return
        old = self.names.get(key)
        # Keep the more specific entry when two rows share a key (e.g. a zone short form that
        # equals a district short form).
        if old is not None and old.level >= place.level:
            return
        self.names[key] = place

    def freeze(self) -> None:
        self.by_first = {}
        for key, place in self.names.items():
            self.by_first.setdefault(key[0], []).append((key, place))
        for lst in self.by_first.values():
            lst.sort(key=lambda kv: -len(kv[0]))


def _split(cell: str | None) -> list[str]:
    return [p.strip() for p in (cell or "").split("|") if p.strip()]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Chinese place names (Simplified keys) -> Place, longest match first."""
    gz = Gazetteer()
    district_code: dict[str, str] = {}
    for r in _read_csv(REGIONS):
        kind = r.get("kind", "")
        level = 0 if r["code"].endswith("0000") else (1 if r["code"].endswith("00") else 2)
        place = Place(r["name_zh_hans"], r["code"], kind, level)
        gz.add(r["name_zh_hans"], place)
        for s in _split(r.get("short_forms")):
            gz.add(s, place)
    for r in _read_csv(DISTRICTS):
        kind = r.get("kind", "")
        code = r.get("code", "")
        if kind == "former_district" and r.get("successor"):
            code = ""
        place = Place(r["name_zh_hans"], code, kind, 0 if kind == "municipality" else 2)
        district_code[r["name_zh_hans"]] = code
        gz.add(r["name_zh_hans"], place)
        for s in _split(r.get("short_forms")):
            gz.add(s, place)
    for r in _read_csv(DISTRICTS):
        if r.get("kind") == "former_district" and r.get("successor"):
            succ = r["successor"]
            code = district_code.get(succ) or district_code.get(succ + "区", "")
            place = Place(r["name_zh_hans"], code, "former_district", 2)
            gz.names[t2s(r["name_zh_hans"])] = place
            for s in _split(r.get("short_forms")):
                if len(s) >= 2:
                    gz.names[t2s(s)] = place
    for r in _read_csv(ZONES):
        code = district_code.get(r.get("district", ""), "")
        place = Place(r["name_zh_hans"], code, r.get("kind", "zone"), 3)
        gz.add(r["name_zh_hans"], place)
        for s in _split(r.get("short_forms")):
            gz.add(s, place)
    gz.freeze()
    return gz


@lru_cache(maxsize=1)
def english_place_codes() -> tuple[tuple[str, str], ...]:
    """English place names (lower case) -> GB/T 2260 code, longest name first.

    Shanghai districts under their full and short names ("Songjiang District", "Songjiang"),
    zones under their English names (mapped to their primary district) and Chinese cities.
    """
    codes: dict[str, str] = {}
    district_code: dict[str, str] = {}
    for r in _read_csv(DISTRICTS):
        if r.get("kind") != "district" or not r.get("code"):
            continue
        district_code[r["name_zh_hans"]] = r["code"]
        name = r["name_en"].lower()
        codes[name] = r["code"]
        for suffix in (" new area", " district"):
            if name.endswith(suffix):
                codes.setdefault(name.removesuffix(suffix), r["code"])
    for r in _read_csv(ZONES):
        code = district_code.get(r.get("district", ""), "")
        if code and r.get("name_en"):
            codes.setdefault(r["name_en"].lower(), code)
    for r in _read_csv(REGIONS):
        if r.get("name_en") and not r["code"].endswith("0000"):
            codes.setdefault(r["name_en"].split(" (")[0].lower(), r["code"])
    return tuple(sorted(codes.items(), key=lambda kv: -len(kv[0])))


def _load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass(frozen=True)
class Industry:
    code: str
    name: str
    terms: tuple[str, ...]  # names, aliases and strong keywords (Simplified), longest first
    keywords_en: tuple[str, ...]


@lru_cache(maxsize=1)
def industries() -> list[Industry]:
    data = _load_yaml(INDUSTRIES)
    out: list[Industry] = []

    def visit(node: dict[str, Any]) -> None:
        terms: set[str] = set()
        name = node.get("name", {})
        for key in ("zh-Hans", "zh-Hant"):
            if name.get(key):
                terms.add(t2s(str(name[key])).split("(")[0])
        for key in ("aliases", "aliases_hant", "keywords", "keywords_hant"):
            for t in node.get(key) or []:
                terms.add(t2s(str(t)))
        terms = {t for t in terms if len(t) >= 2}
        en = tuple(str(k).lower() for k in node.get("keywords_en") or [])
        out.append(
            Industry(
                code=str(node["code"]),
                name=str(name.get("zh-Hans", node["code"])),
                terms=tuple(sorted(terms, key=len, reverse=True)),
                keywords_en=en,
            )
        )
        for sub in node.get("subtracks") or []:
            visit(sub)

    for cat in data.get("categories") or []:
        visit(cat)
    return out


# Our project_types.yaml codes -> the evaluation's project_type vocabulary.
_PT_MAP = {
    "headquarters": "HQ",
    "rd_center": "R&D",
    "manufacturing": "manufacturing",
    "supply_chain": "logistics",
    "sales_operations": "sales",
    "retail": "sales",
    "shared_services": "sales",
    "customer_contact": "sales",
    "technical_support": "sales",
    "maintenance": "manufacturing",
    "training": "R&D",
    "industrial_park": "industrial_park",
    "infrastructure_energy": "energy",
    "recycling": "manufacturing",
    "financial_institution": "fund",
    "business_services": "sales",
    "construction_project": "infrastructure",
}


@lru_cache(maxsize=1)
def project_type_signals() -> list[tuple[str, str]]:
    """(signal phrase, eval project_type) pairs, longest phrase first."""
    data = _load_yaml(PROJECT_TYPES)
    pairs: dict[str, str] = {}

    def visit(node: dict[str, Any], code: str) -> None:
        for key in ("signals", "signals_hant"):
            for s in node.get(key) or []:
                s2 = t2s(str(s))
                if len(s2) >= 2 and s2 not in pairs:
                    pairs[s2] = code
        for sub in node.get("subtypes") or []:
            visit(sub, code)

    for pt in data.get("project_types") or []:
        code = _PT_MAP.get(str(pt.get("code")), "")
        if code:
            visit(pt, code)
    # Generic but very common phrases that the signal lists leave out.
    for s, c in (
        ("研发", "R&D"),
        ("生产基地", "manufacturing"),
        ("工厂", "manufacturing"),
        ("厂房", "manufacturing"),
        ("生产线", "manufacturing"),
        ("增资", "capital_increase"),
        ("产业园", "industrial_park"),
        ("产业基地", "industrial_base"),
        ("算力中心", "infrastructure"),
        ("数据中心", "infrastructure"),
    ):
        pairs.setdefault(s, c)
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))
