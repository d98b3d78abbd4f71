"""The project list's cached counts and prepared pages (core.stamps, core.api.crud).

These tests commit (transactional database): counts are only cached from reads outside a
transaction, as in production, where every API read runs in autocommit.
"""

from __future__ import annotations

import importlib
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from accounts.models import ApiToken
from core import stamps
from core.api import crud
from geo.models import District
from projects.models import Project, Stage
from testing.factories import make_project
from testing.personas import create_personas, create_scenario

pytestmark = pytest.mark.django_db(transaction=True)
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="per-table triggers are SQLite's stamps"
)


def stamp(table: str) -> int:
    value = dict(stamps.current() or ())[table]
    assert isinstance(value, int)
    return value


@pytest.fixture
def users() -> dict[str, Any]:
    # A transactional test starts from whatever the last one flushed (a flush also removes
    # the stages seeded by a migration): load what we need.
    if not Stage.objects.exists():
        from django.apps import apps

        seed_stages = importlib.import_module("projects.migrations.0002_seed_stages").seed
        seed_stages(apps, None)
    if not District.objects.exists():
        call_command("load_reference", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    users = create_personas()
    create_scenario()
    return users


def api(user: Any) -> Client:
    _token, secret = ApiToken.issue(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@sqlite_only
def test_every_write_to_a_stamped_table_raises_its_stamp(users: dict[str, Any]) -> None:
    before = dict(stamps.current() or ())
    assert set(before) == set(stamps.stamped_tables())
    project = make_project("新项目")  # inserts (project, company)
    assert stamp("projects_project") > before["projects_project"]  # type: ignore[operator]
    assert stamp("companies_company") > before["companies_company"]  # type: ignore[operator]
    after_insert = stamp("projects_project")
    Project.objects.filter(pk=project.pk).update(priority="A")  # a bulk update
    after_update = stamp("projects_project")
    assert after_update > after_insert
    with connection.cursor() as cursor:  # raw SQL counts too
        cursor.execute("DELETE FROM projects_stagechange WHERE project_id = %s", [project.pk])
        cursor.execute("DELETE FROM projects_project WHERE id = %s", [project.pk])
    assert stamp("projects_project") > after_update
    assert stamp("geo_district") == before["geo_district"]  # untouched tables keep theirs


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's snapshot stamp")
def test_the_postgresql_stamp_changes_with_any_committed_write(users: dict[str, Any]) -> None:
    first = stamps.current()
    assert first is not None
    # Reads alone change nothing (retried: any other session's write in the cluster, an
    # autovacuum's ANALYZE included, takes a transaction id and changes the snapshot).
    assert any(stamps.current() == stamps.current() for _ in range(50))
    make_project("新项目")
    second = stamps.current()
    assert second is not None and second != first
    District.objects.filter(code="310104").update(name_en="Xuhui")
    assert stamps.current() != second


def test_no_stamps_inside_a_transaction(users: dict[str, Any]) -> None:
    assert stamps.current() is not None
    with transaction.atomic():
        assert stamps.current() is None


@sqlite_only
def test_triggers_come_back_after_migrate(users: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute('DROP TRIGGER "zs_stamp_projects_project_insert"')
    call_command("migrate", verbosity=0)
    before = stamp("projects_project")
    make_project("迁移之后")
    assert stamp("projects_project") > before


def test_cached_counts_follow_every_write(users: dict[str, Any]) -> None:
    client = api(users["admin"])
    url = "/api/v1/projects/?district=310104&page_size=1"
    first = client.get(url).json()["count"]
    assert client.get(url).json()["count"] == first  # served from the cache
    project = make_project("徐汇新项目", district="310104")
    assert client.get(url).json()["count"] == first + 1
    Project.objects.filter(pk=project.pk).update(district=District.objects.get(code="310114"))
    assert client.get(url).json()["count"] == first
    Project.objects.filter(pk=project.pk).delete()
    assert client.get("/api/v1/projects/?district=310114").json()["count"] == 2


def test_a_changed_code_is_resolved_again(users: dict[str, Any]) -> None:
    client = api(users["admin"])
    url = "/api/v1/projects/?stage=signed"
    signed = client.get(url).json()["count"]
    assert signed > 0
    Stage.objects.filter(code="signed").update(code="signed-renamed")
    assert client.get(url).json()["count"] == 0
    assert client.get("/api/v1/projects/?stage=signed-renamed").json()["count"] == signed


FILTERS = [
    "",
    "district=310104",
    "district=310114&stage=signed",
    "q=嘉定",
    "industry=ic&ordering=-amount",
    "amount_min_yi=5&ordering=name",
    "confidential=true",
    "stale=red",
]


@pytest.mark.parametrize("persona", ["admin", "officer_xuhui", "officer_jiading", "partner"])
def test_cached_pages_equal_uncached_ones(users: dict[str, Any], persona: str) -> None:
    for i in range(7):
        make_project(f"分页项目{i}", district="310104", amount_cny=Decimal(i + 1) * 10**8)
    client = api(users[persona])
    for query, page in itertools.product(FILTERS, (1, 2, 3)):
        url = f"/api/v1/projects/?{query}&page_size=3&page={page}"
        crud._COUNTS.clear()
        with transaction.atomic():  # no stamps inside a transaction: the plain path
            plain = client.get(url)
        cold = client.get(url)  # fills the caches
        warm = client.get(url)  # served from them
        assert plain.status_code == cold.status_code == warm.status_code == 200, url
        assert plain.json() == cold.json() == warm.json(), url


def test_invalid_filters_are_refused_with_a_warm_cache(users: dict[str, Any]) -> None:
    client = api(users["admin"])
    assert client.get("/api/v1/projects/?signed_from=2024-01-01").status_code == 200
    response = client.get("/api/v1/projects/?signed_from=yesterday")
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"signed_from"}


def test_officers_never_get_another_scopes_count(users: dict[str, Any]) -> None:
    admin, xuhui, jiading = (
        api(users[name]) for name in ("admin", "officer_xuhui", "officer_jiading")
    )
    url = "/api/v1/projects/"
    counts = {name: c.get(url).json()["count"] for name, c in (("a", admin), ("x", xuhui))}
    counts["j"] = jiading.get(url).json()["count"]
    assert counts["a"] > counts["x"] and counts["a"] > counts["j"]
    names = {r["name"] for r in jiading.get(url).json()["results"]}
    assert all("徐汇" not in name for name in names)
