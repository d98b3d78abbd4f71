"""Redirect targets read from a request stay on this site (security review, finding 15)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from core.http import safe_next
from testing.personas import create_scenario

pytestmark = pytest.mark.django_db

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/path",
    "http://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    " https://evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_fall_back(target: str) -> None:
    request = RequestFactory().post("/x/", {"next": target})
    assert safe_next(request, "/home/") == "/home/"


def test_on_site_targets_are_kept_and_https_requests_need_https_targets() -> None:
    request = RequestFactory().post("/x/", {"next": "/projects/?stage=signed"})
    assert safe_next(request, "/") == "/projects/?stage=signed"
    request = RequestFactory().get("/x/", {"next": "http://testserver/projects/"})
    assert safe_next(request, "/") == "http://testserver/projects/"
    secure = RequestFactory().get("/x/", {"next": "http://testserver/projects/"}, secure=True)
    assert safe_next(secure, "/") == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_follow_up_done_never_redirects_off_site(personas: dict[str, Any], target: str) -> None:
    scenario = create_scenario()
    client = Client()
    client.force_login(personas["officer_xuhui"])
    url = "/projects/follow-ups/{}/done/".format(scenario["follow_up"].pk)
    response = client.post(url, {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"
    response = client.post(url, {"next": "/projects/", "undo": "1"})
    assert response["Location"] == "/projects/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_and_language_switch_never_redirect_off_site(
    personas: dict[str, Any], target: str
) -> None:
    # Django's own views, which check `next` with the same function.
    from testing.personas import PERSONA_PASSWORD

    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "viewer", "password": PERSONA_PASSWORD, "next": target}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    response = client.post("/i18n/setlang/", {"language": "en", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_no_view_reads_a_redirect_target_around_safe_next() -> None:
    # Every `next` a view reads goes through core.http.safe_next (Django's own login and
    # set_language views check theirs with the same function).
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(r"""(POST|GET|REQUEST)(\.get\(|\[)\s*["'](next|return_to|redirect_to)""")
    packages = [p for p in root.iterdir() if (p / "__init__.py").exists() or p.name == "config"]
    offenders = [
        str(path.relative_to(root))
        for package in packages
        for path in package.rglob("*.py")
        if path.name != "http.py"
        and "tests" not in path.parts
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert len(packages) > 10
    assert offenders == []
