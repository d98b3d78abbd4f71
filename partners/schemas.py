"""API schemas for partner organisations."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ninja import Schema
from pydantic import Field

from core.api.crud import MAX_ID
from core.api.schemas import Out, partial_schema
from partners.models import Partner

PARTNER_FORM_FIELDS = (
    "name_zh_hans",
    "name_zh_hant",
    "name_en",
    "kind",
    "country",
    "year_joined",
    "registered_on",
    "domains",
    "contact",
    "notes",
)


class PartnerIn(Schema):
    name_zh_hans: str = Field(..., max_length=200)
    name_zh_hant: str = ""
    name_en: str = ""
    kind: str
    country: str = "CN"
    year_joined: int | None = Field(None, ge=0, le=9999)
    registered_on: dt.date | None = None
    domains: list[str] = []
    contact: str = ""
    notes: str = ""


class PartnerUpdate(PartnerIn):
    version: int = Field(..., ge=1, le=MAX_ID)


if TYPE_CHECKING:  # generated at import time; type checkers see the base
    PartnerPatch = PartnerUpdate
else:
    PartnerPatch = partial_schema(PartnerUpdate, "PartnerPatch")


class PartnerOut(Out):
    id: int
    version: int
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    kind: str
    country: str
    year_joined: int | None
    registered_on: dt.date | None
    domains: list[str]
    contact: str
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime


def partner_out(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.pk,
        "version": partner.version,
        "name_zh_hans": partner.name_zh_hans,
        "name_zh_hant": partner.name_zh_hant,
        "name_en": partner.name_en,
        "kind": partner.kind,
        "country": partner.country,
        "year_joined": partner.year_joined,
        "registered_on": partner.registered_on,
        "domains": [str(d) for d in (partner.domains or [])],
        "contact": partner.contact,
        "notes": partner.notes,
        "created_at": partner.created_at,
        "updated_at": partner.updated_at,
    }
