"""The History tab of the partner page: who changed what, when, from which request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.context import change_context
from partners.models import Partner

pytestmark = pytest.mark.django_db


def _partner() -> Partner:
    return Partner.objects.create(name_zh_hans="德勤中国", kind=Partner.Kind.PROFESSIONAL)


def _history(client: Client, partner: Partner) -> Any:
    return client.get(
        reverse("partners:detail", args=[partner.pk]),
        {"tab": "history"},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_history_tab_shows_who_when_source_and_field_changes(
    client: Client, personas: dict[str, Any]
) -> None:
    partner = _partner()
    with change_context("web", request_id="req-partner-hist-1", user=personas["analyst"]):
        partner.name_en = "Deloitte China"
        partner.domains = ["semiconductors", "biomedicine"]
        partner.registered_on = dt.date(2024, 5, 6)
        partner.save()
    client.force_login(personas["viewer"])
    response = _history(client, partner)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="history-table"' in html
    assert "analyst" in html  # who
    assert timezone.localdate().isoformat() in html  # when
    assert "req-partner-hist-1" in html and "web" in html  # source and request id
    assert "name (English)" in html and "Deloitte China" in html
    assert "semiconductors、biomedicine" in html
    assert "2024-05-06" in html
    assert "first version" in html
    # The referral figures (overview) are not computed for the History tab.
    assert "outcomes" not in response.context


def test_the_overview_still_shows_the_referrals(client: Client, personas: dict[str, Any]) -> None:
    partner = _partner()
    client.force_login(personas["analyst"])
    response = client.get(
        reverse("partners:detail", args=[partner.pk]),
        {"tab": "overview"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.context["total"] == 0
    html = response.content.decode()
    assert "No referrals yet." in html
    assert "?tab=history" in html


def test_an_inactive_user_gets_no_history(client: Client, personas: dict[str, Any]) -> None:
    partner = _partner()
    viewer = personas["viewer"]
    client.force_login(viewer)
    viewer.is_active = False
    viewer.save()
    assert _history(client, partner).status_code in (302, 404)
