"""The History tab of the event page: who changed what, when, from which request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.context import change_context
from events.models import Event
from geo.models import District
from testing.factories import make_project

pytestmark = pytest.mark.django_db


def _event() -> Event:
    return Event.objects.create(
        name="2024全球投资促进大会",
        kind=Event.Kind.CONFERENCE,
        date=dt.date(2024, 3, 29),
        announced_project_count=3,
        announced_total_cny=Decimal("5000000000"),
    )


def _history(client: Client, event: Event) -> Any:
    return client.get(
        reverse("events:detail", args=[event.pk]), {"tab": "history"}, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_the_history_tab_shows_who_when_source_and_field_changes(
    client: Client, personas: dict[str, Any]
) -> None:
    event = _event()
    with change_context("import", request_id="batch-event-7", user=personas["officer_xuhui"]):
        event.kind = Event.Kind.SIGNING
        event.announced_project_count = 4
        event.district = District.objects.get(code="310104")
        event.end_date = dt.date(2024, 3, 30)
        event.save()
    client.force_login(personas["viewer"])
    response = _history(client, event)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="history-table"' in html
    assert "officer_xuhui" in html  # who
    assert timezone.localdate().isoformat() in html  # when
    assert "import" in html and "batch-event-7" in html  # source and batch id
    # Field labels with old → new; choices by label, foreign keys by name, dates as ISO.
    assert "announced project count" in html
    assert '<span class="old">3</span> → <span class="new">4</span>' in html
    assert "signing ceremony" in html and "promotion conference" in html
    assert "Xuhui" in html or "徐汇区" in html
    assert "2024-03-30" in html
    # The reconciliation (overview) is not computed for the History tab.
    assert "recorded_count" not in response.context


def test_the_overview_is_unchanged_and_offers_the_history_tab(
    client: Client, personas: dict[str, Any]
) -> None:
    event = _event()
    make_project("甲", signing_event=event, amount_cny=Decimal("2000000000"))
    client.force_login(personas["analyst"])
    response = client.get(reverse("events:detail", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.context["tab"] == "overview"
    assert response.context["recorded_count"] == 1
    assert "?tab=history" in html and ">History<" in html


def test_the_history_tab_query_count_is_pinned(
    client: Client, personas: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    event = _event()
    for code in ("310104", "310114", "310115"):
        event.district = District.objects.get(code=code)
        event.save()
    client.force_login(personas["analyst"])
    with django_assert_max_num_queries(8):
        response = _history(client, event)
    assert len(response.context["history"]) == 4
