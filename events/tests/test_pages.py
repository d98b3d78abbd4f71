"""The event page reconciles what an event announced with the projects recorded at it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from events.models import Event
from testing.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas() -> dict[str, Any]:
    from testing.personas import create_personas

    return create_personas()


def _event() -> Event:
    return Event.objects.create(
        name="2024全球投资促进大会",
        kind=Event.Kind.CONFERENCE,
        date=dt.date(2024, 3, 29),
        announced_project_count=3,
        announced_total_cny=Decimal("5000000000"),
    )


def test_it_shows_announced_recorded_and_the_difference(
    client: Client, personas: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    event = _event()
    make_project("甲", signing_event=event, amount_cny=Decimal("2000000000"))
    make_project("乙", signing_event=event, amount_cny=Decimal("1000000000"))
    make_project(
        "不予认定的丙",
        signing_event=event,
        amount_cny=Decimal("900000000"),
        counted_in_stats=False,
        exclusion_reason="重复统计",
    )
    client.force_login(personas["analyst"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("events:detail", args=[event.pk]))
    ctx = response.context
    assert ctx["recorded_count"] == 2
    assert ctx["recorded_total"] == Decimal("3000000000")
    assert ctx["count_diff"] == -1
    assert ctx["total_diff"] == Decimal("-2000000000")
    assert ctx["excluded_count"] == 1
    assert not ctx["reconciled"]
    assert "不予认定的丙" in response.content.decode()


def test_an_officer_reconciles_only_what_they_may_see(
    client: Client, personas: dict[str, Any]
) -> None:
    event = _event()
    make_project("徐汇签约", signing_event=event, amount_cny=Decimal("1000000000"))
    make_project("嘉定签约", district="310114", signing_event=event)
    client.force_login(personas["officer_xuhui"])
    response = client.get(reverse("events:detail", args=[event.pk]))
    assert response.context["recorded_count"] == 1
    assert "嘉定签约" not in response.content.decode()
