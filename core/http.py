"""Where a request comes from and where it may send the user next.

* `safe_next`: every `next` (or other redirect target) read from a request goes through it,
  so a link or form cannot send a signed-in user to another site.
* `client_ip`: the address a request came from, read from the proxy's header only when the
  deployment says it sits behind trusted proxies (TRUSTED_PROXY_COUNT).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str, *, field: str = "next") -> str:
    """The `field` of the POST (or else the query string) when it points into this site
    (same host; https when the request came by https), otherwise `fallback`."""
    target = request.POST.get(field) or request.GET.get(field) or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _valid_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address: the connecting address, or, behind TRUSTED_PROXY_COUNT trusted
    proxies, the address the outermost of them saw (read from CLIENT_IP_HEADER).

    Each proxy appends the address it received the request from to X-Forwarded-For, so with
    N trusted proxies the N-th entry from the right is the client; entries further left were
    written by the client itself and prove nothing. A header with fewer entries than that
    (a request that did not pass through every proxy) falls back to the connecting address.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    header = request.META.get(settings.CLIENT_IP_META_KEY, "")
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    return _valid_ip(hops[-count]) or remote
