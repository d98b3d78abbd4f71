"""Schemas shared by every resource: references to related records and small helpers."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, create_model

from core.bounds import date_range_message, in_calendar


def _in_calendar(value: Any) -> Any:
    if value is not None and not in_calendar(value):
        raise ValueError(date_range_message(value.isoformat()))
    return value


#: A date (or date and time) within core.bounds: the year 1 or 9999 is a 422 naming the
#: range, not an overflow when the time zone is applied or the database compares.
CalendarDate = Annotated[dt.date, AfterValidator(_in_calendar)]
CalendarDateTime = Annotated[dt.datetime, AfterValidator(_in_calendar)]


class Out(BaseModel):
    """Base of response-only schemas, which the endpoints fill from plain dicts.

    A plain pydantic model, not ninja's Schema: Schema wraps every object it validates in a
    resolver that looks attributes up one by one, which made validating a page of 50 projects
    about ten times slower (docs/benchmarks/api.md). `from_attributes` still accepts objects.
    """

    model_config = ConfigDict(from_attributes=True)


class Ref(Out):
    """A related record: id, natural key (code/slug) and display name."""

    id: int
    code: str | None = None
    name: str


class DuplicateHint(Out):
    """A record that may be the same as the one just created (see ingest.dedupe)."""

    id: int
    name: str
    score: float
    reasons: list[str]


def visible_hints(model: Any, user: Any, hints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The duplicate hints naming records the user may view (the finder itself is unscoped)."""
    from core.policy import restrict

    if not hints:
        return []
    ids = set(
        restrict(model, user, "view")
        .filter(pk__in=[h["id"] for h in hints])
        .values_list("pk", flat=True)
    )
    return [h for h in hints if h["id"] in ids]


class UserRef(Out):
    id: int
    username: str


def ref(obj: Any, code_attr: str | None = "code") -> dict[str, Any] | None:
    if obj is None:
        return None
    code = getattr(obj, code_attr, None) if code_attr else None
    return {"id": obj.pk, "code": code, "name": str(obj)}


def user_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username()}


def partial_schema(schema: type[Schema], name: str) -> Any:
    """The same fields as `schema`, all optional (PATCH bodies); `version` stays required."""
    fields: dict[str, Any] = {}
    for fname, info in schema.model_fields.items():
        if fname == "version":
            fields[fname] = (info.annotation, info)
            continue
        optional = copy.copy(info)
        optional.default = None
        optional.default_factory = None
        fields[fname] = (info.annotation | None, optional)  # type: ignore[operator]
    return create_model(name, __base__=Schema, **fields)
