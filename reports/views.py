"""The bulletin web page and its downloads (md, docx, pdf), as the signed-in user sees it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from analytics.forms import CockpitForm
from core.files import protect_download
from reports import bulletin, renderers, slots


def _language(request: HttpRequest) -> str:
    lang = request.GET.get("lang") or ""
    if lang in bulletin.LANGUAGES:
        return lang
    current = (request.LANGUAGE_CODE or "zh-hans").lower()
    return {"zh-hant": "zh-Hant", "en": "en"}.get(current, "zh-Hans")


# Formats printed by a browser, seconds of work each: they need a render slot.
SLOTTED_FORMATS = frozenset({"pdf"})


def _render(request: HttpRequest, doc: bulletin.Bulletin, fmt: str) -> bytes:
    if fmt not in SLOTTED_FORMATS:
        return renderers.render(doc, fmt)
    with slots.render_slot(request.user, fmt):
        return renderers.render(doc, fmt)


def _busy(busy: slots.NoFreeSlot) -> HttpResponse:
    if busy.scope == "user":
        message = _(
            "You already have {n} PDF being printed; wait until it is done and try again."
        ).format(n=settings.PDF_RENDERS_PER_USER)
    else:
        message = _("The server is printing other PDFs; try again in a few seconds.")
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(busy.retry_after)
    return response


@login_required
def bulletin_page(request: HttpRequest) -> HttpResponse:
    """GET /reports/ (and /reports/bulletin/): the bulletin, or a download with ?format=."""
    form = CockpitForm(request.GET or {})
    lang = _language(request)
    fmt = request.GET.get("format") or ""
    if not form.is_valid() or (fmt and fmt not in renderers.FORMATS):
        errors = form.errors if form.errors else {"format": [fmt]}
        return render(
            request,
            "reports/bulletin.html",
            {"form": form, "errors": errors, "languages": bulletin.LANGUAGES, "lang": lang},
            status=400,
        )
    options = form.options()
    doc = bulletin.build(request.user, options, lang)
    if fmt:
        try:
            data = _render(request, doc, fmt)
        except renderers.RenderError as exc:
            return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
        except slots.NoFreeSlot as busy:
            return _busy(busy)
        response = HttpResponse(data, content_type=renderers.CONTENT_TYPES[fmt])
        name = "bulletin-{}-{}.{}".format(options.period.code, lang, fmt)
        protect_download(response, name)
        return response
    query = {k: str(v) for k, v in request.GET.items() if v and k != "format"}
    query["lang"] = lang
    return render(
        request,
        "reports/bulletin.html",
        {
            "form": form,
            "b": doc,
            "body": renderers.to_html(doc, standalone=False),
            "languages": bulletin.LANGUAGES,
            "lang": lang,
            "options": options,
            "query": urlencode(query),
            "formats": [f for f in renderers.FORMATS if f != "html"],
        },
    )
