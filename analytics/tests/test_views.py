"""The cockpit page, its JSON API (one endpoint per figure) and their query budget."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from analytics import api, counting, rollup
from testing.analytics import personas, two_districts

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for() -> Any:
    people = personas()
    two_districts()
    rollup.rebuild()

    def make(who: str) -> Client:
        c = Client()
        c.force_login(people[who])
        return c

    return make


def test_every_figure_has_an_endpoint_naming_the_rules(client_for: Any) -> None:
    client = client_for("analyst")
    for name in api.FIGURES:
        response = client.get("/cockpit/api/{}/".format(name), {"period": "2024Q1"})
        assert response.status_code == 200, name
        data = response.json()
        assert data["rules_version"] == counting.RULES_VERSION
        assert data["figure"] == name
        assert data["options"]["period"] == "2024Q1"
    whole = client.get("/cockpit/api/all/", {"period": "2024Q1", "estimated": "exclude"}).json()
    assert whole["options"]["include_estimated"] is False
    assert whole["kpis"]["current"]["signed_count"] == 5
    # Every chart element drills down to the project list with FilterSet parameters.
    district = whole["district"][0]
    assert district["url"].startswith("/projects/?")
    assert "signed_from=2024-01-01" in district["url"] and "district=" in district["url"]
    groups = [g for g in whole["industry"] if g["leading"]]
    assert groups and all(c["url"].startswith("/projects/?") for g in groups for c in g["children"])


def test_bad_parameters_get_a_clear_error(client_for: Any) -> None:
    client = client_for("analyst")
    bad = client.get("/cockpit/api/all/", {"period": "2024Q7"})
    assert bad.status_code == 400
    assert "2024Q7" in str(bad.json()["fields"])
    assert client.get("/cockpit/api/nonsense/").status_code == 404
    assert client.get("/cockpit/api/all/", {"start": "2024-01"}).status_code == 400
    assert Client().get("/cockpit/api/all/").status_code == 401


def test_custom_and_month_periods(client_for: Any) -> None:
    client = client_for("analyst")
    custom = client.get("/cockpit/api/kpis/", {"start": "2024-01", "end": "2024-02"}).json()
    assert custom["data"]["current"]["signed_count"] == 5
    assert custom["path"] == "rollup"
    days = client.get("/cockpit/api/kpis/", {"start": "2024-02-10", "end": "2024-02-10"}).json()
    assert days["path"] == "exact"
    assert days["data"]["current"]["signed_count"] == 5


def test_the_fast_path_has_a_fixed_query_budget(client_for: Any) -> None:
    client = client_for("officer_pudong")
    client.get("/cockpit/api/all/", {"period": "2024Q1"})
    with CaptureQueriesContext(connection) as ctx:
        data = client.get("/cockpit/api/all/", {"period": "2024Q1"}).json()
    assert data["path"] == "rollup"
    assert len(ctx.captured_queries) <= 40


def test_the_cockpit_page_renders_for_each_persona(client_for: Any) -> None:
    for who in ("admin", "analyst", "officer_xuhui", "partner"):
        page = client_for(who).get("/cockpit/", {"period": "2024Q1"})
        assert page.status_code == 200, who
        assert "vendor/echarts.min.js" in page.content.decode()
        assert counting.RULES_VERSION in page.content.decode()
    assert client_for("analyst").get("/cockpit/", {"period": "bad"}).status_code == 400
    recon = client_for("analyst").get("/cockpit/reconciliation/", {"period": "2024Q1"})
    assert recon.status_code == 200
