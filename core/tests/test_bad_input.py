"""Values no record can hold answer a clear 4xx naming the problem, never a server error.

Ids of 20 digits, negative or non-numeric ids, years 1 and 9999 and impossible dates, in
every filter of every list (pages, downloads and API) and in the cockpit's and the
bulletin's periods (security review, finding 8).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
import pytest
from django.test import Client

from analytics import counting
from analytics.forms import CockpitForm
from config.api import api
from core.bounds import MAX_ID, parse_id
from core.filters import CalendarDateFilter, IdFilter
from testing.personas import create_scenario

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
BAD_IDS = [HUGE, "-1", "-" + HUGE, "0", "abc", "1.5", "²", str(MAX_ID + 1)]
BAD_DATES = ["0001-01-01", "9999-12-31", "2024-02-30", "1948-12-31", "2101-01-01"]


def _filtersets() -> list[type[django_filters.FilterSet]]:
    from companies.filtersets import CompanyFilterSet
    from events.filtersets import EventFilterSet
    from evidence.filtersets import SourceDocumentFilterSet
    from geo.filtersets import DistrictFilterSet, ZoneFilterSet
    from partners.filtersets import PartnerFilterSet
    from projects.filtersets import ProjectFilterSet
    from taxonomy.filtersets import IndustryFilterSet

    return [
        ProjectFilterSet,
        CompanyFilterSet,
        EventFilterSet,
        PartnerFilterSet,
        SourceDocumentFilterSet,
        DistrictFilterSet,
        ZoneFilterSet,
        IndustryFilterSet,
    ]


def _api_list_params() -> list[tuple[str, str]]:
    """(path, parameter) of every query parameter of every API list operation."""
    found: list[tuple[str, str]] = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        found.extend((path, param["name"]) for param in get.get("parameters", []))
    return found


@pytest.fixture
def admin_client(personas: dict[str, Any]) -> Client:
    create_scenario()
    client = Client()
    client.force_login(personas["admin"])
    return client


def test_every_numeric_filter_of_every_filterset_is_bounded() -> None:
    # A bare NumberFilter reads any number, and the database overflows on 20-digit ids:
    # ids go through IdFilter (1..MAX_ID), dates through CalendarDateFilter.
    for filterset in _filtersets():
        for name, flt in filterset.base_filters.items():
            if type(flt) is django_filters.NumberFilter:
                assert "max_value" in flt.extra, f"{filterset.__name__}.{name} is unbounded"
            assert type(flt) is not django_filters.DateFilter, (
                f"{filterset.__name__}.{name}: use core.filters.CalendarDateFilter"
            )
    id_filters = [
        name
        for filterset in _filtersets()
        for name, flt in filterset.base_filters.items()
        if isinstance(flt, IdFilter)
    ]
    assert {"owner", "event", "partner", "investor", "parent"} <= set(id_filters)


@pytest.mark.parametrize("value", BAD_IDS)
def test_parse_id_refuses_what_cannot_be_an_id(value: str) -> None:
    assert parse_id(value) is None
    assert parse_id("42") == 42


def test_every_api_list_parameter_answers_4xx_to_bad_ids_and_dates(admin_client: Client) -> None:
    failures = []
    for path, param in _api_list_params():
        for value in [*BAD_IDS, *BAD_DATES]:
            response = admin_client.get(path, {param: value})
            if response.status_code >= 500:
                failures.append((path, param, value, response.status_code))
            elif response.status_code != 200:
                body = response.json()
                assert body["error"]["status"] == response.status_code
    assert not failures


@pytest.mark.parametrize("param", ["owner", "event", "partner", "investor"])
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "-1", "abc"])
@pytest.mark.parametrize(
    "path", ["/projects/", "/projects/board/", "/projects/export/", "/data/export/projects.csv"]
)
def test_project_pages_and_downloads_answer_400_to_bad_ids(
    admin_client: Client, path: str, param: str, value: str
) -> None:
    response = admin_client.get(path, {param: value})
    assert response.status_code == 400
    assert param in response.content.decode()


@pytest.mark.parametrize("param", ["owner", "event", "partner", "investor"])
def test_api_project_list_and_totals_name_the_bad_id(admin_client: Client, param: str) -> None:
    for path in ("/api/v1/projects/", "/api/v1/projects/totals"):
        response = admin_client.get(path, {param: HUGE})
        assert response.status_code == 422
        assert param in response.json()["error"]["fields"]


@pytest.mark.parametrize("value", BAD_DATES)
def test_date_filters_outside_the_calendar_answer_4xx(admin_client: Client, value: str) -> None:
    assert admin_client.get("/projects/", {"signed_from": value}).status_code == 400
    response = admin_client.get("/api/v1/events/", {"date_to": value})
    assert response.status_code == 422
    assert "date_to" in response.json()["error"]["fields"]


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00", "9999-12-31T23:59:59"])
def test_audit_since_and_until_at_the_ends_of_the_calendar_are_422(
    admin_client: Client, value: str
) -> None:
    for param in ("since", "until"):
        response = admin_client.get("/api/v1/audit/", {param: value})
        assert response.status_code == 422, response.content
        assert param in response.json()["error"]["fields"]


PERIOD_CASES: list[dict[str, str]] = [
    {"period": "0001"},
    {"period": "9999"},
    {"period": "0001Q1"},
    {"period": "9999-12"},
    {"period": "1948"},
    {"period": "2101YTD03"},
    {"period": "0001-01-01..0001-12-31"},
    {"period": "2024-01-01..9999-12-31"},
    {"start": "0001-01-01", "end": "0001-01-31"},
    {"start": "9999-12-01", "end": "9999-12-31"},
    {"start": "2024-02-30", "end": "2024-03-01"},
    {"start": "0001-01", "end": "0001-02"},
    {"start": "9999-12", "end": "9999-12"},
]
PERIOD_PAGES = [
    "/cockpit/",
    "/cockpit/api/all/",
    "/cockpit/api/kpis/",
    "/cockpit/reconciliation/",
    "/cockpit/api/reconciliation/",
    "/reports/",
]


@pytest.mark.parametrize("query", PERIOD_CASES, ids=lambda q: "&".join(q.values()))
def test_periods_at_the_ends_of_the_calendar_answer_400(
    admin_client: Client, query: dict[str, str]
) -> None:
    for path in PERIOD_PAGES:
        response = admin_client.get(path, query)
        assert response.status_code == 400, (path, response.status_code)


def test_the_first_and_last_periods_inside_the_calendar_still_work(admin_client: Client) -> None:
    for query in ({"period": "1949Q1"}, {"period": "2100"}, {"start": "1949-01", "end": "2100-12"}):
        for path in ("/cockpit/api/all/", "/reports/"):
            assert admin_client.get(path, query).status_code == 200, (path, query)


def test_parse_period_names_the_range() -> None:
    with pytest.raises(ValueError, match="1949"):
        counting.parse_period("0001")
    with pytest.raises(ValueError, match="2100-12-31"):
        counting.parse_period("2024-01-01..9999-12-31")
    assert counting.parse_period("1949").start == dt.date(1949, 1, 1)
    form = CockpitForm({"start": "0001-01-01", "end": "2024-01-31"})
    assert not form.is_valid()
    assert "1949-01-01" in str(form.errors)


def test_calendar_date_filter_message_names_the_range() -> None:
    from events.filtersets import EventFilterSet

    assert isinstance(EventFilterSet.base_filters["date_from"], CalendarDateFilter)
    filterset = EventFilterSet({"date_from": "0001-01-01"})
    assert not filterset.is_valid()
    assert "1949-01-01" in str(filterset.errors["date_from"])
