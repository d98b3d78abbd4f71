"""API schemas for companies (investors)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

from ninja import Schema
from pydantic import Field

from companies.models import Company
from core.api.crud import MAX_ID
from core.api.schemas import DuplicateHint, Out, partial_schema

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class CompanyIn(Schema):
    name_zh_hans: str = Field(..., max_length=200)
    name_zh_hant: str = ""
    name_en: str = ""
    aliases: list[str] = []
    credit_code: str | None = None
    country: str = "CN"
    parent: Id | None = None
    website: str = ""
    notes: str = ""


class CompanyUpdate(CompanyIn):
    version: int = Field(..., ge=1, le=MAX_ID)


if TYPE_CHECKING:  # generated at import time; type checkers see the base
    CompanyPatch = CompanyUpdate
else:
    CompanyPatch = partial_schema(CompanyUpdate, "CompanyPatch")


class CompanyOut(Out):
    id: int
    version: int
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    aliases: list[str]
    credit_code: str | None
    country: str
    parent: int | None
    website: str
    notes: str
    duplicate_of: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class CompanyCreated(CompanyOut):
    """A new company, with the existing ones it may duplicate (also put on the review list)."""

    possible_duplicates: list[DuplicateHint]


COMPANY_FORM_FIELDS = (
    "name_zh_hans",
    "name_zh_hant",
    "name_en",
    "aliases",
    "credit_code",
    "country",
    "parent",
    "website",
    "notes",
)


def company_out(company: Company) -> dict[str, Any]:
    return {
        "id": company.pk,
        "version": company.version,
        "name_zh_hans": company.name_zh_hans,
        "name_zh_hant": company.name_zh_hant,
        "name_en": company.name_en,
        "aliases": [str(a) for a in (company.aliases or [])],
        "credit_code": company.credit_code,
        "country": company.country,
        "parent": company.parent_id,
        "website": company.website,
        "notes": company.notes,
        "duplicate_of": company.duplicate_of_id,
        "created_at": company.created_at,
        "updated_at": company.updated_at,
    }
