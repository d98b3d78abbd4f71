"""Row-level access policy, called only through `RestrictedQuerySet.restrict`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet


def restrict_queryset(qs: QuerySet[Any], user: Any, action: str) -> Any:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    hook = getattr(qs.model, "restrict_queryset", None)
    if hook is not None:
        return hook(qs, user, action)
    return qs
