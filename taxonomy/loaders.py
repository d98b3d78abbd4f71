"""Load the taxonomy data files (taxonomy/data/*.yaml) into the database, idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from taxonomy.models import BusinessActivity, Honour, Industry, ProjectType

DATA_DIR = Path(__file__).resolve().parent / "data"


def _load(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict) or data.get("schema_version") != 1:
        raise ValueError(f"{name}: expected a mapping with schema_version: 1")
    return data


def _names(node: dict[str, Any]) -> dict[str, str]:
    name = node["name"]
    return {
        "name_zh_hans": name["zh-Hans"],
        "name_zh_hant": name.get("zh-Hant") or "",
        "name_en": name.get("en") or "",
    }


@transaction.atomic
def load_industries() -> int:
    data = _load("industries.yaml")
    order = 0
    groups: dict[str, Industry] = {}
    for group in data["groups"]:
        order += 1
        groups[group["code"]], _ = Industry.objects.update_or_create(
            code=group["code"],
            defaults={
                **_names(group),
                "level": Industry.Level.GROUP,
                "parent": None,
                "framework_part": group.get("framework_part") or "",
                "sort_order": order,
                "note": group.get("note") or "",
            },
        )
    count = len(groups)

    def save(node: dict[str, Any], parent: Industry, level: str) -> None:
        nonlocal order, count
        order += 1
        count += 1
        industry, _ = Industry.objects.update_or_create(
            code=node["code"],
            defaults={
                **_names(node),
                "level": level,
                "parent": parent,
                "sort_order": order,
                "aliases": node.get("aliases", []),
                "keywords": node.get("keywords", []),
                "keywords_hant": node.get("keywords_hant", []),
                "weak_keywords": node.get("weak_keywords", []),
                "keywords_en": node.get("keywords_en", []),
                "gbt4754": node.get("gbt4754", []),
                "fdi_sectors": node.get("fdi_sectors", []),
                "note": node.get("note") or "",
            },
        )
        for sub in node.get("subtracks", []) or []:
            save(sub, industry, Industry.Level.SUBTRACK)

    for category in data["categories"]:
        save(category, groups[category["group"]], Industry.Level.CATEGORY)
    return count


@transaction.atomic
def load_project_types() -> tuple[int, int]:
    data = _load("project_types.yaml")
    order = 0
    activities = 0

    def save(node: dict[str, Any], parent: BusinessActivity | None) -> None:
        nonlocal order, activities
        order += 1
        activities += 1
        activity, _ = BusinessActivity.objects.update_or_create(
            code=node["code"],
            defaults={
                **_names(node),
                "parent": parent,
                "signals": node.get("signals", []),
                "signals_hant": node.get("signals_hant", []),
                "fdi_activities": node.get("fdi_business_activity", []),
                "sort_order": order,
            },
        )
        for sub in node.get("subtypes", []) or []:
            save(sub, activity)

    for node in data["project_types"]:
        save(node, None)
    for index, mode in enumerate(data["investment_modes"], start=1):
        ProjectType.objects.update_or_create(
            code=mode["code"],
            defaults={
                **_names(mode),
                "signals": mode.get("signals", []),
                "signals_hant": mode.get("signals_hant", []),
                "fdi_project_type": mode.get("fdi_project_type") or "",
                "counts_increment_only": mode["code"] == "expansion",
                "sort_order": index,
            },
        )
    return activities, len(data["investment_modes"])


@transaction.atomic
def load_honours() -> int:
    data = _load("honours.yaml")
    for node in data["honours"]:
        Honour.objects.update_or_create(
            code=node["code"],
            defaults={
                **_names(node),
                "level": node.get("level") or "",
                "issuer": (node.get("issuer") or "")[:300],
                "tier": node.get("tier"),
                "definition": node.get("definition_zh") or "",
                "validity_years": node.get("validity_years"),
                "signals": node.get("signals", []),
                "signals_hant": node.get("signals_hant", []),
            },
        )
    return len(data["honours"])
