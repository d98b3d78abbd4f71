"""Personal API tokens: list, create (secret shown once) and revoke."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.forms import TokenForm
from accounts.models import ApiToken
from accounts.policy import can


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a locked username + address pair: 429 with Retry-After (the
    whole cool-off: the lock ends at most that long from now)."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    response = render(
        request,
        "accounts/locked_out.html",
        {"minutes": max(1, (seconds + 59) // 60)},
        status=429,
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


@never_cache  # the creation response carries the secret: no cache may keep it
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's own tokens; POST creates one and shows its secret on this response only."""
    if not can(request.user, "api_tokens"):
        # Users without a role have nothing to call the API for.
        raise Http404
    owner: Any = request.user  # login_required: never anonymous here
    secret = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, secret = ApiToken.issue(
            request.user, form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
        form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": ApiToken.objects.filter(user=owner).order_by("-created_at"),
        },
        status=201 if secret else 200,
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    # Only the owner's tokens are looked up, so another user's token id is simply unknown.
    owner: Any = request.user
    token = ApiToken.objects.filter(user=owner, pk=pk).first()
    if token is None:
        raise Http404
    token.revoke()
    messages.success(request, _("Token {name} revoked.").format(name=token.name))
    return redirect("accounts:tokens")
