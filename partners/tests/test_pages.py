"""The partner page: referrals and their outcomes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from partners.models import Partner
from testing.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas() -> dict[str, Any]:
    from testing.personas import create_personas

    return create_personas()


def test_it_shows_referrals_grouped_by_outcome(
    client: Client, personas: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    partner = Partner.objects.create(name_zh_hans="德勤中国", kind=Partner.Kind.PROFESSIONAL)
    make_project(
        "签约引荐",
        referring_partner=partner,
        referral_registered_on=dt.date(2024, 1, 5),
        amount_cny=Decimal("300000000"),
    )
    make_project("在谈引荐", referring_partner=partner, stage="negotiating")
    lost = make_project("流失引荐", referring_partner=partner, stage="contacted")
    from projects.services import mark_lost

    mark_lost(lost, reason="去了苏州")
    client.force_login(personas["analyst"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("partners:detail", args=[partner.pk]))
    ctx = response.context
    assert ctx["total"] == 3
    assert ctx["won"] == 1
    assert ctx["lost"] == 1
    assert ctx["open"] == 1
    assert ctx["won_amount"] == Decimal("300000000")
    html = response.content.decode()
    assert "去了苏州" in html
    assert "签约引荐" in html
