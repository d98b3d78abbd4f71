"""API schemas for districts and zones (reference data, read-only over the API)."""

from __future__ import annotations

from typing import Any

from core.api.schemas import Out, Ref, ref
from geo.models import District, Zone


class DistrictOut(Out):
    id: int
    code: str | None
    name: str
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    kind: str
    short_forms: list[str]
    successor: Ref | None


class ZoneOut(Out):
    id: int
    slug: str
    name: str
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    kind: str
    district: Ref | None
    districts: list[Ref]
    parent: Ref | None


def district_out(d: District) -> dict[str, Any]:
    return {
        "id": d.pk,
        "code": d.code,
        "name": d.localized_name(),
        "name_zh_hans": d.name_zh_hans,
        "name_zh_hant": d.name_zh_hant,
        "name_en": d.name_en,
        "kind": d.kind,
        "short_forms": [str(s) for s in (d.short_forms or [])],
        "successor": ref(d.successor),
    }


def zone_out(z: Zone) -> dict[str, Any]:
    return {
        "id": z.pk,
        "slug": z.slug,
        "name": z.localized_name(),
        "name_zh_hans": z.name_zh_hans,
        "name_zh_hant": z.name_zh_hant,
        "name_en": z.name_en,
        "kind": z.kind,
        "district": ref(z.district),
        "districts": [ref(d) for d in z.districts.all()],
        "parent": ref(z.parent, "slug"),
    }
