"""Through the WSGI entry point: bearer-token API requests skip the browser-only middleware
(core.middleware) and still get the security headers, request id, language and audit trail;
a refused token never falls back to a session, and session writes still need CSRF."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from accounts.models import ApiToken
from config import wsgi
from core import middleware
from core.middleware import is_token_api_request
from projects.models import Project
from testing.personas import create_personas, create_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """As Django's test client does: the handler's request signals must not close the
    connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def call(
    path: str, *, method: str = "GET", body: Any = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    raw = json.dumps(body).encode() if body is not None else b""
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    seen: dict[str, Any] = {}

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc: Any = None
    ) -> None:
        seen["status"] = int(status.split()[0])
        seen["headers"] = {k.lower(): v for k, v in response_headers}

    app: Any = wsgi.application
    result = app(environ, start_response)
    content = b"".join(result)
    getattr(result, "close", lambda: None)()
    return seen["status"], seen["headers"], json.loads(content) if content else None


def test_only_bearer_api_requests_count_as_token_requests(rf: RequestFactory) -> None:
    assert is_token_api_request(rf.get("/api/v1/projects/", HTTP_AUTHORIZATION="Bearer x"))
    assert is_token_api_request(rf.get("/api/v1/me/", HTTP_AUTHORIZATION="bearer x"))
    assert not is_token_api_request(rf.get("/api/v1/me/"))
    assert not is_token_api_request(rf.get("/projects/", HTTP_AUTHORIZATION="Bearer x"))
    assert not is_token_api_request(rf.get("/api/v1/me/", HTTP_AUTHORIZATION="Basic x"))


BROWSER_ONLY = [
    (middleware.SessionMiddleware, "session"),
    (middleware.AuthenticationMiddleware, "user"),
    (middleware.MessageMiddleware, "_messages"),
    (middleware.HtmxMiddleware, "htmx"),
]


@pytest.mark.parametrize(("cls", "attribute"), BROWSER_ONLY)
def test_browser_only_middleware_lets_token_requests_pass(
    rf: RequestFactory, cls: type, attribute: str
) -> None:
    seen: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse()

    chain = (
        middleware.SessionMiddleware(cls(view))
        if cls is not middleware.SessionMiddleware
        else cls(view)
    )
    chain(rf.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer zs_x"))
    chain(rf.get("/api/v1/me/"))
    token_request, browser_request = seen
    assert not hasattr(token_request, attribute)
    assert hasattr(browser_request, attribute)


def test_csrf_is_skipped_only_for_token_requests(rf: RequestFactory) -> None:
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    csrf = middleware.CsrfViewMiddleware(view)
    token_post = rf.post("/api/v1/companies/", HTTP_AUTHORIZATION="Bearer zs_x")
    assert csrf.process_view(token_post, view, (), {}) is None
    browser_post = rf.post("/api/v1/companies/")
    response = csrf.process_view(browser_post, view, (), {})
    assert response is not None and response.status_code == 403


def test_django_and_axes_checks_accept_the_middleware_list() -> None:
    from django.core import checks

    assert [m.id for m in checks.run_checks() if m.level >= checks.WARNING] == []


def test_a_token_request_answers_like_the_full_chain(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    users = create_personas()
    create_scenario()
    _token, secret = ApiToken.issue(users["officer_xuhui"], "t")
    status, headers, body = call(
        "/api/v1/projects/", AUTHORIZATION=f"Bearer {secret}", X_REQUEST_ID="abc-123"
    )
    assert status == 200 and body["count"] >= 1
    assert all(row["district"]["code"] == "310104" for row in body["results"])
    assert headers["x-request-id"] == "abc-123"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    # A refused token is a 401 in the error envelope, never a fall-back to a session.
    status, _headers, body = call("/api/v1/projects/", AUTHORIZATION="Bearer zs_wrong")
    assert status == 401 and body["error"]["code"]
    # The language still follows Accept-Language.
    status, _headers, body = call(
        "/api/v1/projects/?signed_from=x", AUTHORIZATION=f"Bearer {secret}", ACCEPT_LANGUAGE="en"
    )
    assert status == 422 and "not valid" in body["error"]["message"]


def test_a_token_write_is_audited_with_user_and_request_id(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    users = create_personas()
    create_scenario()
    officer = users["officer_xuhui"]
    _token, secret = ApiToken.issue(officer, "t")
    project = Project.objects.filter(district__code="310104").order_by("pk").first()
    assert project is not None
    status, _headers, body = call(
        f"/api/v1/projects/{project.pk}",
        method="PATCH",
        body={"version": project.version, "priority": "A"},
        AUTHORIZATION=f"Bearer {secret}",
        X_REQUEST_ID="req-audit-1",
    )
    assert status == 200 and body["priority"] == "A"
    record = project.history.order_by("-history_id").first()
    assert record.history_user_id == officer.pk
    assert record.request_id == "req-audit-1" and record.change_source == "api"


def test_a_refused_token_never_falls_back_to_the_session_sent_along(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    users = create_personas()
    browser = Client()
    browser.force_login(users["admin"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    status, _headers, body = call("/api/v1/me/", COOKIE=cookie)
    assert status == 200  # the session alone is accepted
    status, _headers, body = call("/api/v1/me/", COOKIE=cookie, AUTHORIZATION="Bearer zs_wrong")
    assert status == 401 and body["error"]["code"]


def test_session_writes_through_the_entry_point_still_need_csrf(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    users = create_personas()
    browser = Client()
    browser.force_login(users["admin"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    status, _headers, body = call(
        "/api/v1/companies/", method="POST", body={"name_zh_hans": "某公司"}, COOKIE=cookie
    )
    assert status == 403 and body["error"]["code"] == "forbidden"
