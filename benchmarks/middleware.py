"""In-process CPU per bearer-token API request: the middleware arrangements, in one run.

    DEBUG=1 SECRET_KEY=… .venv/bin/python benchmarks/middleware.py [--requests 2000] [--rounds 3]

Builds a small SQLite database (personas and the demo scenario) in a temporary directory and
calls three WSGI handlers with the same token requests, alternating rounds:

* `skip` — today's arrangement: one MIDDLEWARE list whose browser-only middleware let token
  requests pass (core.middleware.SkipForTokenRequests);
* `swap` — the arrangement it replaced: a second handler that loaded a shorter list by
  swapping settings.MIDDLEWARE while it built its chain (config/wsgi.py until 2026-12);
* `full` — Django's stock middleware, every one run for every request (reference).

Prints ms of process CPU per request (median of the rounds) and the ratios. Results go in
docs/benchmarks/api.md.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STOCK_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]
# The former config/wsgi.py's TOKEN_API_MIDDLEWARE.
SWAPPED_TOKEN_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]


def handler_with(middleware: list[str]) -> Callable[..., Iterable[bytes]]:
    """A WSGIHandler whose chain is `middleware` (built as the former TokenApiHandler did)."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    configured = settings.MIDDLEWARE
    settings.MIDDLEWARE = middleware
    try:
        return WSGIHandler()
    finally:
        settings.MIDDLEWARE = configured


def environ(path: str, secret: str) -> dict[str, Any]:
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {secret}",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def measure(app: Callable[..., Iterable[bytes]], paths: list[str], secret: str, n: int) -> float:
    """ms of process CPU per request over `n` requests cycling through `paths`."""
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc: Any = None) -> None:
        statuses.append(status)

    start = time.process_time()
    for i in range(n):
        result = app(environ(paths[i % len(paths)], secret), start_response)
        b"".join(result)
        getattr(result, "close", lambda: None)()
    elapsed = time.process_time() - start
    bad = [s for s in statuses if not s.startswith("200")]
    if bad:
        raise SystemExit(f"unexpected answers: {bad[:3]}")
    return elapsed * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per case per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-mw-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("API_THROTTLE_RATE", "off")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from accounts.models import ApiToken
    from benchmarks.common import git_revision, machine, median, today
    from projects.models import Project
    from testing.personas import create_personas, create_scenario

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0, stdout=io.StringIO())
    users = create_personas()
    create_scenario()
    _token, secret = ApiToken.issue(users["officer_xuhui"], "bench")
    ids = list(Project.objects.filter(district__code="310104").values_list("pk", flat=True)[:20])
    paths = [f"/api/v1/projects/{pk}" for pk in ids] + ["/api/v1/projects/?page_size=20"]

    from django.core.handlers.wsgi import WSGIHandler

    cases: dict[str, Callable[..., Iterable[bytes]]] = {
        "skip": WSGIHandler(),
        "swap": handler_with(SWAPPED_TOKEN_MIDDLEWARE),
        "full": handler_with(STOCK_MIDDLEWARE),
    }
    for app in cases.values():  # warm-up
        measure(app, paths, secret, 100)
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _round in range(args.rounds):
        for name, app in cases.items():
            results[name].append(measure(app, paths, secret, args.requests))

    print(f"# {today()} · revision {git_revision()} · {machine()}")
    print(f"# {args.requests} requests per case per round, {args.rounds} rounds; paths: {paths[0]}")
    print("# (20 project details, 1 list page of 20, as the officer of 310104)")
    for name, values in results.items():
        rounds = " / ".join(f"{v:.3f}" for v in values)
        print(f"{name:5} {median(values):.3f} ms CPU/request (rounds {rounds})")
    skip, swap, full = (median(results[n]) for n in ("skip", "swap", "full"))
    print(f"skip ÷ swap = {skip / swap:.3f}; skip ÷ full = {skip / full:.3f}")


if __name__ == "__main__":
    main()
