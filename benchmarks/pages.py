"""Server time of the busiest workspace pages on a large generated database.

    DEBUG=1 .venv/bin/python benchmarks/pages.py --projects 1000000 --db var/bench_pages.sqlite3
    DEBUG=1 .venv/bin/python benchmarks/pages.py --projects 1000000 \
        --db postgres://postgres@127.0.0.1:5432/zs_bench_pages

The database is created and filled with `zhaoshang generate --projects N --seed 1` once
(re-runs reuse it). Each page is requested in-process through Django's test client (URL
routing, middleware, restriction, queries, template rendering: everything but the network)
`--repeat` times after one warm-up; the median and the slowest run are reported with the
number of SQL queries. Target: the filtered list and the board under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(db: str) -> None:
    url = db if "://" in db else "sqlite:///" + db
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _prepare(projects: int) -> None:
    from django.core.management import call_command

    from projects.models import Project

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    have = Project.objects.filter(is_synthetic=True).count()
    if have < projects:
        started = time.perf_counter()
        call_command("generate", projects=projects - have, seed=1)
        print("generated in {:.0f}s".format(time.perf_counter() - started))


PROPOSED_INDEX = "bench_proposed_project_dup_stage_amount"


def _tune(proposed_index: bool) -> None:
    """Planner statistics, and optionally the covering index this benchmark proposes.

    `generate` bulk-loads without ANALYZE; without statistics SQLite drives the list through
    the duplicate_of index (IS NULL matches every row) and sorts a million rows. The covering
    index (duplicate_of, stage, amount_cny) turns the board's GROUP BY and the list's
    COUNT+SUM into index-only scans; it is created here, in the benchmark database only, to
    measure what adding it to Project.Meta.indexes would buy.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if proposed_index:
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS {} ON projects_project "
                "(duplicate_of_id, stage_id, amount_cny)".format(PROPOSED_INDEX)
            )
        else:
            cursor.execute("DROP INDEX IF EXISTS {}".format(PROPOSED_INDEX))
        cursor.execute("ANALYZE")


def _users() -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from core.personas import create_personas

    users = create_personas()
    superuser, _ = get_user_model().objects.get_or_create(
        username="bench_admin", defaults={"is_superuser": True, "is_staff": True}
    )
    users["superuser"] = superuser
    return users


CASES: list[tuple[str, str, str, dict[str, str], bool]] = [
    # (label, user, url, params, htmx)
    ("list, unfiltered (page 1)", "admin", "/projects/", {}, False),
    (
        "list, filtered district+stage (htmx)",
        "admin",
        "/projects/",
        {"district": "310115", "stage": "signed"},
        True,
    ),
    (
        "list, filtered district+stage+amount, sorted by amount (htmx)",
        "admin",
        "/projects/",
        {"district": "310104", "stage": "negotiating", "amount_min_yi": "1", "ordering": "-amount"},
        True,
    ),
    (
        "list, filtered industry+signed-from (htmx)",
        "admin",
        "/projects/",
        {"industry": "ic", "signed_from": "2025-01-01"},
        True,
    ),
    ("list, officer 徐汇 (own district, page 1)", "officer_xuhui", "/projects/", {}, False),
    ("board, everything (full page)", "admin", "/projects/board/", {}, False),
    ("board, everything (htmx)", "admin", "/projects/board/", {}, True),
    ("board, district filter (htmx)", "admin", "/projects/board/", {"district": "310115"}, True),
    ("board, officer 徐汇 (full page)", "officer_xuhui", "/projects/board/", {}, False),
    ("my work, officer 徐汇", "officer_xuhui", "/", {}, False),
]


def _measure(repeat: int) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    users = _users()
    clients: dict[str, Client] = {}
    results = []
    for label, who, url, params, htmx in CASES:
        client = clients.get(who)
        if client is None:
            client = clients[who] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            client.force_login(users[who])
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.get(url, params, headers=headers)  # warm-up
        assert response.status_code == 200, (label, response.status_code)
        times = []
        queries = 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                client.get(url, params, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
            queries = len(ctx.captured_queries)
        results.append(
            {
                "label": label,
                "median": statistics.median(times),
                "max": max(times),
                "queries": queries,
            }
        )
        print(
            "{:<66} median {:7.1f} ms  max {:7.1f} ms  {:2d} queries".format(
                label, statistics.median(times), max(times), queries
            ),
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1_000_000)
    parser.add_argument("--db", default="var/bench_pages.sqlite3")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--proposed-index",
        action="store_true",
        help="create the proposed covering index (benchmark database only)",
    )
    args = parser.parse_args()
    _setup(args.db)
    _prepare(args.projects)
    _tune(args.proposed_index)
    from django.db import connection

    from projects.models import Project

    print(
        "database: {} ({} projects), proposed index: {}".format(
            connection.vendor, Project.objects.count(), "yes" if args.proposed_index else "no"
        )
    )
    results = _measure(args.repeat)
    print()
    print("| page | median ms | max ms | queries |")
    print("|---|---:|---:|---:|")
    for row in results:
        print("| {label} | {median:.1f} | {max:.1f} | {queries} |".format(**row))


if __name__ == "__main__":
    main()
