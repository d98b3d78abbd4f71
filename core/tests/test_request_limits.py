"""Request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE answer 413 naming the limit (finding 8)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiToken
from companies.models import Company

pytestmark = pytest.mark.django_db

LIMIT = 2048


@pytest.fixture
def small_limit(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT


def _big_company() -> str:
    return json.dumps({"name_zh_hans": "大" * LIMIT, "country": "CN"})


def test_a_json_body_over_the_limit_is_413_in_the_envelope(
    personas: dict[str, Any], small_limit: None
) -> None:
    _token, secret = ApiToken.issue(personas["admin"], "limits")
    client = Client()
    response = client.post(
        "/api/v1/companies/",
        _big_company(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large" and error["status"] == 413
    assert "2,048" in error["message"]
    assert not Company.objects.exists()


def test_a_json_body_over_the_limit_with_a_session_is_413_too(
    personas: dict[str, Any], small_limit: None
) -> None:
    client = Client()
    client.force_login(personas["admin"])
    response = client.patch("/api/v1/companies/1", _big_company(), content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_json_body_within_the_limit_is_read(personas: dict[str, Any], small_limit: None) -> None:
    client = Client()
    client.force_login(personas["admin"])
    body = json.dumps({"name_zh_hans": "小公司", "country": "CN"})
    response = client.post("/api/v1/companies/", body, content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_form_post_over_the_limit_is_a_413_page(
    personas: dict[str, Any], small_limit: None
) -> None:
    client = Client()
    client.force_login(personas["admin"])
    response = client.post("/companies/new/", {"name_zh_hans": "大" * LIMIT})
    assert response.status_code == 413
    text = response.content.decode()
    assert "413" in text and "2,048" in text
    assert not Company.objects.exists()


def test_413_is_documented_for_every_api_operation() -> None:
    from config.api import api

    for operations in api.get_openapi_schema()["paths"].values():
        for operation in operations.values():
            assert 413 in operation["responses"]
