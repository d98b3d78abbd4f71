"""Who and what is making the current change: request id or batch id, for the audit trail.

Web requests set a request id in middleware; imports and commands open `change_context()`
with a batch id of their own, so every historical record can say where it came from.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class ChangeContext:
    request_id: str
    source: str  # "web", "api", "import", "command", "extract"
    user: AbstractBaseUser | AnonymousUser | None = None


_current: contextvars.ContextVar[ChangeContext | None] = contextvars.ContextVar(
    "zhaoshang_change_context", default=None
)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def current() -> ChangeContext | None:
    return _current.get()


@contextmanager
def change_context(
    source: str,
    *,
    request_id: str | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> Iterator[ChangeContext]:
    """Open a change context; history records written inside carry its id and user."""
    ctx = ChangeContext(request_id=request_id or new_id(source), source=source, user=user)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
