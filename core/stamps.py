"""Table stamps: know, with one tiny query, whether any of a set of tables has changed.

Counting the rows of a filtered project list costs more than reading its page (an exact
count walks every matching index entry, tens of thousands for one district and stage of the
1M-project benchmark; figures in docs/benchmarks/api.md). The API keeps the count of a filter and
restriction
under the stamps of every table the count reads; any insert, update or delete on one of
them raises its stamp (a trigger in the database, so bulk writes, imports and raw SQL
count too), and the next request misses and counts again. Counts are never stale.

Counts are cached only from reads outside a transaction (see `current`), and the stamps
start at random values, so a rolled-back or flushed database cannot bring back a stamp
that an old count was kept under.

On SQLite the triggers cost a one-row update per written row inside a transaction that
already holds the database's single write lock. On PostgreSQL a stamp row updated by every
writer would serialize concurrent writers on it until they commit (an import would block
every other edit), so there the stamp is the statement's snapshot instead
(`pg_current_snapshot()`: the oldest running transaction, the next transaction id and the
ones in progress). Two equal snapshots see exactly the same committed data, and any
transaction that writes takes a new id, so every later snapshot differs: the cache misses
after a write anywhere in the database (coarser than per table, never stale).

The triggers are (re)installed after every `migrate` (post_migrate), because SQLite drops
a table's triggers whenever a migration rebuilds the table.
"""

from __future__ import annotations

import functools
from typing import Any

from django.apps import apps
from django.db import connections

# The tables a project list, its filters and its restriction can read.
STAMPED_MODELS = (
    "projects.Project",
    "projects.Stage",
    "companies.Company",
    "geo.City",
    "geo.District",
    "geo.Zone",
    "taxonomy.Industry",
    "taxonomy.BusinessActivity",
    "taxonomy.ProjectType",
    "partners.Partner",
    "events.Event",
)

Stamps = tuple[tuple[str, int | str], ...]
# The one "table" of a PostgreSQL stamp: the snapshot covers every table.
SNAPSHOT = "*"


@functools.cache
def stamped_tables() -> tuple[str, ...]:
    return tuple(sorted(apps.get_model(label)._meta.db_table for label in STAMPED_MODELS))


def supported(alias: str = "default") -> bool:
    return connections[alias].vendor == "sqlite"


def install(alias: str = "default") -> None:
    """Create the stamp rows and triggers that are missing (idempotent)."""
    connection = connections[alias]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        if "core_tablestamp" not in existing:
            return  # core's migration has not run yet
        for table in stamped_tables():
            if table not in existing:
                continue
            cursor.execute(
                # A random start: a database flushed and refilled never repeats old stamps.
                "INSERT OR IGNORE INTO core_tablestamp (table_name, stamp) "
                "VALUES (%s, abs(random() %% 1000000000000000))",
                [table],
            )
            for event in ("INSERT", "UPDATE", "DELETE"):
                name = f"zs_stamp_{table}_{event.lower()}"
                # Table names come from our own models, never from input.
                cursor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{name}" AFTER {event} ON "{table}" '
                    f"BEGIN UPDATE core_tablestamp SET stamp = stamp + 1 "
                    f"WHERE table_name = '{table}'; END"
                )


def current(alias: str = "default") -> Stamps | None:
    """The stamps of every stamped table (PostgreSQL: the snapshot), or None where nothing
    may be cached on them.

    None inside a transaction: what it reads may include its own uncommitted writes, and a
    rollback would bring the stamps back to values that later, different writes reach
    again. Outside one, each statement reads committed data only.
    """
    connection = connections[alias]
    if connection.in_atomic_block:
        return None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_snapshot()::text")
            return ((SNAPSHOT, cursor.fetchone()[0]),)
    if not supported(alias):
        return None
    from core.models import TableStamp
    from core.sqlcache import prepared_values

    rows = prepared_values(
        "core.stamps",
        lambda: TableStamp.objects.order_by("table_name").values("table_name", "stamp"),
        using=alias,
    )
    stamps = tuple((row["table_name"], row["stamp"]) for row in rows)
    if {name for name, _ in stamps} != set(stamped_tables()):
        return None  # triggers not (yet) installed: nothing can be cached on them
    return stamps


def reads_only_stamped(sql: str, stamps: Stamps) -> bool:
    """Whether every model table that `sql` names is covered by `stamps`."""
    if stamps and stamps[0][0] == SNAPSHOT:
        return True
    stamped = set(stamped_tables())
    for model in apps.get_models():
        table = model._meta.db_table
        if table not in stamped and f'"{table}"' in sql:
            return False
    return True


def on_post_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    # Sent once per app after every migrate (and after a test flush); once is enough.
    if sender.label == "core":
        install(using)
