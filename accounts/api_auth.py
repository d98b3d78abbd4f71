"""API authentication by personal token: `Authorization: Bearer zs_...`.

Tokens are looked up by their SHA-256 (accounts.models.ApiToken); a revoked or expired token
is refused like an unknown one. `AUTH` is the API's authentication list: a token, else the
browser session (core.api.auth.SessionAuth).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from accounts.models import ApiToken, hash_secret
from core.api.auth import SessionAuth
from core.sqlcache import prepared_values

# Writing last_used_at on every request would turn each read into a write; once per
# interval is enough to show which tokens are alive.
LAST_USED_GRANULARITY = dt.timedelta(minutes=5)


@functools.cache
def _token_columns() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    from django.contrib.auth import get_user_model

    from accounts.models import Profile

    user = tuple(f.attname for f in get_user_model()._meta.concrete_fields)
    profile = tuple(f.attname for f in Profile._meta.concrete_fields)
    values = (
        "id",
        "last_used_at",
        *(f"user__{name}" for name in user),
        *(f"user__profile__{name}" for name in profile),
    )
    return user, profile, values


def _token_query(token_hash: str, now: dt.datetime) -> Any:
    _user, _profile, values = _token_columns()
    # No ordering: the hash is unique.
    return ApiToken.objects.usable(now).filter(token_hash=token_hash).order_by().values(*values)[:1]


def user_for_token(secret: str) -> Any | None:
    """The active user a token secret belongs to, or None (unknown, revoked, expired).

    One prepared query (core.sqlcache) reads the token, its user and the user's profile
    (which accounts.policy needs for the scope); the user and profile are built from the
    row with `Model.from_db`, as the ORM itself would.
    """
    from django.contrib.auth import get_user_model

    from accounts.models import Profile

    if not secret or len(secret) > 200:
        return None
    now = timezone.now()
    hash_field = ApiToken._meta.get_field("token_hash")
    expiry_field = ApiToken._meta.get_field("expires_at")
    rows = prepared_values(
        "accounts.token-owner",
        _token_query,
        [(hash_field, hash_secret(secret.strip())), (expiry_field, now)],
    )
    if not rows:
        return None
    row = rows[0]
    user_names, profile_names, _values = _token_columns()
    user = get_user_model().from_db(
        "default", user_names, [row[f"user__{name}"] for name in user_names]
    )
    if not user.is_active:
        return None
    if row["user__profile__id"] is not None:
        user.profile = Profile.from_db(
            "default", profile_names, [row[f"user__profile__{name}"] for name in profile_names]
        )
    last_used = row["last_used_at"]
    if last_used is None or now - last_used > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=row["id"]).update(last_used_at=now)
    return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_token(token)
        if user is not None:
            # Downstream code (simple_history's middleware, the audit context, the policy)
            # reads request.user; make it the token's owner.
            request.user = user
        return user


AUTH = [TokenAuth(), SessionAuth()]
