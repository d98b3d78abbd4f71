"""Load the project's geo data files (geo/data/*.csv) into the database, idempotently."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from geo.models import City, District, Province, Zone

DATA_DIR = Path(__file__).resolve().parent / "data"
PROVINCIAL_KINDS = {"municipality", "province", "autonomous_region", "sar"}


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _names(row: dict[str, str]) -> dict[str, str]:
    return {
        "name_zh_hans": row["name_zh_hans"],
        "name_zh_hant": row["name_zh_hant"],
        "name_en": row["name_en"],
    }


@transaction.atomic
def load_regions() -> tuple[int, int]:
    rows = _rows("regions_cn.csv")
    provinces: dict[str, Province] = {}
    for row in rows:
        if row["kind"] not in PROVINCIAL_KINDS:
            continue
        provinces[row["code"]], _ = Province.objects.update_or_create(
            code=row["code"],
            defaults={
                **_names(row),
                "short_forms": _split(row["short_forms"]),
                "short_forms_hant": _split(row["short_forms_hant"]),
                "abbr": _split(row["abbr"]),
                "kind": row["kind"],
                "clusters": _split(row["clusters"]),
            },
        )
    cities = 0
    for row in rows:
        if row["kind"] in PROVINCIAL_KINDS:
            continue
        province = provinces[row["code"][:2] + "0000"]
        City.objects.update_or_create(
            code=row["code"],
            defaults={
                **_names(row),
                "province": province,
                "short_forms": _split(row["short_forms"]),
                "short_forms_hant": _split(row["short_forms_hant"]),
                "kind": row["kind"],
                "admin_ranks": _split(row["admin_rank"]),
                "clusters": _split(row["clusters"]),
                "major": row["major"] == "1",
            },
        )
        cities += 1
    return len(provinces), cities


@transaction.atomic
def load_districts() -> int:
    shanghai = Province.objects.get(code="310000")
    rows = [r for r in _rows("districts.csv") if r["kind"] in {"district", "former_district"}]
    by_name: dict[str, District] = {}
    for row in rows:
        by_name[row["name_zh_hans"]], _ = District.objects.update_or_create(
            name_zh_hans=row["name_zh_hans"],
            defaults={
                "name_zh_hant": row["name_zh_hant"],
                "name_en": row["name_en"],
                "code": row["code"] or None,
                "province": shanghai,
                "short_forms": _split(row["short_forms"]),
                "short_forms_hant": _split(row["short_forms_hant"]),
                "kind": row["kind"],
                "notes": row["notes"],
            },
        )
    for row in rows:
        if row["successor"]:
            district = by_name[row["name_zh_hans"]]
            district.successor = by_name[row["successor"]]
            district.save(update_fields=["successor"])
    return len(rows)


@transaction.atomic
def load_zones() -> int:
    districts = {d.name_zh_hans: d for d in District.objects.all()}
    rows = _rows("zones.csv")
    zones: dict[str, Zone] = {}
    for row in rows:
        zone, _ = Zone.objects.update_or_create(
            slug=row["zone_id"],
            defaults={
                **_names(row),
                "kind": row["kind"],
                "district": districts[row["district"]] if row["district"] else None,
                "short_forms": _split(row["short_forms"]),
                "short_forms_hant": _split(row["short_forms_hant"]),
                "notes": row["notes"],
                "source": row["source"][:300],
            },
        )
        zone.districts.set([districts[name] for name in _split(row["districts_all"])])
        zones[row["zone_id"]] = zone
    for row in rows:
        if row["parent_zone"]:
            zone = zones[row["zone_id"]]
            zone.parent = zones[row["parent_zone"]]
            zone.save(update_fields=["parent"])
    return len(rows)
