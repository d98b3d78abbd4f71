"""Benchmark the cockpit: every figure for one period, warm, municipal and district views.

    DEBUG=1 DATABASE_URL=sqlite:///var/bench_cockpit.sqlite3 \\
        .venv/bin/python benchmarks/cockpit.py [--projects 1000000] [--seed 7] \\
        [--period 2026Q3] [--runs 30] [--baseline-runs 3] [--json out.json]

Setup (only when needed): `zhaoshang generate --projects N --seed S` into the empty database,
then `zhaoshang rollup`. Then, for the municipal view (an analyst) and a district view (an
officer of Pudong, the largest district), it measures:

- fast path: analytics.queries.cockpit + presentation (what /cockpit/api/all/ computes),
  warm, `--runs` times: median, p95, SQL queries per run;
- the same through the HTTP endpoint /cockpit/api/all/ (Django test client, in-process);
- baseline: analytics.baseline.compute (plain ORM GROUP BY over the restricted queryset)
  + presentation, `--baseline-runs` times, and the ratio baseline/fast;
- that the fast path and the baseline return identical figures;
- peak resident memory of the process (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    index = max(0, round(0.95 * len(ordered) + 0.5) - 1)
    return ordered[min(index, len(ordered) - 1)]


def timed(func: Any, runs: int) -> tuple[list[float], int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times: list[float] = []
    queries = 0
    result = None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = func()
            times.append((time.perf_counter() - start) * 1000)
        queries = len(ctx.captured_queries)
    return times, queries, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--projects", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--baseline-runs", type=int, default=1)
    parser.add_argument("--json", help="write the results as JSON here")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Profile
    from analytics import baseline, counting, queries, rollup
    from analytics.presentation import present
    from geo.models import District
    from projects.models import Project

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.uname()._asdict(),
        "nproc": os.cpu_count(),
        "database": connection.vendor,
        "python": platform.python_version(),
        "command": " ".join(sys.argv),
        "setup": {},
    }
    try:
        results["uname"] = subprocess.run(
            ["uname", "-a"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        results["uname"] = ""

    existing = Project.objects.count()
    if existing == 0:
        start = time.perf_counter()
        call_command("generate", projects=args.projects, seed=args.seed)
        results["setup"]["generate_s"] = round(time.perf_counter() - start, 1)
        existing = Project.objects.count()
    results["projects"] = existing
    if not rollup.is_fresh():
        start = time.perf_counter()
        counts = rollup.rebuild()
        results["setup"]["rollup_s"] = round(time.perf_counter() - start, 1)
        results["setup"]["rollup_rows"] = counts
    results["rollup_rows"] = rollup.Rollup.objects.count()
    results["facts"] = rollup.ProjectFact.objects.count()

    users = get_user_model().objects
    analyst, _ = users.get_or_create(username="bench_analyst")
    Profile.objects.update_or_create(user=analyst, defaults={"role": "analyst"})
    officer, _ = users.get_or_create(username="bench_officer_pudong")
    profile, _ = Profile.objects.update_or_create(user=officer, defaults={"role": "officer"})
    profile.districts.set(District.objects.filter(code="310115"))

    period = counting.parse_period(args.period)
    options = counting.Options(period=period, today=timezone.localdate())
    results["options"] = options.describe()
    results["views"] = {}
    for label, user in (("municipal", analyst), ("district_pudong", officer)):
        user = users.get(pk=user.pk)  # fresh object: no cached scope from setup

        def fast(u: Any = user) -> Any:
            fig = queries.cockpit(u, options)
            return fig, present(fig, options, u)

        def slow(u: Any = user) -> Any:
            fig = baseline.compute(
                Project.objects.restrict(u, "aggregate"),
                options,
                Project.objects.restrict(u, "view"),
            )
            return fig, present(fig, options, u)

        fast()  # warm: caches, SQLite page cache
        fast()
        times, n_queries, (fig, _data) = timed(fast, args.runs)
        client = Client()
        client.force_login(user)
        url = "/cockpit/api/all/?period={}".format(args.period)
        client.get(url)
        http_times, http_queries, response = timed(lambda c=client, u=url: c.get(u), args.runs)
        assert response.status_code == 200, response.content[:300]
        print(
            label,
            "fast median {:.1f} ms p95 {:.1f} ms ({} queries); http median {:.1f} ms p95 {:.1f} ms"
            .format(statistics.median(times), p95(times), n_queries,
                    statistics.median(http_times), p95(http_times)),
            flush=True,
        )  # fmt: skip
        base_times, base_queries, (base_fig, _b) = timed(slow, args.baseline_runs)
        identical = fig == base_fig
        view = {
            "path": fig.path,
            "signed_count": fig.current.signed_n,
            "fast_ms": {
                "median": round(statistics.median(times), 1),
                "p95": round(p95(times), 1),
                "min": round(min(times), 1),
                "max": round(max(times), 1),
                "runs": len(times),
                "queries": n_queries,
            },
            "http_ms": {
                "median": round(statistics.median(http_times), 1),
                "p95": round(p95(http_times), 1),
                "runs": len(http_times),
                "queries": http_queries,
            },
            "baseline_ms": {
                "median": round(statistics.median(base_times), 1),
                "runs": len(base_times),
                "queries": base_queries,
            },
            "ratio_baseline_over_fast": round(
                statistics.median(base_times) / statistics.median(times), 1
            ),
            "identical": identical,
        }
        results["views"][label] = view
        print(label, json.dumps(view, ensure_ascii=False), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results["peak_rss_mb"] = round(peak / 1024, 1)  # Linux reports KiB
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    if not all(v["identical"] for v in results["views"].values()):
        sys.exit("fast path and baseline differ")


if __name__ == "__main__":
    main()
