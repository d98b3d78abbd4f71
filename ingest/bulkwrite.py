"""Fast multi-row INSERTs for the importer's bulk path, with their history rows.

Django's bulk_create compiles every value through the generic field machinery, and
simple_history's bulk helper builds a model instance per historical row; for a 100,000-row
ledger those two took most of the commit. Here the column list, the per-column adapters
and the SQL are prepared once per model, values go in as plain tuples, and the primary keys
come back with ``RETURNING`` (SQLite ≥ 3.35 and PostgreSQL, as Django's own bulk_create
relies on). Historical rows get exactly the columns simple_history would write, plus the
request id and change source of the batch.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

Adapter = Callable[[Any], Any] | None


def _adapter(field: models.Field[Any, Any]) -> Adapter:
    ops = connection.ops
    kind = field.get_internal_type()
    if kind == "DecimalField":
        digits, places = field.max_digits, field.decimal_places  # type: ignore[attr-defined]
        return lambda v: None if v is None else ops.adapt_decimalfield_value(v, digits, places)
    if kind == "DateField":
        return lambda v: None if v is None else ops.adapt_datefield_value(v)
    if kind == "DateTimeField":
        return lambda v: None if v is None else ops.adapt_datetimefield_value(v)
    if kind in ("JSONField", "UUIDField"):
        return lambda v: field.get_db_prep_save(v, connection)
    return None


def _insert(
    table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], pk_column: str | None
) -> list[Any]:
    """INSERT rows (already adapted) in chunks; returns the new primary keys if asked."""
    if not rows:
        return []
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # SQLite allows 32,766 parameters per statement (999 before 3.32); stay well below.
    per_chunk = max(1, min(500, 30_000 // max(1, len(columns))))
    if connection.vendor == "sqlite":
        import sqlite3

        if sqlite3.sqlite_version_info < (3, 32):
            per_chunk = max(1, 900 // len(columns))
    ids: list[Any] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_chunk):
            chunk = rows[start : start + per_chunk]
            sql = f"INSERT INTO {qn(table)} ({cols}) VALUES " + ", ".join([one] * len(chunk))
            if pk_column:
                sql += f" RETURNING {qn(pk_column)}"
            params = [value for row in chunk for value in row]
            cursor.execute(sql, params)
            if pk_column:
                ids.extend(r[0] for r in cursor.fetchall())
    return ids


def insert_objects(model: type[models.Model], objs: list[Any]) -> None:
    """Insert unsaved instances; sets auto timestamps and the primary key on each."""
    if not objs:
        return
    now = timezone.now()
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk or objs[0].pk is not None]
    adapters = [_adapter(f) for f in fields]
    stamp = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    rows = []
    for obj in objs:
        for f in stamp:
            if getattr(f, "auto_now", False) or getattr(obj, f.attname) is None:
                setattr(obj, f.attname, now)
        values = []
        for f, adapt in zip(fields, adapters, strict=True):
            value = getattr(obj, f.attname)
            values.append(adapt(value) if adapt is not None else value)
        rows.append(tuple(values))
    need_ids = objs[0].pk is None
    columns = [str(f.column) for f in fields]
    ids = _insert(model._meta.db_table, columns, rows, pk.column if need_ids else None)
    for obj, new_id in zip(objs, ids, strict=False):
        obj.pk = new_id
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _constant(value: Any) -> Callable[[Any], Any]:
    def get(_obj: Any) -> Any:
        return value

    return get


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
    getters: list[Callable[[Any], Any]] = []
    for f in fields:
        name = f.attname
        if name in tracked:
            getters.append(operator.attrgetter(name))
        elif name == "history_relation_id":
            getters.append(operator.attrgetter("pk"))
        else:
            value = constants[name] if name in constants else f.get_default()
            getters.append(_constant(value))
    adapters = [_adapter(f) for f in fields]
    rows = []
    for obj in objs:
        values = []
        for get, adapt in zip(getters, adapters, strict=True):
            value = get(obj)
            values.append(adapt(value) if adapt is not None else value)
        rows.append(tuple(values))
    _insert(history._meta.db_table, [str(f.column) for f in fields], rows, None)
