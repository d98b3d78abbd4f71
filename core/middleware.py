"""Request-scoped middleware, and the browser-only middleware that token requests skip.

One MIDDLEWARE list serves every request. The middleware that only a browser needs
(sessions, CSRF, authentication by session, messages, htmx) are listed as the subclasses
below, which let an API request with a bearer token pass straight through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import django_htmx.middleware as htmx
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware import csrf

from core.context import change_context, new_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Give every request an id (or accept a sane X-Request-ID) and open a change context."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else new_id("req")
        request.request_id = request_id  # type: ignore[attr-defined]
        source = "api" if request.path.startswith("/api/") else "web"
        with change_context(source, request_id=request_id, user=getattr(request, "user", None)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY with every response that has no policy of its
    own (Django 5.2 has no CSP support; 6.0 will). Empty setting: no header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


def is_token_api_request(request: HttpRequest) -> bool:
    """An API request that carries `Authorization: Bearer …` (checked later by the API)."""
    return (
        request.path_info.startswith("/api/")
        and request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
    )


class SkipForTokenRequests:
    """Mixin for a browser-only middleware: a bearer-token API request passes straight through.

    A token request has no session, no cookie that a forged cross-site request could ride on,
    no flash messages and no htmx; it must not be authenticated by a session either (a refused
    token answers 401 from the API, accounts.api_auth). Every other request, the browser's own
    API calls included, gets the middleware as Django ships it.
    """

    get_response: Any
    # The project is served by WSGI; a sync-only wrapper keeps the mixin to one code path.
    sync_capable = True
    async_capable = False

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_token_api_request(request):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class SessionMiddleware(SkipForTokenRequests, sessions.SessionMiddleware):
    """django.contrib.sessions' middleware, skipped for token requests."""


class CsrfViewMiddleware(SkipForTokenRequests, csrf.CsrfViewMiddleware):
    """Django's CSRF middleware, skipped for token requests (process_view included)."""

    def process_view(
        self,
        request: HttpRequest,
        callback: Callable[..., Any],
        callback_args: Any,
        callback_kwargs: Any,
    ) -> HttpResponseForbidden | None:
        if is_token_api_request(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class AuthenticationMiddleware(SkipForTokenRequests, auth.AuthenticationMiddleware):
    """django.contrib.auth's middleware, skipped for token requests: the API sets
    request.user from the token, and never from a session cookie sent along."""


class MessageMiddleware(SkipForTokenRequests, messages.MessageMiddleware):
    """django.contrib.messages' middleware, skipped for token requests."""


class HtmxMiddleware(SkipForTokenRequests, htmx.HtmxMiddleware):
    """django-htmx's middleware, skipped for token requests."""
