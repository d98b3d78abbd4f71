"""Fast bulk insertion for generated data: executemany on prepared column lists.

`Model.objects.bulk_create` builds a model instance per row and a fresh SQL string per batch;
for the synthetic generator (a million projects) that dominates the run, so rows are given
as tuples in column order and sent with `executemany`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        # Generated rows share one timestamp object: adapt it once, not once per row.
        last: list[Any] = [None, None]

        def adapt_datetime(value: Any) -> Any:
            if value is not last[0]:
                last[0], last[1] = value, ops.adapt_datetimefield_value(value)
            return last[1]

        return adapt_datetime
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places
        return lambda v: ops.adapt_decimalfield_value(v, digits, places)
    if isinstance(field, models.JSONField):
        return lambda v: field.get_db_prep_save(v, connection)
    return None


class BulkWriter:
    """Insert rows (tuples in `columns` order) into `model`'s table in batches."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], batch: int = 5000):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {unknown}")
        self.model = model
        self.batch = batch
        # Columns the caller leaves out get their field default (constant for the whole run),
        # so adding a field with a default never breaks the generator.
        self._filler: tuple[Any, ...] = ()
        for name, field in fields.items():
            if name in columns or field.primary_key:
                continue
            if field.has_default():
                self._filler += (field.get_default(),)
            elif field.null:
                self._filler += (None,)
            elif field.empty_strings_allowed and isinstance(
                field, (models.CharField, models.TextField)
            ):
                self._filler += ("",)
            elif isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
                from django.utils import timezone

                self._filler += (timezone.now(),)
            else:
                raise ValueError(f"{model.__name__}.{name} needs a value: it has no default")
            columns = [*columns, name]
        self.columns = list(columns)
        self._adapters = [(i, a) for i, c in enumerate(columns) if (a := _adapter(fields[c]))]
        qn = connection.ops.quote_name
        cols = ", ".join(qn(str(fields[c].column)) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({cols}) VALUES ({marks})"
        self._pending: list[tuple[Any, ...]] = []
        self.written = 0

    def add(self, row: tuple[Any, ...]) -> None:
        if self._filler:
            row = row + self._filler
        if self._adapters:
            values = list(row)
            for index, adapt in self._adapters:
                if values[index] is not None:
                    values[index] = adapt(values[index])
            row = tuple(values)
        self._pending.append(row)
        if len(self._pending) >= self.batch:
            self.flush()

    def extend(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        if not self._pending:
            return
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self._pending)
        self.written += len(self._pending)
        self._pending = []


class fast_sqlite_writes:  # noqa: N801  (used as a context manager)
    """Relax SQLite durability for a bulk load inside one transaction (no-op elsewhere).

    A crash mid-load loses only the load itself: it runs in a single transaction.
    """

    def __init__(self) -> None:
        # SQLite refuses to change the safety level inside a transaction (tests run in one).
        self.active = connection.vendor == "sqlite" and not connection.in_atomic_block

    def __enter__(self) -> None:
        if self.active:
            with connection.cursor() as cursor:
                # Django's SQLite foreign keys are DEFERRABLE; with them on, every insert into a
                # parent table searches its child tables, which is ruinous once indexes are
                # deferred. The loader checks all references itself before it commits
                # (`check_references`).
                cursor.execute("PRAGMA foreign_keys=OFF")
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-262144")  # 256 MB page cache

    def __exit__(self, *exc: object) -> None:
        if self.active:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA cache_size=-2000")


class deferred_indexes:  # noqa: N801  (used as a context manager)
    """Drop the plain secondary indexes of `models_` during a large load and rebuild them after.

    Building an index once over sorted data is much cheaper than updating a dozen b-trees per
    inserted row. Indexes that back unique or primary-key constraints are left alone, so the
    database still checks them row by row. Runs inside the caller's transaction (SQLite and
    PostgreSQL both have transactional DDL), so a failed load leaves every index in place.
    """

    def __init__(self, *models_: type[models.Model]) -> None:
        self.tables = [m._meta.db_table for m in models_]
        self.saved: list[str] = []

    def _plain_indexes(self, table: str) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                    " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                    [table],
                )
            elif connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s"
                    " AND i.indexdef NOT LIKE 'CREATE UNIQUE%%' AND NOT EXISTS ("
                    " SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                    [table],
                )
            else:
                return []
            return [(str(name), str(sql)) for name, sql in cursor.fetchall()]

    def __enter__(self) -> None:
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in self.tables:
                for name, sql in self._plain_indexes(table):
                    self.saved.append(sql)
                    cursor.execute(f"DROP INDEX {qn(name)}")

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            return  # the transaction rolls back and restores the indexes
        with connection.cursor() as cursor:
            for sql in self.saved:
                cursor.execute(sql)


def analyze(*models_: type[models.Model]) -> None:
    """Refresh the planner's statistics after a bulk load (a fresh table has none)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {qn(model._meta.db_table)}")


def check_references(*models_: type[models.Model]) -> None:
    """Raise IntegrityError if any foreign key of `models_` points at a missing row."""
    connection.check_constraints(table_names=[m._meta.db_table for m in models_])


def next_id(model: type[models.Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0) + 1


def reset_sequences(*models_: type[models.Model]) -> None:
    """After inserting explicit ids, move PostgreSQL sequences past them (no-op on SQLite)."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
