"""Benchmark: spreadsheet import, the row-by-row baseline, and the company duplicate scan.

    .venv/bin/python benchmarks/import.py [--rows 100000] [--companies 100000] [--seed 7]
        [--repeat 3] [--workers N] [--baseline-rows 10000] [--skip-baseline] [--skip-scan]

Each phase runs in a fresh process on a fresh SQLite database under var/bench/ (migrated,
reference data loaded), so peak memory (ru_maxrss) belongs to that phase alone:

* ``import``: a generated N-row ledger XLSX through the real engine — read, map, validate
  every row with ProjectForm, resolve investors (creating companies), duplicate checks,
  bulk commit with history, batch rows stored. The engine plans large files in worker
  processes (IMPORT_WORKERS, default: the CPUs available); their CPU time and peak memory
  are reported next to the importing process's own. ``--repeat`` runs the phase several
  times (each in a fresh process and database) and reports every run and the medians;
* ``baseline``: the same rows saved one by one with the ORM (get_or_create the investor,
  Project.save(), one StageChange), no form and no duplicate check;
* ``scan``: M generated companies (with planted spelling variants) and one full duplicate
  scan.

Results are printed as a Markdown table; copy them into docs/benchmarks/import.md.
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
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"


def _setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    # DEBUG off, as in production: with DEBUG on Django keeps every SQL statement (with its
    # parameters quoted by an extra SQLite query) in memory, which distorts time and memory.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children() -> tuple[float, float]:
    """CPU seconds of the finished child processes, and the largest one's peak RSS in MB."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _ledger(rows: int, seed: int) -> Path:
    path = BENCH / f"ledger-{rows}-{seed}.xlsx"
    if not path.exists():
        sys.path.insert(0, str(ROOT))
        from ingest.sample import ledger_xlsx

        path.write_bytes(ledger_xlsx(rows, seed))
    return path


def phase_import(rows: int, seed: int, workers: int | None = None) -> dict[str, object]:
    db = BENCH / "import.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    _setup(db)
    from django.conf import settings

    from ingest import engine
    from projects.models import Project

    if workers is not None:
        settings.IMPORT_WORKERS = workers
    data = _ledger(rows, seed).read_bytes()
    started = time.perf_counter()
    table = engine.read(data, "projects")  # timed alone, for the breakdown
    read_s = time.perf_counter() - started
    del table
    load_before = _load()
    children_cpu = _children()[0]
    cpu = time.process_time()
    started = time.perf_counter()
    batch, plan = engine.import_file(data, "ledger.xlsx", "projects")
    total = time.perf_counter() - started
    cpu_s = time.process_time() - cpu
    workers_cpu, workers_peak = _children()
    workers_cpu -= children_cpu
    assert plan is not None, batch.message
    return {
        "seconds": round(total, 1),
        "cpu_seconds": round(cpu_s, 1),
        "workers_cpu_seconds": round(workers_cpu, 1),
        "total_cpu_seconds": round(cpu_s + workers_cpu, 1),
        "workers": engine.plan_workers(),
        "load_before": load_before,
        "load_after": _load(),
        "read_seconds": round(read_s, 1),
        "engine_seconds": round(batch.duration_ms / 1000, 1),
        "rows": batch.rows_total,
        "created": batch.rows_created,
        "errors": batch.rows_error,
        "companies_created": batch.companies_created,
        "possible_duplicates": sum(
            1
            for r in plan.rows
            if any("Possible duplicate" in w or "可能" in w for w in r.warnings)
        ),
        "projects_in_db": Project.objects.count(),
        "peak_mb": round(_peak_mb()),
        "workers_peak_mb": round(workers_peak),
    }


def phase_baseline(rows: int, seed: int, limit: int | None = None) -> dict[str, object]:
    """Row-by-row ORM saves of the same file: the naive importer the engine replaces.

    With `limit`, only the first `limit` rows are saved and the time for all rows is
    extrapolated from their rate (stated as such in the output).
    """
    db = BENCH / "baseline.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    _setup(db)
    from companies.models import Company
    from geo.models import District
    from ingest.lookups import Lookups
    from ingest.spreadsheet.cells import parse_amount, parse_date
    from ingest.spreadsheet.headers import split_unit
    from ingest.spreadsheet.readers import read_table
    from projects.models import Project, StageChange

    data = _ledger(rows, seed).read_bytes()
    load_before = _load()
    cpu = time.process_time()
    started = time.perf_counter()
    table = read_table(data, "projects")
    lookups = Lookups()
    unit = split_unit(table.headers[3])[1]
    today = time.strftime("%Y-%m-%d")
    done = 0
    for row in table.rows[:limit] if limit else table.rows:
        v = row.values
        investor, _ = Company.objects.get_or_create(name_zh_hans=v[2])
        stage = lookups.stage.get(str(v[8]))
        dates = [parse_date(x) for x in v[9:13]]
        district = lookups.district.get(str(v[4]))
        project = Project(
            external_id=v[0],
            name=v[1],
            investor=investor,
            amount_cny=(parse_amount(v[3], unit) or None) and parse_amount(v[3], unit).cny,  # type: ignore[union-attr]
            district=district if isinstance(district, District) else None,
            industry=lookups.industry.get(str(v[5])),
            stage=stage,
            signed_on=dates[0],
            registered_on=dates[1],
            construction_on=dates[2],
            operating_on=dates[3],
            stage_entered_on=dates[0] or today,
            last_progress_on=dates[0] or today,
            priority=v[13] or "B",
        )
        project.save()
        StageChange.objects.create(
            project=project, to_stage=stage, effective_on=project.stage_entered_on or today
        )
        done += 1
    total = time.perf_counter() - started
    cpu_total = time.process_time() - cpu
    scale = len(table.rows) / done
    return {
        "seconds": round(total * scale, 1),
        "cpu_seconds": round(cpu_total * scale, 1),
        "rows_saved": done,
        "rows": len(table.rows),
        "extrapolated": done != len(table.rows),
        "measured_seconds": round(total, 1),
        "measured_cpu_seconds": round(cpu_total, 1),
        "load_before": load_before,
        "load_after": _load(),
        "peak_mb": round(_peak_mb()),
    }


def phase_scan(companies: int, seed: int) -> dict[str, object]:
    import random

    db = BENCH / "scan.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    _setup(db)
    from companies.duplicates import scan_company_duplicates
    from companies.models import Company
    from core.text import fold, to_traditional
    from ingest.sample import company_name

    rng = random.Random(seed)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < companies:
        name = company_name(rng)
        if name not in seen:
            seen.add(name)
            names.append(name)
    planted = companies // 100  # 1% spelling variants of another company
    for i in range(planted):
        original = names[i * 7 % len(names)]
        variant = (
            to_traditional(original) if i % 2 else original.replace("有限公司", "(上海)有限公司")
        )
        names[-(i + 1)] = variant
    objs = [Company(name_zh_hans=n, search_key=fold(n), name_zh_hant="") for n in names]
    Company.objects.bulk_create(objs, batch_size=5000)
    cpu = time.process_time()
    started = time.perf_counter()
    pairs = scan_company_duplicates()
    total = time.perf_counter() - started
    return {
        "seconds": round(total, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "companies": Company.objects.count(),
        "planted_variants": planted,
        "pairs": len(pairs),
        "peak_mb": round(_peak_mb()),
    }


PHASES = {"import": phase_import, "baseline": phase_baseline, "scan": phase_scan}


def _tree_pss_mb(root: int) -> float:
    """Proportional set size of `root` and its descendants, in MB (Linux; 0 elsewhere).

    PSS counts a page shared by n processes as 1/n in each, so the sum is the memory the
    whole tree uses, the pages the forked planning processes share with their parent
    counted once.
    """
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir() if Path("/proc/self").exists() else []:
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree = {root}
    grown = True
    while grown:
        grown = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grown = True
    total_kb = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def _run_phase(phase: str, args: argparse.Namespace) -> dict[str, object]:
    """Run one phase in a fresh process; for the import, sample the memory of its process
    tree (the importing process and its forked planning processes) every 0.5 s."""
    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--rows",
        str(args.rows),
        "--companies",
        str(args.companies),
        "--seed",
        str(args.seed),
        *(["--baseline-rows", str(args.baseline_rows)] if args.baseline_rows else []),
        *(["--workers", str(args.workers)] if args.workers is not None else []),
    ]
    peak = 0.0
    with tempfile.TemporaryFile("w+") as out:
        with subprocess.Popen(command, stdout=out, text=True) as proc:
            while proc.poll() is None:
                if phase == "import":
                    peak = max(peak, _tree_pss_mb(proc.pid))
                time.sleep(0.5)
        out.seek(0)
        stdout = out.read()
    if proc.returncode:
        raise SystemExit(f"phase {phase} failed ({proc.returncode})")
    result: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    if phase == "import":
        result["peak_pss_total_mb"] = round(peak)
    return result


def _median(runs: list[dict[str, object]], key: str) -> float:
    return float(statistics.median(float(r[key]) for r in runs))  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=1, help="import runs (medians reported)")
    parser.add_argument("--workers", type=int, help="planning processes (IMPORT_WORKERS)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-scan", action="store_true")
    parser.add_argument(
        "--baseline-rows", type=int, help="save only this many rows one by one and extrapolate"
    )
    args = parser.parse_args()
    BENCH.mkdir(parents=True, exist_ok=True)
    if args.phase:
        if args.phase == "baseline":
            print(json.dumps(phase_baseline(args.rows, args.seed, args.baseline_rows)))
            return
        if args.phase == "import":
            print(json.dumps(phase_import(args.rows, args.seed, args.workers)))
            return
        print(json.dumps(phase_scan(args.companies, args.seed)))
        return
    _ledger(args.rows, args.seed)  # generated once, outside the timings
    print(f"load average at start {_load()}", flush=True)
    runs = []
    for _ in range(args.repeat):
        runs.append(_run_phase("import", args))
        print("import", runs[-1], flush=True)
    results: dict[str, dict[str, object]] = {}
    for phase in [
        *([] if args.skip_baseline else ["baseline"]),
        *([] if args.skip_scan else ["scan"]),
    ]:
        results[phase] = _run_phase(phase, args)
        print(phase, results[phase], flush=True)
    uname = platform.uname()
    print()
    print(
        f"machine: {uname.system} {uname.release} {uname.machine}, {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}, load average at end {_load()}"
    )
    print("| measurement | value |\n|---|---|")
    imp = runs[0]
    wall = _median(runs, "seconds")
    cpu = _median(runs, "total_cpu_seconds")
    print(f"| import runs (wall s) | {', '.join(str(r['seconds']) for r in runs)} |")
    print(f"| import {imp['rows']} rows: median wall s | {wall:.1f} |")
    workers = int(imp["workers"])  # type: ignore[call-overload]
    own, others = _median(runs, "cpu_seconds"), _median(runs, "workers_cpu_seconds")
    print(
        f"| import CPU s, median: importing process + {workers - 1} forked planning "
        f"process(es) | {own:.1f} + {others:.1f} = {cpu:.1f} |"
    )
    print(f"| reading the file alone, median s | {_median(runs, 'read_seconds'):.1f} |")
    print(
        f"| import peak memory MB, median: importing process RSS (largest forked process RSS; "
        f"whole process tree, PSS sampled every 0.5 s) | {_median(runs, 'peak_mb'):.0f} "
        f"({_median(runs, 'workers_peak_mb'):.0f}; {_median(runs, 'peak_pss_total_mb'):.0f}) |"
    )
    if "baseline" in results:
        base = results["baseline"]
        note = (
            " (extrapolated from {n} rows)".format(n=base["rows_saved"])
            if base.get("extrapolated")
            else ""
        )
        ratio = float(base["seconds"]) / wall  # type: ignore[arg-type]
        cpu_ratio = float(base["cpu_seconds"]) / cpu  # type: ignore[arg-type]
        seconds = f"{base['seconds']} ({base['cpu_seconds']})"
        print(f"| row-by-row ORM baseline s (CPU s) | {seconds}{note} |")
        print(f"| baseline ÷ engine | {ratio:.1f}× wall, {cpu_ratio:.1f}× CPU |")
    if "scan" in results:
        scan = results["scan"]
        print(f"| duplicate scan over {scan['companies']} companies s | {scan['seconds']} |")
        pairs = f"{scan['pairs']} ({scan['planted_variants']})"
        print(f"| scan pairs found (planted variants) | {pairs} |")


if __name__ == "__main__":
    main()
