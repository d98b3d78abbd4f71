"""The query shapes behind the fast pages (issue 6) return exactly what the plain ones did.

The list reads a page as a deferred join, the board filters by ids looked up beforehand
(`resolve_keys`), the industry filter uses a subquery on the taxonomy: these tests pin that
the rows, their order and the totals are the same as the straightforward queries give.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from geo.models import District
from projects.filtersets import ProjectFilterSet
from projects.models import Project
from taxonomy.models import Industry
from testing.factories import make_project

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def ledger() -> list[Project]:
    rows = []
    for i, (district, stage, industry, amount) in enumerate(
        [
            ("310104", "signed", "ic.design", "500000000"),
            ("310104", "lead", "ic", None),
            ("310114", "signed", "auto.battery", "5000000000"),
            ("310115", "negotiating", "biomed", "80000000"),
            ("310115", "signed", "ic.manufacturing", "300000000"),
            ("310115", "lead", "ai", "10000000"),
        ]
    ):
        rows.append(
            make_project(
                f"形状项目{i}",
                district=district,
                stage=stage,
                industry=industry,
                amount_cny=Decimal(amount) if amount else None,
                signed_on=dt.date(2024, 1, 1) + dt.timedelta(days=30 * i)
                if stage == "signed"
                else None,
            )
        )
    return rows


def _rows(params: dict[str, str], *, resolve_keys: bool) -> list[str]:
    filterset = ProjectFilterSet(params, queryset=Project.objects.all(), resolve_keys=resolve_keys)
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.values_list("name", flat=True))


@pytest.mark.parametrize(
    "params",
    [
        {"district": "310115"},
        {"district": "PK:310115"},
        {"district": "310104,310115", "stage": "signed"},
        {"stage": "lead,negotiating"},
        {"industry": "ic"},
        {"industry": "ic,biomed", "signed_from": "2024-01-15"},
        {"industry": "PK:ic.design"},
        {"district": "999999"},
        {"industry": "no-such-industry"},
        {"zone": "no-such-zone"},
    ],
)
def test_resolving_codes_first_gives_the_same_rows_in_the_same_order(
    ledger: list[Project], params: dict[str, str]
) -> None:
    # "PK:<code>" stands for that record's primary key: the filters accept either.
    for key, value in list(params.items()):
        if value.startswith("PK:"):
            model = District if key == "district" else Industry
            params[key] = str(model.objects.get(code=value[3:]).pk)
    assert _rows(params, resolve_keys=True) == _rows(params, resolve_keys=False)


def test_an_industry_filter_includes_sub_tracks_by_code_or_id(ledger: list[Project]) -> None:
    ic = Industry.objects.get(code="ic")
    expected = {"形状项目0", "形状项目1", "形状项目4"}
    assert set(_rows({"industry": "ic"}, resolve_keys=False)) == expected
    # An id matches that industry only, as before.
    assert set(_rows({"industry": str(ic.pk)}, resolve_keys=False)) == {"形状项目1"}


def test_the_list_pages_are_the_same_rows_as_slicing_the_filtered_queryset(
    analyst_client: Client,
) -> None:
    for i in range(60):
        make_project(
            f"分页项目{i:02d}",
            stage="signed" if i % 3 else "lead",
            amount_cny=Decimal(100_000_000 + i * 1_000_000),  # distinct: a total order
            signed_on=dt.date(2024, 1, 1) + dt.timedelta(days=i % 9) if i % 3 else None,
        )
    for params in ({}, {"ordering": "-amount"}, {"ordering": "name"}, {"stage": "signed"}):
        expected = list(
            ProjectFilterSet(params, queryset=Project.objects.all()).qs.values_list("pk", flat=True)
        )
        seen: list[int] = []
        for page in (1, 2):
            response = analyst_client.get(
                reverse("projects:list"), {**params, "per_page": "25", "page": page}, headers=HTMX
            )
            seen += [p.pk for p in response.context["page"].object_list]
        assert seen == expected[:50], params


def test_the_board_filtered_by_district_uses_literal_ids_and_matches_the_list(
    analyst_client: Client, ledger: list[Project]
) -> None:
    with CaptureQueriesContext(connection) as ctx:
        board = analyst_client.get(reverse("projects:board"), {"district": "310115"}, headers=HTMX)
    project_queries = [q["sql"] for q in ctx.captured_queries if "projects_project" in q["sql"]]
    assert project_queries
    # No OR over a join to the district table: the planner gets `district_id IN (<id>)`.
    assert not any('"geo_district"."code"' in sql for sql in project_queries)
    pudong = District.objects.get(code="310115")
    by_pk = analyst_client.get(reverse("projects:board"), {"district": str(pudong.pk)})
    for a, b in zip(board.context["columns"], by_pk.context["columns"], strict=True):
        assert (a["count"], a["total"], [p.pk for p in a["cards"]]) == (
            b["count"],
            b["total"],
            [p.pk for p in b["cards"]],
        )
    columns = {c["stage"].code: c for c in board.context["columns"]}
    assert columns["signed"]["count"] == 1
    assert columns["lead"]["count"] == 1
    assert columns["negotiating"]["total"] == Decimal("80000000")


@pytest.fixture
def analyst_client(client: Client, personas: dict[str, Any]) -> Client:
    client.force_login(personas["analyst"])
    return client
