"""My work, global search and the money/staleness template helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from core.templatetags.zs import format_yuan, staleness
from projects.models import FollowUp, Project
from testing.factories import make_company, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas() -> dict[str, Any]:
    from testing.personas import create_personas

    return create_personas()


@pytest.fixture
def officer_client(client: Client, personas: dict[str, Any]) -> Client:
    client.force_login(personas["officer_xuhui"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# ---- helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [
        (Decimal("52400000000"), "zh-hans", "524.00亿元"),
        (Decimal("142000000"), "zh-hans", "1.42亿元"),
        (Decimal("35000000"), "zh-hans", "3,500万元"),
        (Decimal("142000000"), "zh-hant", "1.42億元"),
        (Decimal("9000"), "zh-hans", "9,000元"),
        (Decimal("5240000000"), "en", "¥5.24bn"),
        (Decimal("35000000"), "en", "¥35.0m"),
        (None, "zh-hans", "—"),
        ("not a number", "zh-hans", "—"),
    ],
)
def test_money_is_shown_in_yi_and_wan(value: Any, lang: str, text: str) -> None:
    assert format_yuan(value, lang) == text


@override_settings(STALE_YELLOW_DAYS=10, STALE_RED_DAYS=20)
def test_staleness_follows_the_configured_thresholds() -> None:
    today = dt.date(2024, 6, 30)
    assert staleness(today - dt.timedelta(days=10), today) == ""
    assert staleness(today - dt.timedelta(days=11), today) == "yellow"
    assert staleness(today - dt.timedelta(days=21), today) == "red"
    assert staleness(None, today) == ""


# ---- My work --------------------------------------------------------------------------


def test_my_work_lists_my_due_follow_ups_only(
    officer_client: Client, personas: dict[str, Any]
) -> None:
    project = make_project("跟进项目")
    today = timezone.localdate()
    FollowUp.objects.create(
        project=project, title="我的待办", due_on=today, owner=personas["officer_xuhui"]
    )
    FollowUp.objects.create(
        project=project, title="别人的待办", due_on=today, owner=personas["analyst"]
    )
    FollowUp.objects.create(
        project=project,
        title="下个月的待办",
        due_on=today + dt.timedelta(days=40),
        owner=personas["officer_xuhui"],
    )
    html = officer_client.get(reverse("workspace:home")).content.decode()
    assert "我的待办" in html
    assert "别人的待办" not in html
    assert "下个月的待办" not in html


@override_settings(STALE_YELLOW_DAYS=30, STALE_RED_DAYS=60)
def test_my_work_shows_stale_projects_by_configured_thresholds(officer_client: Client) -> None:
    today = timezone.localdate()
    for name, days in (("新鲜项目", 5), ("黄色项目", 45), ("红色项目", 75)):
        project = make_project(name, stage="negotiating", stage_on=None)
        Project.objects.filter(pk=project.pk).update(
            last_progress_on=today - dt.timedelta(days=days)
        )
    make_project("嘉定红色项目", district="310114", stage="negotiating")
    response = officer_client.get(reverse("workspace:home"))
    stale = response.context["stale"]
    assert [p.name for p in stale["red"]["rows"]] == ["红色项目"]
    assert [p.name for p in stale["yellow"]["rows"]] == ["黄色项目"]
    assert "嘉定红色项目" not in response.content.decode()


@override_settings(STALE_YELLOW_DAYS=30, STALE_RED_DAYS=60)
def test_my_work_narrows_to_owned_projects_the_officer_may_see(
    officer_client: Client, personas: dict[str, Any]
) -> None:
    officer = personas["officer_xuhui"]
    today = timezone.localdate()
    long_ago = today - dt.timedelta(days=75)
    mine = make_project("我的红色项目", stage="negotiating", owner=officer)
    make_project("别人的红色项目", stage="negotiating")
    # Owned but in another district: neither shown nor enough to count as "owning projects".
    elsewhere = make_project("嘉定我的项目", district="310114", stage="negotiating", owner=officer)
    Project.objects.filter(pk__in=[mine.pk, elsewhere.pk]).update(last_progress_on=long_ago)
    Project.objects.filter(name="别人的红色项目").update(last_progress_on=long_ago)
    response = officer_client.get(reverse("workspace:home"))
    assert response.context["owns_projects"] is True
    assert [p.name for p in response.context["stale"]["red"]["rows"]] == ["我的红色项目"]
    assert response.context["stale"]["red"]["count"] == 1
    assert "嘉定我的项目" not in response.content.decode()

    Project.objects.filter(pk=mine.pk).update(owner=None)
    response = officer_client.get(reverse("workspace:home"))
    assert response.context["owns_projects"] is False
    assert {p.name for p in response.context["stale"]["red"]["rows"]} == {
        "我的红色项目",
        "别人的红色项目",
    }


def test_my_work_lists_recent_changes_within_scope(officer_client: Client) -> None:
    make_project("徐汇新项目")
    make_project("嘉定新项目", district="310114")
    html = officer_client.get(reverse("workspace:home")).content.decode()
    assert "徐汇新项目" in html
    assert "嘉定新项目" not in html


# ---- search ---------------------------------------------------------------------------


def test_search_ignores_traditional_simplified_and_width(officer_client: Client) -> None:
    company = make_company("比亚迪电子", name_en="BYD Electronic")
    make_project("比亚迪研销总部", investor=company)
    for term in ("比亞迪電子", "ＢＹＤ", "byd electronic", "比亚迪"):
        response = officer_client.get(reverse("workspace:search"), {"q": term})
        assert response.context["companies"] == [company], term
    html = officer_client.get(reverse("workspace:search"), {"q": "比亞迪"}).content.decode()
    assert "比亚迪研销总部" in html


def test_search_does_not_reveal_a_confidential_investor_link(
    client: Client, personas: dict[str, Any]
) -> None:
    company = make_company("保密集团")
    make_project("代号项目", investor=company, confidential=True)
    client.force_login(personas["viewer"])
    response = client.get(reverse("workspace:search"), {"q": "保密集团"})
    assert response.context["projects"] == []


def test_search_stays_within_the_users_scope(officer_client: Client) -> None:
    make_project("嘉定搜索项目", district="310114")
    response = officer_client.get(reverse("workspace:search"), {"q": "嘉定搜索"})
    assert response.context["projects"] == []


@pytest.mark.parametrize(
    ("language", "text"),
    [("zh-hans", "我的工作"), ("zh-hant", "項目看板"), ("en", "My work")],
)
def test_the_language_switch_changes_the_interface(
    client: Client, personas: dict[str, Any], language: str, text: str
) -> None:
    client.force_login(personas["officer_xuhui"])
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("workspace:home")).content.decode()
    assert text in html
    assert 'lang="{}"'.format(language) in html
