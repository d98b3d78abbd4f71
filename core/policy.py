"""The seam between the framework layer and the access policy.

`core` needs the policy — `RestrictedQuerySet.restrict`, the generic forms, the API plumbing and
the template tags all ask it — but it may not import the app that defines it (`accounts`, one
layer up; see docs/architecture.md). `accounts` installs its policy module here when Django
starts (`AccountsConfig.ready`), so the one choke point stays
`accounts.policy.restrict_queryset` and `core` imports no app.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet


class Policy(Protocol):
    """What `core` asks of the access policy (accounts.policy implements it)."""

    def restrict_queryset(self, qs: QuerySet[Any], user: Any, action: str) -> Any: ...

    def relation_targets(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]: ...

    def is_user_model(self, model: type[Model]) -> bool: ...

    def sees_all(self, user: Any, model: type[Model]) -> bool: ...

    def can(self, user: Any, perm: str) -> bool: ...

    def can_see_investor(self, user: Any, project: Any) -> bool: ...


_installed: Policy | None = None


def install(policy: Policy) -> None:
    """Make `policy` the one answering every question below (called once, at start-up)."""
    global _installed
    _installed = policy


def installed() -> Policy:
    if _installed is None:
        raise ImproperlyConfigured(
            "no access policy is installed: is 'accounts' in INSTALLED_APPS?"
        )
    return _installed


def restrict_queryset(qs: QuerySet[Any], user: Any, action: str) -> Any:
    """Rows of `qs` that `user` may act on with `action` (the choke point)."""
    return installed().restrict_queryset(qs, user, action)


def restrict(model: type[Model], user: Any, action: str) -> QuerySet[Any]:
    """All rows of `model` that `user` may act on: the model's own `.restrict` where it has
    one (e.g. review candidates follow their document), else `restrict_queryset`."""
    qs = model._default_manager.all()
    own = getattr(qs, "restrict", None)
    return own(user, action) if own is not None else restrict_queryset(qs, user, action)


def may(user: Any, model: type[Model], action: str) -> bool:
    """Whether `user` could do `action` on *some* row of `model` (no query is run).

    Used to answer 403 before validating input; the row-level answer still comes from
    `restrict`.
    """
    return not restrict(model, user, action).query.is_empty()


def relation_targets(user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return installed().relation_targets(user, queryset)


def is_user_model(model: type[Model]) -> bool:
    return installed().is_user_model(model)


def sees_all(user: Any, model: type[Model]) -> bool:
    return installed().sees_all(user, model)


def can(user: Any, perm: str) -> bool:
    return installed().can(user, perm)


def can_see_investor(user: Any, project: Any) -> bool:
    return installed().can_see_investor(user, project)
