"""API schemas for promotion events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from ninja import Schema
from pydantic import Field

from core.api.crud import MAX_ID
from core.api.schemas import Out, Ref, partial_schema, ref
from events.models import Event

Id = Annotated[int, Field(ge=1, le=MAX_ID)]

EVENT_FORM_FIELDS = (
    "name",
    "name_en",
    "kind",
    "date",
    "end_date",
    "venue",
    "organiser",
    "district",
    "zone",
    "announced_project_count",
    "announced_total_cny",
    "announced_total_text",
    "notes",
)


class EventIn(Schema):
    name: str = Field(..., max_length=300)
    name_en: str = ""
    kind: str
    date: dt.date
    end_date: dt.date | None = None
    venue: str = ""
    organiser: str = ""
    district: Id | None = None
    zone: Id | None = None
    announced_project_count: int | None = Field(None, ge=0, le=1_000_000)
    announced_total_cny: Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=2)] | None = (
        None
    )
    announced_total_text: str = ""
    notes: str = ""


class EventUpdate(EventIn):
    version: int = Field(..., ge=1, le=MAX_ID)


if TYPE_CHECKING:  # generated at import time; type checkers see the base
    EventPatch = EventUpdate
else:
    EventPatch = partial_schema(EventUpdate, "EventPatch")


class EventOut(Out):
    id: int
    version: int
    name: str
    name_en: str
    kind: str
    date: dt.date
    end_date: dt.date | None
    venue: str
    organiser: str
    district: Ref | None
    zone: Ref | None
    announced_project_count: int | None
    announced_total_cny: Decimal | None
    announced_total_text: str
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime


def event_out(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "version": event.version,
        "name": event.name,
        "name_en": event.name_en,
        "kind": event.kind,
        "date": event.date,
        "end_date": event.end_date,
        "venue": event.venue,
        "organiser": event.organiser,
        "district": ref(event.district),
        "zone": ref(event.zone, "slug"),
        "announced_project_count": event.announced_project_count,
        "announced_total_cny": event.announced_total_cny,
        "announced_total_text": event.announced_total_text,
        "notes": event.notes,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
    }
