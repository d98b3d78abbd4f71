"""Login lockout behind a reverse proxy: keyed on username + the client's address taken from
the trusted proxy's header, answered with 429 and Retry-After (security review, finding 16)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from core.http import client_ip
from testing.personas import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db

NGINX = "10.0.0.2"


def _request(remote: str = NGINX, **headers: str) -> Any:
    request = RequestFactory().get("/")
    request.META.update(REMOTE_ADDR=remote, **headers)
    return request


def test_without_trusted_proxies_the_connecting_address_counts(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    # A client-written X-Forwarded-For proves nothing and is ignored.
    assert client_ip(_request("203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")) == (
        "203.0.113.9"
    )


def test_behind_trusted_proxies_the_outermost_proxys_entry_counts(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    # nginx appends the address it saw; what the client wrote before it is ignored.
    spoofed = _request(HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_ip(spoofed) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 2  # a load balancer in front of nginx
    assert client_ip(_request(HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7, 10.0.0.9")) == (
        "198.51.100.7"
    )
    # Fewer entries than proxies (the request bypassed one) or garbage: the connecting address.
    assert client_ip(_request(HTTP_X_FORWARDED_FOR="198.51.100.7")) == NGINX
    assert client_ip(_request(HTTP_X_FORWARDED_FOR="x, not-an-ip, 10.0.0.9")) == NGINX
    assert client_ip(_request()) == NGINX


def test_the_header_is_configurable(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    request = _request(HTTP_X_REAL_IP="2001:db8::1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert client_ip(request) == "2001:db8::1"


def _login(client: Client, username: str, password: str, address: str) -> Any:
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=NGINX,
        HTTP_X_FORWARDED_FOR=address,
    )


def test_one_guesser_behind_nginx_does_not_lock_the_same_user_elsewhere(
    personas: dict[str, Any], settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    guesser, owner = Client(), Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(guesser, "viewer", "wrong-password", "198.51.100.66")
    locked = _login(guesser, "viewer", PERSONA_PASSWORD, "198.51.100.66")
    assert locked.status_code == 429
    # The account's owner, at another address behind the same nginx, still gets in.
    assert _login(owner, "viewer", PERSONA_PASSWORD, "198.51.100.10").status_code == 302


def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_lock(
    personas: dict[str, Any], settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "viewer", "wrong-password", f"198.51.100.{i}")
    assert _login(client, "viewer", PERSONA_PASSWORD, "198.51.100.200").status_code == 429


def test_a_locked_login_answers_429_with_retry_after(personas: dict[str, Any]) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "analyst", "password": "nope"})
    locked = client.post("/accounts/login/", {"username": "analyst", "password": "nope"})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert "15" in locked.content.decode()
