"""Prepared queries (core.sqlcache): the same rows as the ORM, for any slot values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken
from core.sqlcache import cache_of, prepared_values
from projects.models import Project
from testing.factories import make_project
from testing.personas import create_personas, create_scenario

pytestmark = pytest.mark.django_db

VALUES = ("id", "name", "amount_cny", "signed_on", "confidential", "stage__code", "district_id")
PK = Project._meta.pk


def _by_pk(pk: int) -> Any:
    return Project.objects.filter(pk=pk).order_by().values(*VALUES)


def test_rows_match_the_orm_for_every_slot_value() -> None:
    projects = [
        make_project("一号项目", amount_cny=Decimal("123456789.50")),
        make_project("二号项目", district=None, amount_cny=None, stage="contacted"),
        make_project("三号项目", confidential=True),
    ]
    for project in [*projects, *projects]:  # the second round runs the prepared statement
        rows = prepared_values("test.by-pk", _by_pk, [(PK, project.pk)])
        assert rows == list(_by_pk(project.pk))
    # Converters ran: Decimal, date and bool come back typed, as from the ORM.
    row = prepared_values("test.by-pk", _by_pk, [(PK, projects[0].pk)])[0]
    assert row["amount_cny"] == Decimal("123456789.50") and isinstance(row["signed_on"], dt.date)
    assert row["confidential"] is False
    assert prepared_values("test.by-pk", _by_pk, [(PK, 2**40)]) == []


def test_the_sql_is_compiled_once_per_key() -> None:
    project = make_project()
    cache_of("default").clear()
    built: list[int] = []

    def build(pk: int) -> Any:
        built.append(pk)
        return _by_pk(pk)

    for _ in range(3):
        assert prepared_values("test.once", build, [(PK, project.pk)])[0]["id"] == project.pk
    assert len(built) == 1 and built[0] != project.pk  # built once, with the sentinel


def test_text_and_datetime_slots() -> None:
    users = create_personas()
    token, _secret = ApiToken.issue(users["analyst"], "t")
    expired, _ = ApiToken.issue(users["viewer"], "old")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    hash_field = ApiToken._meta.get_field("token_hash")
    expiry_field = ApiToken._meta.get_field("expires_at")

    def build(token_hash: str, now: dt.datetime) -> Any:
        return ApiToken.objects.usable(now).filter(token_hash=token_hash).values("id")

    now = timezone.now()
    for candidate, expected in ((token, [token.pk]), (expired, []), (token, [token.pk])):
        rows = prepared_values(
            "test.token", build, [(hash_field, candidate.token_hash), (expiry_field, now)]
        )
        assert [r["id"] for r in rows] == expected
    later = now + dt.timedelta(days=400)  # the now slot is really a parameter
    ApiToken.objects.filter(pk=token.pk).update(expires_at=now + dt.timedelta(days=1))
    rows = prepared_values(
        "test.token", build, [(hash_field, token.token_hash), (expiry_field, later)]
    )
    assert rows == []


def test_shapes_it_cannot_prepare_still_answer_correctly() -> None:
    first, second = make_project("甲"), make_project("乙")

    def twice(pk: int) -> Any:  # the slot value appears twice in the SQL
        return Project.objects.filter(pk=pk).exclude(expands_id=pk).values("id")

    for project in (first, second):
        assert prepared_values("test.twice", twice, [(PK, project.pk)]) == [{"id": project.pk}]
    assert "test.twice" not in cache_of("default")
    # An empty queryset (a user who may see nothing) is remembered as empty.
    assert prepared_values("test.none", lambda: Project.objects.none().values("id")) == []
    assert prepared_values("test.none", lambda: Project.objects.none().values("id")) == []


def test_prepared_queries_are_seen_by_query_counters() -> None:
    create_personas()
    create_scenario()
    pk = Project.objects.order_by("pk").values_list("pk", flat=True)[0]
    prepared_values("test.count", _by_pk, [(PK, pk)])
    with CaptureQueriesContext(connection) as captured:
        prepared_values("test.count", _by_pk, [(PK, pk)])
    assert len(captured) == 1 and "projects_project" in captured[0]["sql"]


def test_slots_of_32_bit_and_positive_integer_columns() -> None:
    """auth.User's id is a 32-bit AutoField and Project.version a PositiveIntegerField:
    a sentinel outside their range would make Django compile "no rows" instead of the SQL."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    users = create_personas()
    for name in ("admin", "viewer", "admin"):
        pk = users[name].pk
        rows = prepared_values(
            "test.user",
            lambda v: user_model.objects.filter(pk=v).values("username"),
            [(user_model._meta.pk, pk)],
        )
        assert rows == [{"username": users[name].get_username()}]
    project = make_project()
    version_field = Project._meta.get_field("version")
    for version, expected in ((project.version, [project.pk]), (project.version + 5, [])):
        rows = prepared_values(
            "test.version",
            lambda v: Project.objects.filter(version=v, pk=project.pk).values("id"),
            [(version_field, version)],
        )
        assert [r["id"] for r in rows] == expected


def test_an_empty_shape_with_slots_is_not_remembered_as_empty() -> None:
    project = make_project()

    def build(pk: int) -> Any:  # empty (without SQL) for the sentinel only
        rows = Project.objects.none() if pk > 2_000_000_000 else Project.objects.filter(pk=pk)
        return rows.values("id")

    for _ in range(2):
        assert prepared_values("test.maybe-empty", build, [(PK, project.pk)]) == [
            {"id": project.pk}
        ]


def test_unsupported_slot_types_are_a_programming_error() -> None:
    field = Project._meta.get_field("amount_cny")
    with pytest.raises(TypeError, match="DecimalField"):
        prepared_values("test.bad", lambda v: Project.objects.values("id"), [(field, 1)])


def test_page_values_reads_the_same_rows_as_a_plain_offset() -> None:
    from core.api.crud import page_values

    for i in range(12):
        make_project(f"分页{i:02d}", amount_cny=Decimal(i % 3 + 1) * 10**8)
    columns = ("id", "name", "amount_cny", "stage__code")
    for ordering in ((), ("-amount_cny", "id"), ("name", "-pk")):
        qs = Project.objects.order_by(*ordering) if ordering else Project.objects.all()
        for start in (0, 5, 10):
            deferred = page_values(qs, start, 5, columns)
            assert "IN (SELECT" in str(deferred.query)
            assert list(deferred) == list(qs.values(*columns)[start : start + 5])
    # An ordering with ties keeps the plain OFFSET form.
    ties = page_values(Project.objects.order_by("-amount_cny"), 5, 5, columns)
    assert "IN (SELECT" not in str(ties.query)
