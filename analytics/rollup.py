"""Build and maintain ProjectFact and Rollup (the fast path's pre-aggregated data).

- `rebuild()` recomputes every fact from the projects, then every rollup row with one
  GROUP BY per dimension in the database (`zhaoshang rollup`).
- `refresh_project(pk)` is called by signals after any ORM write to a project, its stage
  changes or its paid-in capital: it replaces the project's fact and applies the difference
  (old contributions out, new in) to the rollup rows, inside the writer's transaction.
- `is_fresh()` compares the highest ids the rollup has seen with the tables, which catches
  bulk writes that bypass signals (the generator, raw SQL); a stale rollup is not used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Max, Min, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from analytics import counting
from analytics.models import ProjectFact, Rollup, RollupState
from core.bulk import BulkWriter
from projects.models import PaidInCapital, Project, Stage, StageChange
from taxonomy.models import Industry, ProjectType

DIMENSIONS = (
    "all",
    "month",
    "industry",
    "type",
    "activity",
    "origin",
    "country",
    "regdays",
    "stage",
    "progress",
)
MEASURES = (
    "n",
    "amount_fen",
    "contracted_fen",
    "paid_in_fen",
    "n_registered",
    "n_started",
    "n_performing",
)
CellKey = tuple[str, int, int, int, str, bool, int]

PROJECT_COLUMNS = (
    "id",
    "district_id",
    "zone_id",
    "industry_id",
    "stage_id",
    "project_type_id",
    "business_activity_id",
    "signing_event_id",
    "origin",
    "source_country",
    "signed_on",
    "amount_cny",
    "increment_cny",
    "amount_is_estimated",
    "contracted_amount_cny",
    "registered_on",
    "construction_on",
    "withdrawn",
    "last_progress_on",
    "counted_in_stats",
    "duplicate_of_id",
)


# ---------------------------------------------------------------- reference lookups


class Lookups:
    """Small reference tables the fact builder needs, read once per build."""

    def __init__(self) -> None:
        codes = dict(Industry.objects.values_list("id", "code"))
        by_code = {code: pk for pk, code in codes.items()}
        self.category: dict[int, int] = {}
        for pk, code in codes.items():
            top = code.split(".")[0]
            self.category[pk] = by_code.get(top, pk)
        self.increment_only = set(
            ProjectType.objects.filter(counts_increment_only=True).values_list("id", flat=True)
        )
        self.stages = {
            s.pk: s for s in Stage.objects.only("id", "code", "is_lost", "fold", "is_won")
        }


def build_fact(
    row: dict[str, Any],
    first_won: dt.date | None,
    paid_in: Any,
    lookups: Lookups,
) -> ProjectFact | None:
    """The fact for one project row (R1–R11), or None when the project does not count."""
    if not row["counted_in_stats"] or row["duplicate_of_id"] is not None:
        return None
    signed = row["signed_on"]
    credit = min(d for d in (signed, first_won) if d is not None) if signed or first_won else None
    if row["project_type_id"] in lookups.increment_only:
        amount = counting.to_fen(row["increment_cny"])
    else:
        amount = counting.to_fen(row["amount_cny"])
    stage = lookups.stages[row["stage_id"]]
    is_open = not stage.is_lost and not stage.fold and stage.code != "operating"
    registered_on = row["registered_on"]
    reg_days = None
    if credit is not None and registered_on is not None:
        reg_days = max(0, (registered_on - credit).days)
    contracted = counting.to_fen(row["contracted_amount_cny"])
    last = row["last_progress_on"]
    return ProjectFact(
        project_id=row["id"],
        district_id=row["district_id"] or 0,
        zone_id=row["zone_id"] or 0,
        category_id=lookups.category.get(row["industry_id"] or 0, 0),
        stage_id=row["stage_id"],
        project_type_id=row["project_type_id"] or 0,
        activity_id=row["business_activity_id"] or 0,
        event_id=row["signing_event_id"] or 0,
        origin=row["origin"] or "",
        source_country=row["source_country"] or "",
        credit_date=credit,
        credit_month=counting.month_key(credit),
        amount_fen=amount,
        estimated=bool(row["amount_is_estimated"]),
        bucket=counting.bucket_of(amount),
        contracted_fen=contracted,
        paid_in_fen=(counting.to_fen(paid_in) or 0) if contracted is not None else 0,
        registered=registered_on is not None,
        reg_days=reg_days,
        started=row["construction_on"] is not None,
        performing=not row["withdrawn"] and not stage.is_lost,
        open=is_open,
        last_progress_on=last,
        progress_month=counting.month_key(last) if is_open and last else 0,
    )


CITY = -1  # district_id = zone_id = -1: the city-wide total row of a cell


def contributions(fact: ProjectFact) -> Iterator[tuple[CellKey, tuple[int, ...]]]:
    """The rollup cells one fact adds to, with its measures (the same as rebuild's GROUP BY).

    Each area cell (district, zone) has a city-wide twin (-1, -1) so that the municipal view
    reads a handful of rows instead of every area's.
    """
    for cell, measures in _area_contributions(fact):
        yield cell, measures
        yield (cell[0], cell[1], CITY, CITY, cell[4], cell[5], cell[6]), measures


def _area_contributions(fact: ProjectFact) -> Iterator[tuple[CellKey, tuple[int, ...]]]:
    d, z, est = fact.district_id, fact.zone_id, fact.estimated
    if fact.credit_date is not None:
        m = fact.credit_month
        full = (
            1,
            fact.amount_fen or 0,
            fact.contracted_fen or 0,
            fact.paid_in_fen,
            int(fact.registered),
            int(fact.started),
            int(fact.performing),
        )
        yield ("all", m, d, z, "", est, fact.bucket), full
        yield ("month", m, d, z, "", est, 0), full
        yield ("industry", m, d, z, str(fact.category_id), est, 0), full
        yield ("type", m, d, z, str(fact.project_type_id), est, 0), full
        yield ("activity", m, d, z, str(fact.activity_id), est, 0), full
        yield ("origin", m, d, z, fact.origin, est, 0), full
        yield ("country", m, d, z, fact.source_country, est, 0), full
        if fact.reg_days is not None:
            yield ("regdays", m, d, z, str(fact.reg_days), False, 0), (1, 0, 0, 0, 0, 0, 0)
    yield ("stage", 0, d, z, str(fact.stage_id), est, 0), (1, fact.amount_fen or 0, 0, 0, 0, 0, 0)
    if fact.progress_month:
        yield ("progress", fact.progress_month, d, z, "", False, 0), (1, 0, 0, 0, 0, 0, 0)


# ---------------------------------------------------------------- reading projects in chunks


def _first_won(ids: list[int]) -> dict[int, dt.date]:
    return dict(
        StageChange.objects.filter(project_id__in=ids, to_stage__is_won=True)
        .values("project_id")
        .annotate(first=Min("effective_on"))
        .values_list("project_id", "first")
    )


def _paid_in(ids: list[int]) -> dict[int, Any]:
    return dict(
        PaidInCapital.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(total=Sum("amount_cny"))
        .values_list("project_id", "total")
    )


def facts_for(rows: list[dict[str, Any]], lookups: Lookups) -> list[ProjectFact]:
    ids = [r["id"] for r in rows]
    won = _first_won(ids)
    paid = _paid_in(ids)
    out = []
    for row in rows:
        fact = build_fact(row, won.get(row["id"]), paid.get(row["id"]), lookups)
        if fact is not None:
            out.append(fact)
    return out


def _chunks(chunk: int) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        rows = list(
            Project.objects.filter(id__gt=last).order_by("id").values(*PROJECT_COLUMNS)[:chunk]
        )
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


# ---------------------------------------------------------------- full rebuild


def _group_rows(dim: str, city: bool) -> Iterable[Any]:
    facts = ProjectFact.objects.all()
    key: Any
    est: Any = F("estimated")
    bucket: Any = Value(0, output_field=IntegerField())
    month: Any = F("credit_month")
    sums: dict[str, Any] = {
        "n": Count("*"),
        "amount_fen": Coalesce(Sum("amount_fen"), 0),
        "contracted_fen": Coalesce(Sum("contracted_fen"), 0),
        "paid_in_fen": Coalesce(Sum("paid_in_fen"), 0),
        "n_registered": Count("pk", filter=Q(registered=True)),
        "n_started": Count("pk", filter=Q(started=True)),
        "n_performing": Count("pk", filter=Q(performing=True)),
    }
    simple = {"n": Count("*")}
    columns = {
        "industry": "category_id",
        "type": "project_type_id",
        "activity": "activity_id",
        "origin": "origin",
        "country": "source_country",
    }
    if dim in ("all", "month") or dim in columns:
        facts = facts.filter(credit_date__isnull=False)
        key = Value("") if dim in ("all", "month") else Cast(columns[dim], CharField32())
        if dim == "all":
            bucket = F("bucket")
    elif dim == "regdays":
        facts = facts.filter(credit_date__isnull=False, reg_days__isnull=False)
        key, est, sums = Cast("reg_days", CharField32()), Value(False), simple
    elif dim == "stage":
        key, month = Cast("stage_id", CharField32()), Value(0, output_field=IntegerField())
        sums = {"n": Count("*"), "amount_fen": Coalesce(Sum("amount_fen"), 0)}
    elif dim == "progress":
        facts = facts.exclude(progress_month=0)
        key, est, month, sums = Value(""), Value(False), F("progress_month"), simple
    else:
        raise ValueError("unknown rollup dimension {}".format(dim))
    area: Any = Value(CITY, output_field=IntegerField()) if city else F("district_id")
    zone: Any = Value(CITY, output_field=IntegerField()) if city else F("zone_id")
    return (
        facts.annotate(
            r_month=month, r_key=key, r_est=est, r_bucket=bucket, r_district=area, r_zone=zone
        )
        .values("r_month", "r_district", "r_zone", "r_key", "r_est", "r_bucket")
        .annotate(**sums)
        .order_by()
        .iterator(chunk_size=5000)
    )


def CharField32() -> Any:  # noqa: N802 - reads like a field class in Cast(...)
    from django.db.models import CharField

    return CharField(max_length=32)


def _high_water() -> dict[str, int]:
    return {
        "max_project_id": Project.objects.aggregate(m=Max("id"))["m"] or 0,
        "max_stage_change_id": StageChange.objects.aggregate(m=Max("id"))["m"] or 0,
        "max_paid_in_id": PaidInCapital.objects.aggregate(m=Max("id"))["m"] or 0,
    }


def rebuild_steps() -> int:
    """How many steps `rebuild` reports: one per project read, one per dimension."""
    return Project.objects.count() + len(DIMENSIONS)


def step_counter(projects: int, report: Callable[[int], None]) -> Callable[[str, int], None]:
    """Turn rebuild's `progress(what, n)` calls into steps done (see rebuild_steps)."""

    def progress(what: str, n: int) -> None:
        if what == "projects":
            report(min(n, projects))
        else:
            report(projects + DIMENSIONS.index(what) + 1)

    return progress


def vacuum() -> None:
    """After a rebuild on PostgreSQL: the visibility map makes the fact indexes index-only.

    VACUUM cannot run inside a transaction (a test's, or a request's when the immediate task
    backend runs the rebuild); autovacuum then catches up later.
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE analytics_projectfact")
            cursor.execute("VACUUM ANALYZE analytics_rollup")


@transaction.atomic
def rebuild(chunk: int = 20000, progress: Any = None) -> dict[str, int]:
    """Recompute every fact and rollup row from the projects; returns row counts.

    One transaction: a failure (or a killed worker) leaves the previous rollup as it was,
    and running it again gives the same rows. `progress(what, n)` is called with
    ("projects", read so far) per chunk and (dimension, rows written) per dimension.
    """
    lookups = Lookups()
    water = _high_water()
    ProjectFact.objects.all().delete()
    Rollup.objects.all().delete()
    # executemany on plain tuples: the ORM's bulk_create spends most of its time building
    # SQL per batch, which dominates at a million rows.
    fact_columns = [f.attname for f in ProjectFact._meta.concrete_fields]
    fact_writer = BulkWriter(ProjectFact, fact_columns, batch=5000)
    read = 0
    for rows in _chunks(chunk):
        for fact in facts_for(rows, lookups):
            fact_writer.add(tuple(getattr(fact, c) for c in fact_columns))
        read += len(rows)
        if progress:
            progress("projects", read)
    fact_writer.flush()
    facts = fact_writer.written
    counts: dict[str, int] = {"facts": facts}
    rollup_columns = ["dim", "month", "district_id", "zone_id", "key", "estimated", "bucket",
                      *MEASURES]  # fmt: skip
    for dim in DIMENSIONS:
        writer = BulkWriter(Rollup, rollup_columns, batch=5000)
        for city in (False, True):
            for g in _group_rows(dim, city):
                writer.add(
                    (dim, g["r_month"], g["r_district"], g["r_zone"], g["r_key"],
                     bool(g["r_est"]), g["r_bucket"], *(g.get(m, 0) for m in MEASURES))
                )  # fmt: skip
        writer.flush()
        counts[dim] = writer.written
        if progress:
            progress(dim, writer.written)
    RollupState.objects.all().delete()
    RollupState.objects.create(
        built_at=timezone.now(), facts=facts, rules_version=counting.RULES_VERSION, **water
    )
    if connection.vendor == "sqlite":
        # Fresh statistics let the planner choose the rollup indexes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE analytics_rollup")
            cursor.execute("ANALYZE analytics_projectfact")
    return counts


# ---------------------------------------------------------------- incremental maintenance


def _apply(fact: ProjectFact, sign: int) -> None:
    for cell, measures in contributions(fact):
        dim, month, d, z, key, est, bucket = cell
        where = {
            "dim": dim,
            "month": month,
            "district_id": d,
            "zone_id": z,
            "key": key,
            "estimated": est,
            "bucket": bucket,
        }
        delta = {m: F(m) + sign * v for m, v in zip(MEASURES, measures, strict=True) if v}
        if Rollup.objects.filter(**where).update(**delta):
            continue
        if sign < 0:
            raise RuntimeError("rollup cell {} missing while removing a fact".format(cell))
        Rollup.objects.create(**where, **dict(zip(MEASURES, measures, strict=True)))


WATERMARKS = {
    "project": "max_project_id",
    "stagechange": "max_stage_change_id",
    "paidincapital": "max_paid_in_id",
}


def refresh_project(project_id: int, created: tuple[str, int] | None = None) -> None:
    """Replace one project's fact and move its rollup contributions (call inside the write).

    `created` names a row that was just inserted (model name, id): the rollup's high-water
    mark moves to it only when it directly follows the last row seen, so a bulk insert that
    bypassed the signals keeps the rollup marked stale.
    """
    if not RollupState.objects.exists():
        return  # never built: nothing to keep in step; the exact path is used
    with transaction.atomic():
        # Writers serialise on the state row, so two saves never interleave their deltas.
        state = RollupState.objects.select_for_update().first()
        if state is None:
            return
        old = ProjectFact.objects.filter(pk=project_id).first()
        rows = list(Project.objects.filter(pk=project_id).values(*PROJECT_COLUMNS))
        found = facts_for(rows, Lookups()) if rows else []
        if old is not None:
            _apply(old, -1)
            old.delete()
        delta = -1 if old is not None else 0
        if found:
            _apply(found[0], +1)
            found[0].save(force_insert=True)
            delta += 1
        updates: dict[str, Any] = {"facts": F("facts") + delta} if delta else {}
        if created is not None and created[0] in WATERMARKS:
            attr = WATERMARKS[created[0]]
            if created[1] == getattr(state, attr) + 1:
                updates[attr] = created[1]
        if updates:
            RollupState.objects.filter(pk=state.pk).update(**updates)


def is_fresh() -> bool:
    """True when the rollup has seen every project, stage change and paid-in row."""
    state = RollupState.objects.first()
    if state is None or state.rules_version != counting.RULES_VERSION:
        return False
    return _high_water() == {
        "max_project_id": state.max_project_id,
        "max_stage_change_id": state.max_stage_change_id,
        "max_paid_in_id": state.max_paid_in_id,
    }


def state() -> RollupState | None:
    return RollupState.objects.first()


def remove_project(project_id: int) -> None:
    """Take a project's contributions out before the project row is deleted."""
    if not RollupState.objects.exists():
        return
    with transaction.atomic():
        old = ProjectFact.objects.filter(pk=project_id).first()
        if old is not None:
            _apply(old, -1)
            old.delete()
            RollupState.objects.update(facts=F("facts") - 1)


def invalidate() -> None:
    """Reference data the rules read changed (stages, industries, types): rebuild needed."""
    RollupState.objects.all().delete()
