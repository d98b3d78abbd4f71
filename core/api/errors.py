"""One error envelope for every API error.

Every non-2xx answer of /api/v1/ has the shape::

    {"error": {"status": 404, "code": "not_found", "message": "...",
               "fields": {"name": ["..."]}, "request_id": "req-..."}}
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from core.concurrency import StaleVersion

logger = logging.getLogger("zhaoshang.api")

CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "throttled",
    500: "server_error",
}
# Statuses every operation may answer with an ErrorOut (documented in OpenAPI).
ERROR_STATUSES = frozenset({400, 401, 403, 404, 409, 413, 422, 429})


class ErrorBody(Schema):
    status: int
    code: str
    message: str
    fields: dict[str, list[str]] = {}
    request_id: str = ""


class ErrorOut(Schema):
    """The error envelope."""

    error: ErrorBody


class ApiError(Exception):
    """Raise from an endpoint to answer with the envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.fields = fields or {}
        self.extra = extra or {}


def envelope(
    request: HttpRequest | None,
    status: int,
    message: str,
    *,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": str(message),
        "fields": {k: [str(m) for m in v] for k, v in (fields or {}).items()},
        "request_id": getattr(request, "request_id", "") if request is not None else "",
    }
    body.update(extra or {})
    return {"error": body}


def error_response(
    request: HttpRequest | None, status: int, message: str, **kwargs: Any
) -> HttpResponse:
    """A plain JsonResponse with the envelope (for code paths outside an operation)."""
    return JsonResponse(
        envelope(request, status, message, **kwargs),
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def too_large_message() -> str:
    """What a request body over DATA_UPLOAD_MAX_MEMORY_SIZE is told (API and pages)."""
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _("The request body is larger than the limit of {size} bytes.").format(
        size="{:,}".format(limit) if limit else "?"
    )


def fields_from_django(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("__all__" if k == "__all__" else k): [str(m) for e in v for m in e.messages]
            for k, v in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def fields_from_ninja(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        key = ".".join(loc) or "__all__"
        fields.setdefault(key, []).append(str(err.get("msg", "invalid")))
    return fields


def install(api: NinjaAPI) -> None:
    """Register handlers so every exception becomes the envelope."""

    def respond(request: HttpRequest, status: int, message: str, **kw: Any) -> HttpResponse:
        return api.create_response(request, envelope(request, status, message, **kw), status=status)

    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(
            request, exc.status, exc.message, code=exc.code, fields=exc.fields, extra=exc.extra
        )

    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return respond(
            request, 422, _("The request is not valid."), fields=fields_from_ninja(exc.errors)
        )

    def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return respond(request, 422, _("The request is not valid."), fields=fields_from_django(exc))

    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, _("Authentication required: log in or send a valid token."))

    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = respond(request, 429, _("Too many requests; slow down."))
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, str(exc))

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 404, _("Not found."))

    def on_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 403, str(exc) or _("You do not have permission to do this."))

    def on_stale(request: HttpRequest, exc: StaleVersion) -> HttpResponse:
        return respond(
            request,
            409,
            str(exc),
            code="stale_version",
            extra={"current_version": exc.current_version},
        )

    def on_protected(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(
            request,
            409,
            _("Other records still refer to this one; it cannot be deleted."),
            code="protected",
        )

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, 413, too_large_message())

    def on_exception(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("unhandled API error", exc_info=exc)
        return respond(request, 500, _("Internal error; the request id identifies it in the logs."))

    api.add_exception_handler(Exception, on_exception)
    api.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    api.add_exception_handler(NinjaValidationError, on_validation)  # type: ignore[arg-type]
    api.add_exception_handler(DjangoValidationError, on_django_validation)  # type: ignore[arg-type]
    api.add_exception_handler(AuthenticationError, on_auth)  # type: ignore[arg-type]
    api.add_exception_handler(Throttled, on_throttled)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, on_http_error)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(PermissionDenied, on_denied)
    api.add_exception_handler(StaleVersion, on_stale)  # type: ignore[arg-type]
    api.add_exception_handler(RequestDataTooBig, on_too_big)  # type: ignore[arg-type]
    api.add_exception_handler(ProtectedError, on_protected)
    api.add_exception_handler(RestrictedError, on_protected)
