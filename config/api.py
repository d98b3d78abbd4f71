"""The REST API root (django-ninja) under /api/v1/; routers live in each app's api.py.

Every operation needs authentication (token or session), is throttled per user and answers
errors with one envelope (core/api/errors.py) — including unknown URLs and wrong methods
under /api/, which Django would otherwise answer with HTML. The docs and openapi.json need
a signed-in user or a token unless DEBUG is on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from accounts.api_auth import AUTH, user_for_token
from core.api import errors
from core.api.auth import UserRateThrottle
from core.api.render import FastJSONRenderer


class ZhaoshangAPI(NinjaAPI):
    """NinjaAPI whose every URL answers in the error envelope, even outside an operation."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _enveloped(pattern.callback)
        urls.append(re_path(r"^.*$", unknown_url, name="api-unknown"))
        return urls


def _enveloped(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # ninja's root view (/api/v1/) raises it outside any operation
            return unknown_url(request)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = errors.error_response(
                request, 405, _("Method not allowed; use {methods}.").format(methods=allowed)
            )
            response["Allow"] = allowed
        return response

    for attr in ("csrf_exempt", "_ninja_operation"):
        if hasattr(view, attr):
            setattr(wrapper, attr, getattr(view, attr))
    wrapper.__name__ = getattr(view, "__name__", "api_view")
    return wrapper


def unknown_url(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under /api/ that names no operation: 404 in the envelope, never HTML."""
    return errors.error_response(
        request, 404, _("No such API endpoint; the operations are listed at /api/v1/docs.")
    )


unknown_url.csrf_exempt = True  # type: ignore[attr-defined]


def _docs_guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The interactive docs and openapi.json: open with DEBUG, otherwise only for a signed-in
    user or a valid token (the document lists every operation and field). The docs page
    sends an anonymous visitor to the login page; openapi.json answers 401 in the envelope."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.DEBUG or _authenticated(request):
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            return errors.error_response(
                request, 401, _("Authentication required: log in or send a valid token.")
            )
        return redirect_to_login(request.get_full_path())

    return guarded


def _authenticated(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return True
    header = request.headers.get("Authorization", "")
    return header[:7].lower() == "bearer " and user_for_token(header[7:].strip()) is not None


api = ZhaoshangAPI(
    title="zhaoshang API",
    version="1",
    description=(
        "Investment-promotion projects, investors, events and partners. Authenticate with "
        "`Authorization: Bearer <token>` (create one at /accounts/tokens/ or with "
        "`zhaoshang token create`) or with a browser session plus CSRF token. Every write "
        "carries the `version` you read; a stale version answers 409 and changes nothing."
    ),
    urls_namespace="api",
    auth=AUTH,
    throttle=[UserRateThrottle()],
    renderer=FastJSONRenderer(),
    docs_decorator=_docs_guard,
)
errors.install(api)


def _mount() -> None:
    from accounts.api import audit_router, me_router
    from companies.api import router as companies
    from events.api import router as events
    from evidence.api import router as documents
    from geo.api import districts_router, zones_router
    from jobs.api import router as jobs
    from partners.api import router as partners
    from projects.api import router as projects
    from projects.api import stages_router
    from taxonomy.api import router as industries

    api.add_router("/projects", projects)
    api.add_router("/companies", companies)
    api.add_router("/events", events)
    api.add_router("/partners", partners)
    api.add_router("/districts", districts_router)
    api.add_router("/zones", zones_router)
    api.add_router("/industries", industries)
    api.add_router("/stages", stages_router)
    api.add_router("/source-documents", documents)
    api.add_router("/me", me_router)
    api.add_router("/audit", audit_router)
    api.add_router("/jobs", jobs)


_mount()
