"""Fast multi-row INSERTs for the importer's bulk path, with their history rows.

Django's bulk_create compiles every value through the generic field machinery, and
simple_history's bulk helper builds a model instance per historical row; for a 100,000-row
ledger those two took most of the commit. Here the column list, the per-column adapters
and the SQL are prepared once per model, values go in as plain tuples, and the primary keys
come back with ``RETURNING`` (SQLite ≥ 3.35 and PostgreSQL, as Django's own bulk_create
relies on). Historical rows get exactly the columns simple_history would write, plus the
request id and change source of the batch.

Rows that need no model instance afterwards (stage changes, import rows) can be inserted
from plain values with :func:`insert_values`; the columns not given get what a new
instance would hold (the field defaults, the auto timestamps).
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone

Adapter = Callable[[Any], Any] | None


def _memo_last(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`adapt` remembering its last argument: a batch stamps one `now` on every row."""
    last: list[Any] = [object(), None]

    def adapt_once(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, adapt(value)
        return last[1]

    return adapt_once


def _adapter(field: models.Field[Any, Any]) -> Adapter:
    """The backend adaptation Field.get_db_prep_save applies to a value of this field, for
    values that are not None (None is passed as it is, SQL NULL, for every field here)."""
    ops = connection.ops
    kind = field.get_internal_type()
    if kind == "DecimalField":
        if type(ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value:
            return None  # the base implementation returns the value unchanged
        digits, places = field.max_digits, field.decimal_places  # type: ignore[attr-defined]
        return lambda v: ops.adapt_decimalfield_value(v, digits, places)
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "DateTimeField":
        return _memo_last(ops.adapt_datetimefield_value)
    if kind == "JSONField":
        encoder = field.encoder  # type: ignore[attr-defined]
        adapt_json = ops.adapt_json_value
        empty = adapt_json([], encoder)

        def json_value(v: Any) -> Any:
            if type(v) is list and not v:
                return empty  # most rows have no errors, no changed fields
            if type(v) in (list, dict, str, int, float, bool):
                # What JSONField.get_db_prep_save does for a plain value.
                return adapt_json(v, encoder)
            return field.get_db_prep_save(v, connection)

        return json_value
    if kind == "UUIDField":
        return lambda v: field.get_db_prep_save(v, connection)
    return None


def _unnest_types(fields: Sequence[models.Field[Any, Any]]) -> list[str] | None:
    """The array types for INSERT … SELECT * FROM UNNEST(…) on PostgreSQL, as Django's own
    bulk_create uses them (5.2: SQLInsertCompiler.assemble_as_sql); None where it would not."""
    if connection.vendor != "postgresql":
        return None
    types = []
    for f in fields:
        target = f.target_field if f.is_relation else f  # type: ignore[attr-defined]
        if hasattr(f, "get_placeholder") or target.get_internal_type() not in (
            connection.data_types
        ):
            return None
        db_type = f.db_type(connection)
        if not db_type:
            return None
        types.append(db_type.split("(")[0])  # varchar[], not varchar(50)[]: no truncation
    return types


def _insert(
    table: str,
    fields: Sequence[models.Field[Any, Any]],
    rows: Sequence[Sequence[Any]],
    pk_column: str | None,
) -> list[Any]:
    """INSERT rows (already adapted) in chunks; returns the new primary keys if asked.

    On PostgreSQL the rows go in as one array per column (UNNEST): a statement with tens
    of thousands of placeholders cost psycopg more time to parse than the server took to
    insert the rows.
    """
    if not rows:
        return []
    qn = connection.ops.quote_name
    cols = ", ".join(qn(str(f.column)) for f in fields)
    tail = f" RETURNING {qn(pk_column)}" if pk_column else ""
    ids: list[Any] = []
    unnest = _unnest_types(fields)
    if unnest is not None:
        arrays = ", ".join(f"(%s)::{t}[]" for t in unnest)
        sql = f"INSERT INTO {qn(table)} ({cols}) SELECT * FROM UNNEST({arrays}){tail}"
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 5000):
                chunk = rows[start : start + 5000]
                cursor.execute(sql, [list(column) for column in zip(*chunk, strict=True)])
                if pk_column:
                    ids.extend(r[0] for r in cursor.fetchall())
        return ids
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # SQLite allows 32,766 parameters per statement (999 before 3.32); stay well below.
    per_chunk = max(1, min(500, 30_000 // max(1, len(fields))))
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 32):
        per_chunk = max(1, 900 // len(fields))
    # Django's SQLite cursor turns each %s into ? with a regular expression, which costs
    # noticeably on statements of hundreds of rows (docs/benchmarks/import.md); written with ? here
    # and run on the sqlite3 cursor itself,
    # unless something watches the queries (execute wrappers, the DEBUG query log).
    qmark = (
        connection.vendor == "sqlite"
        and not connection.execute_wrappers
        and not connection.queries_logged
    )
    if qmark:
        one = one.replace("%s", "?")
    head = f"INSERT INTO {qn(table)} ({cols}) VALUES "
    full_sql = head + ", ".join([one] * per_chunk) + tail
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_chunk):
            chunk = rows[start : start + per_chunk]
            sql = full_sql
            if len(chunk) != per_chunk:
                sql = head + ", ".join([one] * len(chunk)) + tail
            params = [value for row in chunk for value in row]
            if qmark:
                connection.validate_no_broken_transaction()
                with connection.wrap_database_errors:
                    sqlite3.Cursor.execute(cursor.cursor, sql, params)
            else:
                cursor.execute(sql, params)
            if pk_column:
                ids.extend(r[0] for r in cursor.fetchall())
    return ids


def _row_builder(
    fields: Sequence[models.Field[Any, Any]], getters: Sequence[Callable[[Any], Any] | None]
) -> Callable[[Any], list[Any]]:
    """obj → the adapted values of `fields`; getters[i] None means the attribute itself."""
    adapters = [_adapter(f) for f in fields]
    names = [f.attname for f in fields]
    get_all = operator.attrgetter(*names)
    # A loaded field's value is in the instance's __dict__, which is what the attribute
    # (Django's DeferredAttribute, a Python-level descriptor for foreign keys) returns.
    get_loaded = operator.itemgetter(*names)
    adapt_at = [(i, a) for i, a in enumerate(adapters) if a is not None]
    custom = [(i, g) for i, g in enumerate(getters) if g is not None]
    single = len(fields) == 1

    def build(obj: Any) -> list[Any]:
        try:
            got = get_loaded(obj.__dict__)
        except KeyError:  # a deferred field: let the attribute load it
            got = get_all(obj)
        values = [got] if single else list(got)
        for i, get in custom:
            values[i] = get(obj)
        for i, adapt in adapt_at:
            value = values[i]
            if value is not None:
                values[i] = adapt(value)
        return values

    return build


def insert_objects(model: type[models.Model], objs: list[Any]) -> None:
    """Insert unsaved instances; sets auto timestamps and the primary key on each."""
    if not objs:
        return
    now = timezone.now()
    pk = model._meta.pk
    assert pk is not None
    fields = [f for f in model._meta.concrete_fields if f is not pk or objs[0].pk is not None]
    stamp_now = [f.attname for f in fields if getattr(f, "auto_now", False)]
    stamp_new = [
        f.attname
        for f in fields
        if getattr(f, "auto_now_add", False) and not getattr(f, "auto_now", False)
    ]
    for obj in objs:
        for name in stamp_now:
            setattr(obj, name, now)
        for name in stamp_new:
            if getattr(obj, name) is None:
                setattr(obj, name, now)
    build = _row_builder(fields, [None] * len(fields))
    rows = [build(obj) for obj in objs]
    need_ids = objs[0].pk is None
    ids = _insert(model._meta.db_table, fields, rows, pk.column if need_ids else None)
    for obj, new_id in zip(objs, ids, strict=False):
        obj.pk = new_id
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_values(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows given as values of the fields `names` (attnames), in that order.

    Each row is stored as ``model(**dict(zip(names, row)))`` would be by insert_objects:
    the other fields take their defaults, auto timestamps are set to now, the primary key
    is assigned by the database (and not returned).
    """
    if not rows:
        return
    now = timezone.now()
    pk = model._meta.pk
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    given = [by_attname[n] for n in names]
    others = [
        f
        for f in model._meta.concrete_fields
        if f.attname not in names and (f is not pk or f.has_default())
    ]
    fields = [*given, *others]
    adapters = [_adapter(f) for f in fields]
    fixed: list[Any] = []
    per_row: list[tuple[int, models.Field[Any, Any]]] = []
    for i, f in enumerate(others, start=len(given)):
        if getattr(f, "auto_now", False):
            fixed.append(now)
        elif f.has_default() and callable(f.default):
            fixed.append(None)
            per_row.append((i, f))  # a default computed anew for each instance
        else:
            default = f.get_default()
            fixed.append(now if default is None and getattr(f, "auto_now_add", False) else default)
    adapted_fixed = []
    for i, v in enumerate(fixed, start=len(given)):
        adapt_fixed = adapters[i]
        adapted_fixed.append(adapt_fixed(v) if adapt_fixed is not None and v is not None else v)
    adapt_given = [(i, a) for i, a in enumerate(adapters[: len(given)]) if a is not None]
    out = []
    for row in rows:
        values = list(row)
        for i, adapt in adapt_given:
            value = values[i]
            if value is not None:
                values[i] = adapt(value)
        values.extend(adapted_fixed)
        for i, f in per_row:
            value = f.get_default()
            if value is None and getattr(f, "auto_now_add", False):
                value = now
            adapt_default = adapters[i]
            if adapt_default is not None and value is not None:
                value = adapt_default(value)
            values[i] = value
        out.append(values)
    _insert(model._meta.db_table, fields, out, None)


def insert_history(
    model: type[models.Model],
    objs: list[Any],
    *,
    history_type: str,
    user_id: int | None,
    request_id: str,
    source: str,
    reason: str = "",
) -> None:
    """One historical row per instance, as simple_history's bulk_history_create writes it."""
    if not objs:
        return
    history = model.history.model  # type: ignore[attr-defined]
    now = timezone.now()
    tracked = {f.attname for f in history.tracked_fields}
    fields = [f for f in history._meta.concrete_fields if f.name != "history_id"]
    constants = {
        "history_date": now,
        "history_user_id": user_id,
        "history_change_reason": reason or None,
        "history_type": history_type,
        "request_id": request_id,
        "change_source": source,
    }
    from_obj = [f for f in fields if f.attname in tracked or f.attname == "history_relation_id"]
    const_fields = [f for f in fields if f not in from_obj]
    getters: list[Callable[[Any], Any] | None] = [
        operator.attrgetter("pk") if f.attname == "history_relation_id" else None for f in from_obj
    ]
    build = _row_builder(from_obj, getters) if from_obj else None
    const_values = []
    for f in const_fields:
        value = constants[f.attname] if f.attname in constants else f.get_default()
        adapt = _adapter(f)
        const_values.append(adapt(value) if adapt is not None and value is not None else value)
    rows = []
    for obj in objs:
        values = build(obj) if build is not None else []
        values.extend(const_values)
        rows.append(values)
    _insert(history._meta.db_table, [*from_obj, *const_fields], rows, None)
