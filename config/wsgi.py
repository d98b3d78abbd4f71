"""WSGI entry point: `gunicorn -c config/gunicorn.conf.py config.wsgi:application`.

API requests that carry a bearer token go through a shorter middleware chain
(`TOKEN_API_MIDDLEWARE`); everything else, the browser's own API calls included, through
settings.MIDDLEWARE. A token request has no session, no cookies to protect against CSRF,
no flash messages, no htmx and no login form for django-axes to lock: the middleware for
those only cost time (about a quarter of a project detail request). Everything that
applies to a token request stays: security headers, the request's language, the request
id and the change context, the history middleware that names the user in the audit trail.
The token itself is checked by the API (accounts.api_auth), and a request whose token is
refused answers 401 — it never falls back to a session.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TOKEN_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]


class TokenApiHandler(WSGIHandler):
    """Django's WSGI handler with TOKEN_API_MIDDLEWARE instead of settings.MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        missing = [m for m in TOKEN_API_MIDDLEWARE if m not in settings.MIDDLEWARE]
        if missing:  # the short chain must stay a subset of the configured one
            raise RuntimeError(
                f"TOKEN_API_MIDDLEWARE names middleware not in MIDDLEWARE: {missing}"
            )
        configured = settings.MIDDLEWARE
        settings.MIDDLEWARE = TOKEN_API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = configured


def is_token_api_request(environ: dict[str, Any]) -> bool:
    return (
        environ.get("PATH_INFO", "").startswith("/api/")
        and environ.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
    )


def dispatcher(
    full: Callable[..., Iterable[bytes]], token_api: Callable[..., Iterable[bytes]]
) -> Callable[..., Iterable[bytes]]:
    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        handler = token_api if is_token_api_request(environ) else full
        return handler(environ, start_response)

    return application


_full = get_wsgi_application()  # sets Django up
application = dispatcher(_full, TokenApiHandler())
