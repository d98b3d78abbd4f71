"""What every record page's History tab shares: who may see it, for companies, events and
partners alike (each record's own field rendering is tested beside its app)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.urls import reverse

from core.context import change_context
from events.models import Event
from partners.models import Partner
from testing.factories import make_company

pytestmark = pytest.mark.django_db


def _company() -> models.Model:
    return make_company("华芯微电子有限公司")


def _event() -> Event:
    return Event.objects.create(
        name="2024全球投资促进大会",
        kind=Event.Kind.CONFERENCE,
        date=dt.date(2024, 3, 29),
        announced_total_cny=Decimal("5000000000"),
    )


# record kind -> (detail URL name, factory, a text field to change, its new value)
RECORDS: dict[str, tuple[str, Callable[[], models.Model], str, str]] = {
    "company": (
        "companies:detail",
        lambda: make_company("华芯微电子有限公司"),
        "notes",
        "重点跟进",
    ),
    "event": ("events:detail", _event, "venue", "世博中心"),
    "partner": (
        "partners:detail",
        lambda: Partner.objects.create(name_zh_hans="德勤中国", kind=Partner.Kind.PROFESSIONAL),
        "contact",
        "王经理",
    ),
}


def _history(client: Client, kind: str, record: models.Model) -> Any:
    url_name = RECORDS[kind][0]
    return client.get(reverse(url_name, args=[record.pk]), {"tab": "history"})


@pytest.mark.parametrize("kind", RECORDS)
def test_a_user_who_may_not_view_the_record_gets_404_for_its_history(
    client: Client, kind: str
) -> None:
    record = RECORDS[kind][1]()
    # A user without a profile may see nothing (accounts.policy).
    nobody = get_user_model().objects.create_user("nobody", password="x-unused-x")
    client.force_login(nobody)
    assert client.get(reverse(RECORDS[kind][0], args=[record.pk])).status_code == 404
    assert _history(client, kind, record).status_code == 404
    client.logout()
    assert _history(client, kind, record).status_code == 302  # to the login page


@pytest.mark.parametrize("kind", RECORDS)
@pytest.mark.parametrize(
    "persona", ["admin", "analyst", "officer_xuhui", "officer_jiading", "partner", "viewer"]
)
def test_every_persona_who_may_view_the_record_sees_its_history(
    client: Client, personas: dict[str, Any], kind: str, persona: str
) -> None:
    _url, factory, field, value = RECORDS[kind]
    record = factory()
    with change_context("web", request_id="req-persona", user=personas["admin"]):
        setattr(record, field, value)
        record.save()
    client.force_login(personas[persona])
    response = _history(client, kind, record)
    assert response.status_code == 200
    assert value in response.content.decode()
