"""Prepared queries: compile a queryset's SQL once per shape and run it many times.

Django compiles a queryset to SQL every time it is evaluated. For the API's hottest reads
(the token lookup, a project detail with twelve joins, a page of the project list)
compiling cost several times more than running the query (docs/benchmarks/api.md).
`prepared_values` keeps the compiled SQL of a `.values()`
queryset per database connection, under a key the caller chooses, and re-runs it with new
values in the places marked as slots.

The queryset is still built by the same code as before (the policy's `restrict()`, the
FilterSet), so the SQL is exactly what Django would have run; only the compilation is
shared. The key must therefore name everything the SQL depends on besides the slot values:
for a restricted query that is the user's `accounts.policy.restriction_key`, for a filtered
list the filter parameters and the data they were resolved against.

A slot is `(field, value)`: the model field the value is compared with. The queryset is
compiled once with a sentinel of the field's type in each slot; the position of each
sentinel in the compiled parameters is where later values go, adapted by the field exactly
as Django adapts a lookup value. If a sentinel does not show up exactly once (a shape this
module does not understand), nothing is cached and the queryset runs the ordinary way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX as _FORMAT_QMARK
from django.db.models import Field, QuerySet

# Entries per connection; FIFO eviction (a few hundred shapes cover every hot query).
MAX_ENTRIES = 512
_ATTR = "_zhaoshang_prepared"
_INT_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }
)
_TEXT_TYPES = frozenset({"CharField", "TextField", "SlugField"})

Slot = tuple["Field[Any, Any]", Any]


@dataclass(frozen=True)
class _Prepared:
    sql: str
    qmark_sql: str  # the same with SQLite's placeholders, converted once
    params: tuple[Any, ...]
    positions: tuple[int, ...]  # where each slot's value goes in params
    names: tuple[str, ...]  # column names, in SELECT order
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]  # (column, functions, expression)


# A shape whose result is known to be empty (e.g. `qs.none()` for a user who sees nothing).
_EMPTY = _Prepared("", "", (), (), (), ())


def _sentinel(field: Field[Any, Any], index: int) -> Any:
    kind = field.get_internal_type()
    if kind in _INT_TYPES:
        # Positive and inside 32 bits: Django answers "no rows" without SQL for a value
        # outside a column's range (a negative id, or beyond an AutoField), and a shape
        # compiled that way would not be the real one.
        return 2_147_000_000 - 7919 * index
    if kind in _TEXT_TYPES:
        return f"\uffff zhaoshang slot {index} \uffff"
    if kind == "DateTimeField":
        return dt.datetime(1901, 2, 3, 4, 5, 6, 1000 + index, tzinfo=dt.UTC)
    raise TypeError(f"prepared queries do not support {kind} slots ({field})")


def _adapt(field: Field[Any, Any], value: Any, connection: Any) -> Any:
    return field.get_db_prep_value(value, connection, prepared=False)


def cache_of(alias: str) -> dict[Hashable, Any]:
    """The prepared statements of this thread's connection to `alias` (tests clear it)."""
    connection = connections[alias]
    store = connection.__dict__.get(_ATTR)
    if store is None:
        store = connection.__dict__[_ATTR] = {}
    return store


def _prepare(qs: QuerySet[Any], slots: Sequence[Slot], connection: Any) -> _Prepared | None:
    query = qs.query
    compiler = query.get_compiler(using=qs.db)
    sql, params = compiler.as_sql()
    positions = []
    for index, (field, _value) in enumerate(slots):
        marker = _adapt(field, _sentinel(field, index), connection)
        found = [i for i, p in enumerate(params) if type(p) is type(marker) and p == marker]
        if len(found) != 1:
            return None
        positions.append(found[0])
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    columns = [s[0] for s in compiler.select[: compiler.col_count]]
    if len(columns) != len(names):
        return None
    converters = tuple(
        (i, tuple(functions), expression)
        for i, (functions, expression) in compiler.get_converters(columns).items()
    )
    qmark_sql = _FORMAT_QMARK.sub("?", sql).replace("%%", "%")
    return _Prepared(sql, qmark_sql, tuple(params), tuple(positions), names, converters)


def _fetch(connection: Any, entry: _Prepared, params: list[Any]) -> list[tuple[Any, ...]]:
    plain = not (connection.queries_logged or connection.execute_wrappers)
    if plain and connection.vendor == "postgresql" and settings.PG_PREPARED_STATEMENTS:
        return _fetch_prepared_pg(connection, entry, params)
    if plain and connection.vendor == "sqlite":
        # Straight to sqlite3 with the placeholders converted at preparation: Django's
        # cursor would convert them with a regular expression on every run. Only when nothing logs
        # or wraps queries (tests that count queries
        # go the ordinary way).
        connection.ensure_connection()
        with connection.wrap_database_errors:
            return connection.connection.execute(entry.qmark_sql, params).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(entry.sql, params)
        return cursor.fetchall()


def _fetch_prepared_pg(connection: Any, entry: _Prepared, params: list[Any]) -> Any:
    """Run the statement as a server-side prepared statement on this connection.

    PostgreSQL spends far longer planning a query with a dozen joins (the project detail)
    than running it (docs/benchmarks/api.md); a prepared statement keeps its plan for the
    connection's lifetime.
    Django binds parameters on the client and turns psycopg's automatic preparing off (its
    cursors never prepare); this cursor binds on the server and prepares explicitly, with
    the connection's adapters (time zone included). PG_PREPARED_STATEMENTS=0 turns it off
    for poolers that cannot keep prepared statements (PgBouncer in transaction mode).
    """
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # None disables even an explicit prepare; Django's client-binding cursors never
        # prepare whatever the threshold, so a high one only lets `prepare=True` through.
        raw.prepare_threshold = 2**31 - 1
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(entry.sql, params, prepare=True)
        return cursor.fetchall()


def prepared_values(
    key: Hashable,
    build: Callable[..., QuerySet[Any]],
    slots: Sequence[Slot] = (),
    *,
    using: str = "default",
) -> list[dict[str, Any]]:
    """Rows of `build(*slot values)` (a `.values()` queryset) as dicts, compiled once per key.

    `build` must return a queryset of the same shape for any slot values; it is called
    with sentinels on the first use of `key` (and with the real values when the shape
    cannot be prepared).
    """
    store = cache_of(using)
    connection = connections[using]
    entry: _Prepared | None = store.get(key)
    if entry is None:
        sentinel_qs = build(*(_sentinel(field, i) for i, (field, _v) in enumerate(slots)))
        try:
            entry = _prepare(sentinel_qs, slots, connection)
        except EmptyResultSet:
            # Known to be empty whatever the values only when there are none (e.g. a user
            # who may see nothing); with slots, emptiness might come from the sentinel.
            entry = None if slots else _EMPTY
        if entry is None:  # not preparable: run it the ordinary way, every time
            return list(build(*(value for _field, value in slots)))
        if len(store) >= MAX_ENTRIES:
            store.pop(next(iter(store)))
        store[key] = entry
    if entry is _EMPTY:
        return []
    params = list(entry.params)
    for position, (field, value) in zip(entry.positions, slots, strict=True):
        params[position] = _adapt(field, value, connection)
    rows = _fetch(connection, entry, params)
    names = entry.names
    if not entry.converters:
        return [dict(zip(names, row, strict=True)) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for i, functions, expression in entry.converters:
            value = values[i]
            for function in functions:
                value = function(value, expression, connection)
            values[i] = value
        out.append(dict(zip(names, values, strict=True)))
    return out
