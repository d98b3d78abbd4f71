"""API schemas for projects: ProjectIn, ProjectPatch, ProjectOut, ProjectBrief, stage moves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

from ninja import Schema
from pydantic import Field

from accounts.policy import can_see_investor
from core.api.crud import MAX_ID
from core.api.schemas import DuplicateHint, Out, Ref, UserRef, partial_schema
from projects.models import Project

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Money = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=2)]


class ProjectIn(Schema):
    """A whole project as the edit form sees it; foreign keys are ids."""

    name: str = Field(..., max_length=300)
    investor: Id | None = None
    ultimate_parent: Id | None = None
    origin: str = ""
    source_country: str = ""
    confidential: bool = False
    amount_cny: Money | None = None
    amount_original: Money | None = None
    currency: str = "CNY"
    amount_text: str = ""
    amount_is_estimated: bool = False
    contracted_amount_cny: Money | None = None
    foreign_capital_usd: Money | None = None
    increment_cny: Money | None = None
    district: Id | None = None
    zone: Id | None = None
    city: Id | None = None
    industry: Id | None = None
    business_activity: Id | None = None
    project_type: Id | None = None
    stage: Id = Field(..., description="stage id (see /stages); fixed after creation")
    signed_on: dt.date | None = None
    registered_on: dt.date | None = None
    construction_on: dt.date | None = None
    operating_on: dt.date | None = None
    on_hold: bool = False
    withdrawn: bool = False
    priority: str = "B"
    owner: Id | None = None
    owner_unit: str = ""
    lead_source: str = ""
    referring_partner: Id | None = None
    referral_registered_on: dt.date | None = None
    signing_event: Id | None = None
    counted_in_stats: bool = True
    exclusion_reason: str = ""
    expands: Id | None = None
    external_id: str | None = None
    description: str = ""


class ProjectUpdate(ProjectIn):
    """PUT body: the whole project plus the version it was read at."""

    version: int = Field(..., ge=1, le=MAX_ID)


if TYPE_CHECKING:  # generated at import time; type checkers see the base
    ProjectPatch = ProjectUpdate
else:
    ProjectPatch = partial_schema(ProjectUpdate, "ProjectPatch")


class StageMoveIn(Schema):
    stage: str = Field(..., max_length=32, description="target stage code")
    on: dt.date | None = Field(None, description="date the move took effect (default today)")
    reason: str = Field("", max_length=300)
    note: str = ""
    version: int = Field(..., ge=1, le=MAX_ID)


class ProjectBrief(Out):
    """A row of the project list."""

    id: int
    version: int
    name: str
    investor: Ref | None
    investor_hidden: bool
    confidential: bool
    stage: Ref
    district: Ref | None
    zone: Ref | None
    industry: Ref | None
    amount_cny: Decimal | None
    amount_text: str
    amount_is_estimated: bool
    signed_on: dt.date | None
    priority: str
    last_progress_on: dt.date | None


class ProjectOut(ProjectBrief):
    """One project in full (the investor hidden when the user lacks the right)."""

    ultimate_parent: Ref | None
    origin: str
    source_country: str
    amount_original: Decimal | None
    currency: str
    contracted_amount_cny: Decimal | None
    foreign_capital_usd: Decimal | None
    increment_cny: Decimal | None
    city: Ref | None
    business_activity: Ref | None
    project_type: Ref | None
    stage_entered_on: dt.date | None
    registered_on: dt.date | None
    construction_on: dt.date | None
    operating_on: dt.date | None
    on_hold: bool
    withdrawn: bool
    lost_reason: str
    owner: UserRef | None
    owner_unit: str
    lead_source: str
    referring_partner: Ref | None
    referral_registered_on: dt.date | None
    signing_event: Ref | None
    counted_in_stats: bool
    exclusion_reason: str
    duplicate_of: int | None
    expands: int | None
    external_id: str | None
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ProjectCreated(ProjectOut):
    """A new project, with the existing ones it may duplicate (also put on the review list)."""

    possible_duplicates: list[DuplicateHint]


class StageChangeOut(Out):
    id: int
    from_stage: str | None
    to_stage: str
    effective_on: dt.date
    changed_at: dt.datetime
    changed_by: UserRef | None
    reason: str
    request_id: str


class TotalsGroup(Out):
    key: str
    name: str
    count: int
    amount_cny: Decimal


class TotalsOut(Out):
    """Totals over the projects the user may aggregate (never more)."""

    count: int
    amount_cny: Decimal
    by: str | None
    groups: list[TotalsGroup]


FULL_RELATED = (
    "investor",
    "stage",
    "district",
    "zone",
    "industry",
    "ultimate_parent",
    "city",
    "business_activity",
    "project_type",
    "owner",
    "referring_partner",
    "signing_event",
)
# Columns actually rendered. Related models carry dozens of columns (keyword lists, aliases)
# that a reference does not need; loading them dominated the cost of a list page.
_REF_COLUMNS = {
    "investor": ("name_zh_hans", "credit_code"),
    "ultimate_parent": ("name_zh_hans", "credit_code"),
    "stage": ("code", "name_zh_hans"),
    "district": ("code", "name_zh_hans"),
    "zone": ("slug", "name_zh_hans"),
    "industry": ("code", "name_zh_hans"),
    "city": ("code", "name_zh_hans"),
    "business_activity": ("code", "name_zh_hans"),
    "project_type": ("code", "name_zh_hans"),
    "owner": ("username",),
    "referring_partner": ("name_zh_hans",),
    "signing_event": ("name", "date"),
}
FULL_ONLY = (
    *(f.name for f in Project._meta.concrete_fields),
    *(f"{rel}__{col}" for rel in FULL_RELATED for col in _REF_COLUMNS[rel]),
)


# The list reads plain values, not model instances: building six model objects per row
# (project, investor, stage, district, zone, industry) cost more than the query itself.
# Every brief reference is a NamedModel, whose display name is name_zh_hans.
_BRIEF_REF_CODES = {
    "investor": "credit_code",
    "stage": "code",
    "district": "code",
    "zone": "slug",
    "industry": "code",
}
BRIEF_VALUES = (
    "id",
    "version",
    "name",
    "confidential",
    "amount_cny",
    "amount_text",
    "amount_is_estimated",
    "signed_on",
    "priority",
    "last_progress_on",
    "owner_id",
    *(f"{rel}_id" for rel in _BRIEF_REF_CODES),
    *(f"{rel}__{col}" for rel, code in _BRIEF_REF_CODES.items() for col in (code, "name_zh_hans")),
)


def _row_ref(row: dict[str, Any], rel: str) -> dict[str, Any] | None:
    pk = row[f"{rel}_id"]
    if pk is None:
        return None
    return {
        "id": pk,
        "code": row[f"{rel}__{_BRIEF_REF_CODES[rel]}"],
        "name": row[f"{rel}__name_zh_hans"],
    }


def project_brief_row(row: dict[str, Any], user: Any) -> dict[str, Any]:
    """A list row from `queryset.values(*BRIEF_VALUES)`."""
    visible = not row["confidential"] or can_see_investor(user, SimpleNamespace(**row))
    return {
        "id": row["id"],
        "version": row["version"],
        "name": row["name"],
        "investor": _row_ref(row, "investor") if visible else None,
        "investor_hidden": not visible,
        "confidential": row["confidential"],
        "stage": _row_ref(row, "stage"),
        "district": _row_ref(row, "district"),
        "zone": _row_ref(row, "zone"),
        "industry": _row_ref(row, "industry"),
        "amount_cny": row["amount_cny"],
        "amount_text": row["amount_text"],
        "amount_is_estimated": row["amount_is_estimated"],
        "signed_on": row["signed_on"],
        "priority": row["priority"],
        "last_progress_on": row["last_progress_on"],
    }


# The detail, like the list, is rendered from plain values: every concrete column of the
# project and the referenced columns of its twelve relations (one prepared query in the API).
DETAIL_VALUES = (
    *(f.attname for f in Project._meta.concrete_fields),
    *(f"{rel}__{col}" for rel in FULL_RELATED for col in _REF_COLUMNS[rel]),
)


def _ref_row(row: dict[str, Any], rel: str, code: str | None) -> dict[str, Any] | None:
    pk = row[f"{rel}_id"]
    if pk is None:
        return None
    return {
        "id": pk,
        "code": row[f"{rel}__{code}"] if code else None,
        "name": row[f"{rel}__name_zh_hans"],
    }


def _event_ref(row: dict[str, Any]) -> dict[str, Any] | None:
    pk = row["signing_event_id"]
    if pk is None:
        return None
    # Event.__str__: the name and the date.
    name = f"{row['signing_event__name']} ({row['signing_event__date']:%Y-%m-%d})"
    return {"id": pk, "code": None, "name": name}


def project_row(project: Project) -> dict[str, Any]:
    """The DETAIL_VALUES of a model instance whose relations are loaded (or loadable)."""
    row = {f.attname: getattr(project, f.attname) for f in Project._meta.concrete_fields}
    for rel in FULL_RELATED:
        obj = getattr(project, rel)
        for col in _REF_COLUMNS[rel]:
            row[f"{rel}__{col}"] = getattr(obj, col) if obj is not None else None
    return row


def project_out(project: Project, user: Any) -> dict[str, Any]:
    """The detail of a model instance (after a create or an update)."""
    return project_out_row(project_row(project), user)


def project_out_row(row: dict[str, Any], user: Any) -> dict[str, Any]:
    """The detail from `queryset.values(*DETAIL_VALUES)`."""
    data = project_brief_row(row, user)
    visible = not data["investor_hidden"]
    owner = row["owner_id"]
    data.update(
        {
            "ultimate_parent": _ref_row(row, "ultimate_parent", "credit_code") if visible else None,
            "origin": row["origin"],
            "source_country": row["source_country"],
            "amount_original": row["amount_original"],
            "currency": row["currency"],
            "contracted_amount_cny": row["contracted_amount_cny"],
            "foreign_capital_usd": row["foreign_capital_usd"],
            "increment_cny": row["increment_cny"],
            "city": _ref_row(row, "city", "code"),
            "business_activity": _ref_row(row, "business_activity", "code"),
            "project_type": _ref_row(row, "project_type", "code"),
            "stage_entered_on": row["stage_entered_on"],
            "registered_on": row["registered_on"],
            "construction_on": row["construction_on"],
            "operating_on": row["operating_on"],
            "on_hold": row["on_hold"],
            "withdrawn": row["withdrawn"],
            "lost_reason": row["lost_reason"],
            "owner": None if owner is None else {"id": owner, "username": row["owner__username"]},
            "owner_unit": row["owner_unit"],
            "lead_source": row["lead_source"],
            "referring_partner": _ref_row(row, "referring_partner", None),
            "referral_registered_on": row["referral_registered_on"],
            "signing_event": _event_ref(row),
            "counted_in_stats": row["counted_in_stats"],
            "exclusion_reason": row["exclusion_reason"],
            "duplicate_of": row["duplicate_of_id"],
            "expands": row["expands_id"],
            "external_id": row["external_id"],
            "description": row["description"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }
    )
    return data
