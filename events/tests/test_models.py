from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from events.models import Event

pytestmark = pytest.mark.django_db


def test_an_event_keeps_its_announced_totals() -> None:
    event = Event.objects.create(
        name="招商大会",
        kind=Event.Kind.CONFERENCE,
        date=dt.date(2024, 3, 29),
        announced_project_count=21,
        announced_total_cny=Decimal("52400000000"),
        announced_total_text="总投资524亿元",
    )
    assert str(event) == "招商大会 (2024-03-29)"
    assert event.history.count() == 1


def test_it_rejects_an_end_before_the_start_and_a_negative_total() -> None:
    event = Event(
        name="错误活动",
        kind=Event.Kind.SIGNING,
        date=dt.date(2024, 3, 29),
        end_date=dt.date(2024, 3, 1),
        announced_total_cny=Decimal("-1"),
    )
    with pytest.raises(ValidationError) as err:
        event.full_clean()
    assert "announced_total_cny" in err.value.message_dict
    assert "__all__" in err.value.message_dict  # the named constraint on the dates
