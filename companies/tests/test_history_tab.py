"""The History tab of the company page: who changed what, when, from which request."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from companies.models import Company
from core.context import change_context
from testing.factories import make_company

pytestmark = pytest.mark.django_db


def _history(client: Client, company: Company) -> Any:
    return client.get(
        reverse("companies:detail", args=[company.pk]),
        {"tab": "history"},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_history_tab_shows_who_when_source_and_field_changes(
    client: Client, personas: dict[str, Any]
) -> None:
    parent = make_company("华芯控股集团有限公司", name_en="Huaxin Holding")
    company = make_company("华芯微电子有限公司", country="CN")
    analyst = personas["analyst"]
    with change_context("web", request_id="req-company-hist-1", user=analyst):
        company.name_en = "Huaxin Microelectronics"
        company.parent = parent
        company.aliases = ["华芯", "华芯微"]
        company.save()
    client.force_login(personas["viewer"])
    response = _history(client, company)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="history-table"' in html
    assert "analyst" in html  # who
    assert timezone.localdate().isoformat() in html  # when
    assert "req-company-hist-1" in html and "web" in html  # source and request id
    assert "changed" in html and "created" in html and "first version" in html
    # Fields by their label, old → new; a foreign key by the related record's name.
    assert "name (English)" in html and "Huaxin Microelectronics" in html
    assert "parent group" in html and "Huaxin Holding" in html
    assert "华芯、华芯微" in html
    # Derived and bookkeeping columns are not listed as changes.
    assert "search key" not in html and ">version<" not in html
    # The overview (projects, KPIs) is not computed for the History tab.
    assert "total_count" not in response.context


def test_the_history_tab_renders_in_the_default_language(
    client: Client, personas: dict[str, Any]
) -> None:
    company = make_company("华芯微电子有限公司")
    with change_context("web", request_id="req-zh", user=personas["analyst"]):
        company.notes = "重点跟进"
        company.save()
    client.force_login(personas["analyst"])
    html = client.get(
        reverse("companies:detail", args=[company.pk]), {"tab": "history"}
    ).content.decode()
    assert "重点跟进" in html
    assert ">修改历史<" in html


def test_an_edit_through_the_page_appears_in_the_history(
    client: Client, personas: dict[str, Any]
) -> None:
    company = make_company("华芯微电子有限公司")
    client.force_login(personas["analyst"])
    response = client.post(
        reverse("companies:edit", args=[company.pk]),
        {
            "name_zh_hans": company.name_zh_hans,
            "country": "CN",
            "website": "huaxin.example.com",
            "version": company.version,
        },
        HTTP_X_REQUEST_ID="req-edit-page-1",
    )
    assert response.status_code == 302
    html = _history(client, company).content.decode()
    assert "req-edit-page-1" in html
    assert "https://huaxin.example.com" in html


def test_the_history_tab_query_count_is_pinned(
    client: Client, personas: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    parents = [make_company(f"母公司{i}号集团") for i in range(5)]
    company = make_company("华芯微电子有限公司")
    for parent in parents:
        company.parent = parent
        company.save()
    client.force_login(personas["analyst"])
    with django_assert_max_num_queries(10):
        response = _history(client, company)
    assert response.status_code == 200
    assert len(response.context["history"]) == 6


def test_an_unknown_tab_falls_back_to_the_overview(
    client: Client, personas: dict[str, Any]
) -> None:
    company = make_company("华芯微电子有限公司")
    client.force_login(personas["analyst"])
    response = client.get(reverse("companies:detail", args=[company.pk]), {"tab": "nope"})
    assert response.status_code == 200
    assert response.context["tab"] == "overview"
    assert "total_count" in response.context
