"""Production hardening (security review, finding 17): HSTS, a Content-Security-Policy on
every page with no inline script, no-store on the token page, a configurable admin URL,
API docs behind a login outside DEBUG and a JSON 404 for every unknown /api/ path."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "production-like-secret-key-0123456789abcdef",
    "ALLOWED_HOSTS": "zhaoshang.example.gov.cn",
    "DATABASE_URL": "sqlite:///var/settings-check.sqlite3",
}


def _settings(env: dict[str, str], *names: str) -> Any:
    """Values of config.settings in a fresh interpreter with `env` (settings are read once)."""
    code = (
        "import json, sys, config.settings as s; "
        "print(json.dumps({n: getattr(s, n, None) for n in sys.argv[1:]}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "ADMIN_URL"}
    result = subprocess.run(
        [sys.executable, "-c", code, *names],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        return result.stderr
    return json.loads(result.stdout)


def test_hsts_is_on_in_production_only_and_configurable() -> None:
    names = ("SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD")
    assert _settings(PRODUCTION, *names) == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
    }
    tuned = {**PRODUCTION, "HSTS_SECONDS": "600", "HSTS_PRELOAD": "1"}
    assert _settings(tuned, *names)["SECURE_HSTS_SECONDS"] == 600
    assert _settings(tuned, *names)["SECURE_HSTS_PRELOAD"] is True
    debug = {**PRODUCTION, "DEBUG": "1"}
    assert _settings(debug, "SECURE_HSTS_SECONDS")["SECURE_HSTS_SECONDS"] == 0


def test_https_responses_carry_hsts(settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = False
    response = Client().get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_behind_a_trusted_proxy_forwarded_https_counts_as_secure() -> None:
    configured = {**PRODUCTION, "TRUSTED_PROXY_COUNT": "1"}
    assert _settings(configured, "SECURE_PROXY_SSL_HEADER") == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]
    }
    # Without trusted proxies a client's X-Forwarded-Proto is not believed.
    assert _settings(PRODUCTION, "SECURE_PROXY_SSL_HEADER") == {"SECURE_PROXY_SSL_HEADER": None}


def test_every_response_carries_a_csp_without_inline_script(personas: dict[str, Any]) -> None:
    policy = settings.CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    client = Client()
    assert client.get("/accounts/login/")["Content-Security-Policy"] == policy
    client.force_login(personas["analyst"])
    for path in ("/", "/projects/", "/cockpit/", "/api/v1/me/", "/api/v1/nope"):
        assert client.get(path)["Content-Security-Policy"] == policy, path
    _token, secret = ApiToken.issue(personas["analyst"], "csp")
    token_client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert token_client.get("/api/v1/me/")["Content-Security-Policy"] == policy


def _templates() -> list[Path]:
    return [
        path
        for path in ROOT.glob("*/**/templates/**/*.html")
        if ".venv" not in path.parts and "node_modules" not in path.parts
    ] + list((ROOT / "templates").rglob("*.html"))


def test_no_template_has_inline_script_or_event_handler_attributes() -> None:
    # script-src 'self' blocks both: a page with one would silently lose that behaviour.
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
    javascript_url = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (inline_script, handler, javascript_url):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern.pattern}")
    assert len(_templates()) > 20
    assert offenders == []


def test_the_token_page_is_never_cached(personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["analyst"])
    created = client.post("/accounts/tokens/", {"name": "report script", "days": "30"})
    assert created.status_code == 201
    assert "no-store" in created["Cache-Control"]
    assert "no-store" in client.get("/accounts/tokens/")["Cache-Control"]


def test_the_admin_url_is_configurable() -> None:
    code = (
        "import django; django.setup(); from django.urls import reverse, resolve; "
        "print(reverse('admin:index')); "
        "from django.urls import Resolver404\n"
        "try:\n    resolve('/admin/')\nexcept Resolver404:\n    print('gone')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "ADMIN_URL": "manage-7f3a/"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.stdout.split() == ["/manage-7f3a/", "gone"], result.stderr
    for bad in ("admin", "/admin/", "projects/", "a b/"):
        assert "ADMIN_URL" in str(_settings({**PRODUCTION, "ADMIN_URL": bad}, "ADMIN_URL"))


def test_api_docs_need_a_login_outside_debug(personas: dict[str, Any], settings: Any) -> None:
    settings.DEBUG = False
    anonymous = Client()
    docs = anonymous.get("/api/v1/docs")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")
    document = anonymous.get("/api/v1/openapi.json")
    assert document.status_code == 401
    assert document.json()["error"]["code"] == "not_authenticated"
    _token, secret = ApiToken.issue(personas["viewer"], "docs")
    with_token = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert with_token.get("/api/v1/openapi.json").json()["openapi"]
    wrong_token = Client(HTTP_AUTHORIZATION="Bearer zs_wrong")
    assert wrong_token.get("/api/v1/openapi.json").status_code == 401
    signed_in = Client()
    signed_in.force_login(personas["viewer"])
    assert signed_in.get("/api/v1/docs").status_code == 200
    assert signed_in.get("/api/v1/openapi.json").status_code == 200
    settings.DEBUG = True
    assert anonymous.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/", "/api/", "/api/v2/projects/", "/api/v1/nope", "/api/v1/projects/1/x"]
)
def test_unknown_api_paths_answer_the_json_404_envelope(
    personas: dict[str, Any], path: str
) -> None:
    client = Client()
    client.force_login(personas["viewer"])
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(path)
        assert response.status_code == 404, (method, path)
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["error"]["code"] == "not_found"
