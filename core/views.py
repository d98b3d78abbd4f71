"""The 400/413 error page (handler400)."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: a body over the upload limits answers 413 saying which limit (in the API's
    envelope under /api/), anything else Django's plain 400."""
    from core.api.errors import error_response, too_large_message

    if isinstance(exception, RequestDataTooBig):
        message = too_large_message()
    elif isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        message = _("The request has more fields or files than the limit allows.")
    else:
        return defaults.bad_request(request, exception)  # type: ignore[arg-type]
    if request.path.startswith("/api/"):
        return error_response(request, 413, message)
    return render(request, "413.html", {"message": message}, status=413)
