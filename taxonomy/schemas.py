"""API schemas for the industry tree (reference data, read-only over the API)."""

from __future__ import annotations

from typing import Any

from core.api.schemas import Out, Ref, ref
from taxonomy.models import Industry


class IndustryOut(Out):
    id: int
    code: str
    name: str
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    level: str
    parent: Ref | None
    sort_order: int
    gbt4754: list[str]


def industry_out(ind: Industry) -> dict[str, Any]:
    return {
        "id": ind.pk,
        "code": ind.code,
        "name": ind.localized_name(),
        "name_zh_hans": ind.name_zh_hans,
        "name_zh_hant": ind.name_zh_hant,
        "name_en": ind.name_en,
        "level": ind.level,
        "parent": ref(ind.parent),
        "sort_order": ind.sort_order,
        "gbt4754": [str(g) for g in (ind.gbt4754 or [])],
    }
