"""The company API's create path runs the duplicate check, like the importer and the review."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ingest.models import DuplicateSuggestion
from testing.factories import make_company

pytestmark = pytest.mark.django_db


def _post(user: Any, body: dict[str, Any]) -> Any:
    client = Client()
    client.force_login(user)
    return client.post("/api/v1/companies/", json.dumps(body), content_type="application/json")


def test_creating_a_company_reports_and_queues_likely_duplicates(
    personas: dict[str, Any],
) -> None:
    existing = make_company("华芯微电子(上海)有限公司")
    created = _post(personas["officer_xuhui"], {"name_zh_hans": "華芯微電子有限公司"})
    assert created.status_code == 201, created.content
    hints = created.json()["possible_duplicates"]
    assert [h["id"] for h in hints] == [existing.pk]
    assert hints[0]["score"] >= 80 and hints[0]["reasons"]
    pair = DuplicateSuggestion.objects.get(kind="companies")
    assert (pair.first_id, pair.second_id) == (existing.pk, created.json()["id"])
    unrelated = _post(personas["officer_xuhui"], {"name_zh_hans": "远洋物流有限公司"})
    assert unrelated.status_code == 201 and unrelated.json()["possible_duplicates"] == []
    assert DuplicateSuggestion.objects.count() == 1
