"""The WSGI entry point: token API requests take the short middleware chain, and still get
the security headers, request id, language and audit trail of the full one."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections

from accounts.models import ApiToken
from config import wsgi
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

    result = wsgi.application(environ, start_response)
    content = b"".join(result)
    getattr(result, "close", lambda: None)()
    return seen["status"], seen["headers"], json.loads(content) if content else None


def test_only_bearer_api_requests_take_the_short_chain() -> None:
    assert wsgi.is_token_api_request(
        {"PATH_INFO": "/api/v1/projects/", "HTTP_AUTHORIZATION": "Bearer x"}
    )
    assert wsgi.is_token_api_request({"PATH_INFO": "/api/v1/me/", "HTTP_AUTHORIZATION": "bearer x"})
    assert not wsgi.is_token_api_request({"PATH_INFO": "/api/v1/me/"})
    assert not wsgi.is_token_api_request(
        {"PATH_INFO": "/projects/", "HTTP_AUTHORIZATION": "Bearer x"}
    )
    assert not wsgi.is_token_api_request(
        {"PATH_INFO": "/api/v1/me/", "HTTP_AUTHORIZATION": "Basic x"}
    )


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
