"""Login, logout, password change, login throttling, and API tokens (UI and command)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, hash_secret
from testing.personas import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_renders_and_logs_in(personas: dict[str, Any]) -> None:
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'name="password"' in page.content
    response = login(client, "analyst", PERSONA_PASSWORD)
    assert response.status_code == 302
    assert client.get("/api/v1/me/").json()["role"] == "analyst"


def test_wrong_password_is_refused(personas: dict[str, Any]) -> None:
    client = Client()
    response = login(client, "analyst", "wrong-password")
    assert response.status_code == 200
    assert client.get("/api/v1/me/").status_code == 401


def test_repeated_failures_lock_the_account_even_with_the_right_password(
    personas: dict[str, Any],
) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "viewer", "wrong-password")
    locked = login(client, "viewer", PERSONA_PASSWORD)
    assert locked.status_code == 429
    assert client.get("/api/v1/me/").status_code == 401
    # Another account from the same address is not locked (username + IP pairs).
    assert login(client, "analyst", PERSONA_PASSWORD).status_code == 302


def test_logout_needs_post_and_ends_the_session(personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["viewer"])
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/api/v1/me/").status_code == 401


def test_password_change_requires_the_old_password(personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["viewer"])
    assert client.get("/accounts/password_change/").status_code == 200
    refused = client.post(
        "/accounts/password_change/",
        {
            "old_password": "nope",
            "new_password1": "Ne3w-pass-Word",
            "new_password2": "Ne3w-pass-Word",
        },
    )
    assert refused.status_code == 200
    changed = client.post(
        "/accounts/password_change/",
        {
            "old_password": PERSONA_PASSWORD,
            "new_password1": "Ne3w-pass-Word",
            "new_password2": "Ne3w-pass-Word",
        },
    )
    assert changed.status_code == 302
    personas["viewer"].refresh_from_db()
    assert personas["viewer"].check_password("Ne3w-pass-Word")
    assert personas["viewer"].password.startswith("pbkdf2_sha256$")


def test_pages_need_login() -> None:
    response = Client().get("/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_session_cookie_settings_are_safe() -> None:
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert "core.middleware.CsrfViewMiddleware" in settings.MIDDLEWARE


# ---------------------------------------------------------------------------------------------
# Tokens


def test_token_page_creates_a_token_and_shows_the_secret_once(personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["analyst"])
    created = client.post("/accounts/tokens/", {"name": "报表脚本", "days": 30})
    assert created.status_code == 201
    secret = created.context["secret"]
    assert secret.startswith("zs_") and secret.encode() in created.content
    token = ApiToken.objects.get(user=personas["analyst"])
    assert token.token_hash == hash_secret(secret)
    assert secret not in {token.prefix, token.token_hash, token.name}
    assert token.expires_at is not None
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    listing = client.get("/accounts/tokens/")
    assert secret.encode() not in listing.content
    assert token.prefix.encode() in listing.content

    api = Client()
    me = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.status_code == 200 and me.json()["username"] == "analyst"


def test_revoked_and_expired_tokens_are_refused(personas: dict[str, Any]) -> None:
    user = personas["viewer"]
    revoked, revoked_secret = ApiToken.issue(user, "old")
    expired, expired_secret = ApiToken.issue(user, "short", days=1)
    ApiToken.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    client = Client()
    client.force_login(user)
    client.post(f"/accounts/tokens/{revoked.pk}/revoke/")
    api = Client()
    for secret in (revoked_secret, expired_secret, "zs_not-a-token", ""):
        response = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert response.status_code == 401, secret
        assert response.json()["error"]["code"] == "not_authenticated"


def test_users_cannot_revoke_someone_elses_token(personas: dict[str, Any]) -> None:
    token, _secret = ApiToken.issue(personas["admin"], "admin token")
    client = Client()
    client.force_login(personas["viewer"])
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_inactive_users_tokens_stop_working(personas: dict[str, Any]) -> None:
    user = personas["viewer"]
    _token, secret = ApiToken.issue(user, "t")
    user.is_active = False
    user.save()
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_token_command_creates_lists_and_revokes(personas: dict[str, Any]) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "token",
        "create",
        "--user",
        "analyst",
        "--name",
        "ci",
        "--days",
        "7",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    assert secret.startswith("zs_")
    token = ApiToken.objects.get(token_hash=hash_secret(secret))
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200

    listing = io.StringIO()
    call_command("token", "list", "--user", "analyst", stdout=listing)
    assert token.prefix in listing.getvalue() and secret not in listing.getvalue()

    call_command("token", "revoke", str(token.pk), stdout=io.StringIO())
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_token_command_rejects_bad_input(personas: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="no user named"):
        call_command("token", "create", "--user", "ghost", "--name", "x", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--days"):
        call_command(
            "token",
            "create",
            "--user",
            "analyst",
            "--name",
            "x",
            "--days",
            "0",
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="no token matches"):
        call_command("token", "revoke", "zs_nothing", stdout=io.StringIO())


def test_session_writes_need_the_csrf_token(personas: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["admin"])
    response = client.post(
        "/api/v1/companies/", {"name_zh_hans": "某公司"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
