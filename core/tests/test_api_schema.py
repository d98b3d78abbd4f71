"""schemathesis against the OpenAPI document, in process through the WSGI app.

Every operation, with valid and invalid data and the edge values of tests/api_fuzz.py (ids
of 20 digits, dates at the ends of the calendar, dates that do not exist): every answer is
non-5xx, has a documented status code and content type, and valid requests get answers that
match their documented schema. A few examples per operation with a fixed seed keep this
under a minute or two; scripts/fuzz_api.py runs the same with 200 or more per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from accounts.models import ApiToken
from testing.api_fuzz import load_schema, operation_id, operations, run_operation
from testing.personas import create_personas, create_scenario

EXAMPLES = 25
SEED = 20261208

schema = load_schema(get_wsgi_application())
OPERATIONS = {operation_id(op): op for op in operations(schema)}


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


def test_every_operation_is_fuzzed() -> None:
    assert len(OPERATIONS) >= 40
    assert "GET /api/v1/projects/" in OPERATIONS and "GET /api/v1/audit/" in OPERATIONS


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_api_conforms_to_its_openapi_document(name: str, admin_token: str) -> None:
    result = run_operation(
        OPERATIONS[name],
        headers={"Authorization": f"Bearer {admin_token}"},
        examples=EXAMPLES,
        seed=SEED,
    )
    assert result.examples >= 1
    assert result.failures == [], "\n\n".join(
        f"[{f.mode}] {f.status} {f.request}\n{f.problem}" for f in result.failures[:5]
    )
