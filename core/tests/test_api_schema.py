"""schemathesis against the OpenAPI document, in-process through the WSGI app.

Bounded examples per operation keep the run to a minute or two. Every response must be
non-5xx, have a documented status code and content type, and match its documented schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiToken
from core.personas import create_personas, create_scenario

MAX_EXAMPLES = 8


def _load_schema() -> Any:
    """The API's OpenAPI document, called through the WSGI app (openapi.json itself needs a
    login outside DEBUG, so the document is taken from the API object)."""
    from config.api import api

    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def admin_token(db: Any, settings: Any) -> Iterator[str]:
    settings.API_THROTTLE_RATE = "off"
    users = create_personas()
    create_scenario()
    _token, secret = ApiToken.issue(users["admin"], "schemathesis")
    # The WSGI handler closes the connection after each request; inside the test's
    # transaction that would drop the test data (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield secret
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_openapi_document(case: Any, admin_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)
