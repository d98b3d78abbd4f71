"""API throughput and latency under concurrent load, with and without row-level restriction.

    python benchmarks/api.py --db var/bench_api.sqlite3 --projects 1000000 --json out.json

What it does (see docs/benchmarks/api.md for results):

1. prepares its own SQLite file: migrate, reference data and
   `zhaoshang generate --projects N --seed 1` (skipped when the file already holds N projects);
2. creates two API users with tokens: an administrator (restriction is a no-op) and a district
   officer assigned every Shanghai district (restriction adds the scope lookup and a
   `district IN (...) OR zone IN (...)` condition), so both read exactly the same rows;
3. serves the project with gunicorn's production configuration (config/gunicorn.conf.py:
   sync workers, one per core) and production settings (DEBUG=0, a random SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1); `--worker-class gthread --threads N` to compare;
4. drives load from a second process on loopback: `wrk` (Debian package; 2 threads, keep-alive
   connections, a Lua script picking a random path per request) when it is installed, else a
   Python load generator (threads with keep-alive connections, which costs the shared two
   cores far more CPU per request than wrk); the project list (page of 50 with two filters)
   and the project detail, each as both users, interleaved over several rounds; reports
   requests per second and p50/p99 latency.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
LIST_FILTERS = "district=310115&stage=negotiating"

SETUP_SNIPPET = """
import json
from accounts.models import ApiToken, Profile
from testing.personas import create_personas
from geo.models import District
from projects.models import Project
users = create_personas()
officer = users["officer_xuhui"]
Profile.objects.filter(user=officer).update(role="officer")
officer.profile.districts.set(District.objects.filter(kind="district"))
ids = list(
    Project.objects.filter(district__code="310115", stage__code="negotiating")
    .order_by("?").values_list("pk", flat=True)[:2000]
)
print(json.dumps({
    "admin": ApiToken.issue(users["admin"], "bench")[1],
    "officer": ApiToken.issue(officer, "bench")[1],
    "ids": ids,
    "projects": Project.objects.count(),
}))
"""


# ---------------------------------------------------------------------------------------------
# The load generator (runs as its own process)


def client_main(args: argparse.Namespace) -> None:
    paths = json.loads(Path(args.paths_file).read_text())
    deadline_start = time.perf_counter() + args.warmup
    deadline_end = deadline_start + args.duration
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        headers = {"Authorization": f"Bearer {args.token}", "Connection": "keep-alive"}
        mine: list[float] = []
        bad = 0
        while True:
            now = time.perf_counter()
            if now >= deadline_end:
                break
            path = rng.choice(paths)
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            elapsed = time.perf_counter() - started
            if started >= deadline_start:
                if ok:
                    mine.append(elapsed)
                else:
                    bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    n = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(n - 1, int(p * n))] * 1000 if n else float("nan")

    print(
        json.dumps(
            {
                "requests": n,
                "errors": errors[0],
                "rps": n / args.duration,
                "p50_ms": pct(0.50),
                "p99_ms": pct(0.99),
            }
        )
    )


# ---------------------------------------------------------------------------------------------
# The orchestrator


def run(cmd: list[str], env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, text=True, **kw)


def prepare(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    zs = str(VENV_BIN / "zhaoshang")
    run([zs, "migrate", "--noinput", "-v0"], env)
    count = run(
        [zs, "shell", "-c", "from projects.models import Project; print(Project.objects.count())"],
        env,
        capture_output=True,
    ).stdout.strip()
    if int(count.splitlines()[-1]) < args.projects:
        run([zs, "load_reference"], env, capture_output=True)
        started = time.perf_counter()
        run([zs, "generate", "--projects", str(args.projects), "--seed", str(args.seed)], env)
        print(f"generated {args.projects} projects in {time.perf_counter() - started:.0f} s")
    out = run([zs, "shell", "-c", SETUP_SNIPPET], env, capture_output=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/api/v1/me/")
            if conn.getresponse().status == 401:  # up, and answering in the API's own terms
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not come up")


WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local headers = {["Authorization"] = "Bearer " .. os.getenv("WRK_TOKEN")}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(seed * 7919)
end
function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "errors": %d, "p50_ms": %.3f, "p99_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def load_wrk(
    args: argparse.Namespace, token: str, paths: list[str], paths_file: Path
) -> dict[str, Any]:
    """Drive the server with wrk; a warm-up run first, then the measured one."""
    paths_file.write_text("\n".join(paths) + "\n")
    script = paths_file.with_suffix(".lua")
    script.write_text(WRK_SCRIPT)
    env = {**os.environ, "WRK_PATHS": str(paths_file), "WRK_TOKEN": token}
    url = f"http://127.0.0.1:{args.port}"
    base = ["wrk", "-t", "2", "-c", str(args.concurrency), "-s", str(script), "--timeout", "30s"]
    if args.warmup > 0:
        subprocess.run(
            [*base, "-d", f"{max(1, round(args.warmup))}s", url],
            env=env,
            check=True,
            capture_output=True,
        )
    out = subprocess.run(
        [*base, "-d", f"{max(1, round(args.duration))}s", url],
        env=env,
        check=True,
        text=True,
        capture_output=True,
    ).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("{")][-1]
    raw = json.loads(line)
    # wrk counts every answer; a non-2xx status is reported as an error, not a request.
    ok = raw["requests"] - raw["errors"]
    return {
        "requests": ok,
        "errors": raw["errors"],
        "rps": ok / raw["duration_s"],
        "p50_ms": raw["p50_ms"],
        "p99_ms": raw["p99_ms"],
    }


def load(
    args: argparse.Namespace, token: str, paths: list[str], paths_file: Path
) -> dict[str, Any]:
    if args.load_generator == "wrk":
        return load_wrk(args, token, paths, paths_file)
    paths_file.write_text(json.dumps(paths))
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--client",
            "--port",
            str(args.port),
            "--token",
            token,
            "--paths-file",
            str(paths_file),
            "--concurrency",
            str(args.concurrency),
            "--duration",
            str(args.duration),
            "--warmup",
            str(args.warmup),
        ],
        check=True,
        text=True,
        capture_output=True,
    ).stdout
    return dict(json.loads(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--paths-file", help=argparse.SUPPRESS)
    parser.add_argument("--db", default="var/bench_api.sqlite3", help="SQLite file")
    parser.add_argument(
        "--database-url", help="any DATABASE_URL instead of --db (e.g. postgres://…/bench_api)"
    )
    parser.add_argument("--projects", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: the config's)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--concurrency", type=int, default=16, help="client connections")
    parser.add_argument("--duration", type=float, default=15, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=2, help="seconds discarded per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument(
        "--load-generator",
        choices=["wrk", "python"],
        default="wrk" if shutil.which("wrk") else "python",
        help="wrk (apt-get install wrk; the default when installed) or the built-in Python one",
    )
    parser.add_argument(
        "--worker-class",
        default="sync",
        help="gunicorn worker class (sync, the config's, or gthread)",
    )
    args = parser.parse_args()
    if args.client:
        client_main(args)
        return

    env = {
        **os.environ,
        "DATABASE_URL": args.database_url or f"sqlite:///{args.db}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
        # One benchmark user far exceeds any sane per-user limit; the throttle check still
        # runs (a cache incr per request), it just never refuses.
        "API_THROTTLE_RATE": "100000000/m",
    }
    setup = prepare(args, env)
    sys.path.insert(0, str(ROOT))
    from benchmarks.common import git_revision, machine, today

    command = [
        str(VENV_BIN / "gunicorn"),
        "-c",
        "config/gunicorn.conf.py",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    if args.workers:
        command += ["--workers", str(args.workers)]
    gunicorn = subprocess.Popen(command, env=env, cwd=ROOT)
    results: dict[str, list[dict[str, Any]]] = {}
    try:
        wait_ready(args.port)
        rng = random.Random(args.seed)
        list_paths = [
            f"/api/v1/projects/?{LIST_FILTERS}&page_size=50&page={p}" for p in range(1, 21)
        ]
        detail_paths = [f"/api/v1/projects/{i}" for i in setup["ids"]]
        paths_file = ROOT / "var" / f"bench_api_paths_{os.getpid()}.json"
        scenarios = [
            ("list", "unrestricted", setup["admin"], list_paths),
            ("list", "restricted", setup["officer"], list_paths),
            ("detail", "unrestricted", setup["admin"], detail_paths),
            ("detail", "restricted", setup["officer"], detail_paths),
        ]
        for round_no in range(args.rounds):
            order = scenarios[:]
            rng.shuffle(order)
            for endpoint, mode, token, paths in order:
                result = load(args, token, paths, paths_file)
                results.setdefault(f"{endpoint}/{mode}", []).append(result)
                print(f"round {round_no + 1} {endpoint:6} {mode:12} {json.dumps(result)}")
        paths_file.unlink(missing_ok=True)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)

    summary: dict[str, Any] = {}
    for key, runs in results.items():
        summary[key] = {
            "rps": statistics.median(r["rps"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "runs": runs,
        }
    for endpoint in ("list", "detail"):
        restricted = summary[f"{endpoint}/restricted"]["rps"]
        unrestricted = summary[f"{endpoint}/unrestricted"]["rps"]
        summary[f"{endpoint}/restricted_vs_unrestricted"] = restricted / unrestricted
    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": today(),
        "machine": machine(),
        "revision": git_revision(),
        "database": "postgresql" if (args.database_url or "").startswith("postg") else "sqlite",
        "projects": setup["projects"],
        "list_query": f"/api/v1/projects/?{LIST_FILTERS}&page_size=50&page=1..20",
        "settings": {
            "workers": args.workers or os.cpu_count(),
            "threads": args.threads,
            "concurrency": args.concurrency,
            "load_generator": args.load_generator,
            "worker_class": args.worker_class,
            "duration_s": args.duration,
            "rounds": args.rounds,
        },
        "summary": summary,
    }
    print("\n| endpoint | restriction | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---:|---:|---:|---:|")
    for key in ("list/unrestricted", "list/restricted", "detail/unrestricted", "detail/restricted"):
        s = summary[key]
        endpoint, mode = key.split("/")
        print(
            f"| {endpoint} | {mode} | {s['rps']:.0f} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} "
            f"| {s['errors']} |"
        )
    for endpoint in ("list", "detail"):
        ratio = summary[f"{endpoint}/restricted_vs_unrestricted"]
        print(f"{endpoint}: restricted throughput = {ratio:.1%} of unrestricted")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
