"""The one row-level permission choke point: `Model.objects.restrict(user, action)`.

Every list, detail, edit, delete, export, search, aggregate and API operation goes through
`restrict`. Models decide their own rule in a `restrict_queryset(qs, user, action)`
classmethod; the policy itself lives in accounts.policy.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from django.db import models

Action = Literal["view", "add", "change", "delete", "export", "aggregate"]
ACTIONS: tuple[str, ...] = ("view", "add", "change", "delete", "export", "aggregate")

_M = TypeVar("_M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[_M]):
    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet[_M]:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
        from core.policy import restrict_queryset

        return restrict_queryset(self, user, action)
