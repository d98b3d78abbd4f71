"""Every figure goes through the aggregate restriction: an officer sees only their district."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import Profile
from analytics import counting, queries, rollup
from geo.models import District
from testing.analytics import TODAY, personas, two_districts, yi

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    people = personas()
    projects = two_districts()
    rollup.rebuild()
    return {**people, **projects}


def opts(**kw: Any) -> counting.Options:
    return counting.Options(period=counting.parse_period("2024Q1"), today=TODAY, **kw)


def test_the_municipal_view_counts_both_districts(world: dict[str, Any]) -> None:
    fig = queries.cockpit(world["analyst"], opts())
    assert fig.path == "rollup"
    assert fig.current.signed_n == 5
    # 30 + 0.5 + 120 + 5 + increment 3
    assert counting.from_fen(fig.current.signed_fen) == yi("158.5")
    assert fig.previous.signed_n == 1


def test_a_district_officer_sees_only_their_district(world: dict[str, Any]) -> None:
    xuhui = District.objects.get(code="310104")
    fig = queries.cockpit(world["officer_xuhui"], opts())
    assert fig.path == "rollup"
    assert (fig.current.signed_n, fig.current.major_n) == (2, 1)
    assert counting.from_fen(fig.current.signed_fen) == yi("30.5")
    assert set(fig.by_district) == {xuhui.pk}
    assert {pk for pk, _fen in fig.top} == {world["xh_big"].pk, world["xh_small"].pk}

    pudong = queries.cockpit(world["officer_pudong"], opts())
    assert pudong.current.signed_n == 3
    assert world["xh_big"].pk not in {pk for pk, _fen in pudong.top}


def test_an_officer_with_city_aggregates_gets_city_totals_but_only_own_rows(
    world: dict[str, Any],
) -> None:
    officer = world["officer_xuhui"]
    Profile.objects.filter(user=officer).update(city_aggregates=True)
    from accounts.policy import forget_scope

    forget_scope(officer)
    fig = queries.cockpit(officer, opts())
    assert fig.current.signed_n == 5
    assert {pk for pk, _fen in fig.top} == {world["xh_big"].pk, world["xh_small"].pk}


def test_a_partner_sees_only_referred_projects(world: dict[str, Any]) -> None:
    referred = world["pd_big"]
    referred.referring_partner = world["partner_org"]
    referred.save()
    fig = queries.cockpit(world["partner"], opts())
    assert fig.path == "exact"
    assert fig.current.signed_n == 1
    assert fig.top == [(referred.pk, counting.to_fen(yi(120)))]


def test_users_without_a_role_see_nothing(world: dict[str, Any]) -> None:
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user("nobody", password="x" * 12)
    fig = queries.cockpit(nobody, opts())
    assert fig.current.signed_n == 0 and fig.top == [] and fig.funnel == {}


def test_the_api_answers_within_the_callers_scope(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["officer_xuhui"])
    data = client.get("/cockpit/api/district/", {"period": "2024Q1"}).json()
    assert data["rules_version"] == counting.RULES_VERSION
    assert [d["key"] for d in data["data"]] == ["310104"]
    top = client.get("/cockpit/api/top/", {"period": "2024Q1"}).json()["data"]
    assert {p["name"] for p in top} == {"徐汇大项目", "徐汇小项目"}
