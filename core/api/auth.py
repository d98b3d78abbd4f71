"""API plumbing that needs no app: the session authentication, the per-user throttle and
`actor` (the user of an API request).

Personal tokens (Authorization: Bearer zs_...) are checked by accounts.api_auth, which builds
the API's authentication list from both. Session requests that change data need the CSRF
token, as any Django form would.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security.apikey import APIKeyCookie
from ninja.throttling import SimpleRateThrottle


class SessionAuth(APIKeyCookie):
    """The Django session cookie; unsafe methods also need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session there is nothing to protect: answer 401, not a CSRF 403.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        if key is None:
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


def _configured_rate() -> str | None:
    rate = getattr(settings, "API_THROTTLE_RATE", None) or os.environ.get(
        "API_THROTTLE_RATE", "6000/m"
    )
    return None if str(rate).lower() in {"", "0", "off", "none"} else str(rate)


class UserRateThrottle(SimpleRateThrottle):
    """Per-user request rate (API_THROTTLE_RATE, e.g. "6000/m"; "off" disables it).

    A fixed-window counter (one cache `incr` per request) rather than ninja's default
    sliding log, which stores and re-pickles every timestamp of the window on each request.
    """

    scope = "user"

    def __init__(self) -> None:
        super().__init__(rate="1/s")

    def get_cache_key(self, request: HttpRequest) -> str | None:
        auth = getattr(request, "auth", None)
        ident = getattr(auth, "pk", None) or self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: HttpRequest) -> bool:
        rate = _configured_rate()
        if rate is None:
            return True
        limit, duration = self.parse_rate(rate)
        if not limit or not duration:
            return True
        self.num_requests, self.duration = limit, duration
        now = time.time()
        window = int(now // duration)
        key = "{}:{}".format(self.get_cache_key(request), window)
        self.cache.add(key, 0, duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # evicted between add and incr
            self.cache.set(key, 1, duration + 1)
            count = 1
        self._wait = (window + 1) * duration - now
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


def actor(request: HttpRequest) -> Any:
    """The authenticated user of an API request."""
    return getattr(request, "auth", None) or request.user
