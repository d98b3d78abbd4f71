"""Schemas shared by every resource: references to related records and small helpers."""

from __future__ import annotations

import copy
from typing import Any

from ninja import Schema
from pydantic import create_model


class Ref(Schema):
    """A related record: id, natural key (code/slug) and display name."""

    id: int
    code: str | None = None
    name: str


class UserRef(Schema):
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
