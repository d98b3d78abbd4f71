"""Benchmark: `zhaoshang generate` writing N synthetic projects into a fresh database.

Target (issue 2): 1,000,000 projects in under 3 minutes on SQLite.

    DEBUG=1 .venv/bin/python benchmarks/generate.py --projects 1000000 [--runs 1]
        [--database-url sqlite:///var/bench_generate.sqlite3]

Each run deletes the SQLite file, migrates, loads the reference data and then times only the
generate command in a child process; peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import git_revision, machine, median, today  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ZS = [sys.executable, str(ROOT / "manage.py")]


def run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(ZS + args, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="sqlite:///var/bench_generate.sqlite3")
    args = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": args.database_url, "DEBUG": os.environ.get("DEBUG", "1")}
    timings: list[float] = []
    for _ in range(args.runs):
        if args.database_url.startswith("sqlite:///"):
            path = ROOT / args.database_url.removeprefix("sqlite:///")
            path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        else:
            run(["flush", "--noinput"], env)
        run(["migrate", "--noinput"], env)
        run(["load_reference"], env)
        started = time.perf_counter()
        run(["generate", "--projects", str(args.projects), "--seed", str(args.seed)], env)
        timings.append(time.perf_counter() - started)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"## generate {args.projects:,} projects ({today()}, rev {git_revision()})")
    print(
        f"- command: `DEBUG=1 .venv/bin/python benchmarks/generate.py --projects {args.projects}`"
    )
    print(f"- machine: {machine()}")
    print(f"- database: {args.database_url.split('://')[0]}")
    print(f"- runs: {', '.join(f'{t:.1f}s' for t in timings)}; median {median(timings):.1f}s")
    print(f"- rate: {args.projects / median(timings):,.0f} projects/s; peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
