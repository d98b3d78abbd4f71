"""The full fuzz run of the API: every operation, every parameter, at least 200 examples each.

    .venv/bin/python scripts/fuzz_api.py                  # 200 examples per operation, seed 12
    .venv/bin/python scripts/fuzz_api.py --examples 500 --seed 7 --only projects
    .venv/bin/python scripts/fuzz_api.py --json var/fuzz.json
    .venv/bin/python scripts/fuzz_api.py --database-url postgres://postgres@127.0.0.1/zs_fuzz

What it does (docs/security.md has the latest numbers):

1. builds a fresh test database, as the test runner does, for --database-url (default
   SQLite, var/fuzz_test.sqlite3; postgres://... for PostgreSQL, which creates test_<name>):
   migrations, reference data, the six personas and the scenario of testing.personas
   (projects in three districts, a confidential one, a follow-up, spare records to
   delete); it is dropped at the end;
2. issues an API token for a persona (--persona, default admin: every operation is allowed,
   so requests reach the deepest code) and turns the API throttle off;
3. loads the OpenAPI document and runs testing/api_fuzz.py on every operation: schemathesis
   generates valid and invalid requests (--examples of them), hooks mix in ids of 20
   digits, negative ids, odd numbers and dates at the ends of the calendar; then a sweep
   sets every query and path parameter in turn to each of those edge values (about 30
   requests per parameter), so no parameter is left to chance; each request goes through
   the production WSGI entry point (config.wsgi, the short middleware chain for token
   requests);
4. prints, per operation, the examples sent, the answers by status and the failed checks
   (a 5xx, an undocumented status or content type, a response not matching its schema),
   then the totals; exits 1 when anything failed.

Hypothesis may stop early on an operation with fewer distinct requests than asked for (e.g.
GET /api/v1/me/ has no parameters); those show fewer examples. The same seed gives the same
requests for the same code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(database_url: str) -> Any:
    """Django set up on a fresh test database of `database_url` (created like the test
    runner does: migrated, then reference data); returns the function that drops it."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # Production settings: error pages, logging and middleware as deployed.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "fuzz-only-secret-key-0123456789abcdef")
    os.environ["ALLOWED_HOSTS"] = "localhost,testserver"
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["DATABASE_URL"] = database_url
    os.environ["API_THROTTLE_RATE"] = "off"
    (ROOT / "var").mkdir(exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    with open(os.devnull, "w") as sink:
        call_command("load_reference", verbosity=0, stdout=sink)

    def drop() -> None:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    return drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="examples per operation")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--database-url",
        default="sqlite:///var/fuzz.sqlite3",
        help="sqlite:///... or postgres://...; the run uses (and drops) its test database",
    )
    parser.add_argument("--persona", default="admin")
    parser.add_argument("--only", default="", help="run operations whose path contains this")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--no-sweep", action="store_true", help="skip the sweep of edge values over each parameter"
    )
    args = parser.parse_args(argv)

    drop_database = _setup(args.database_url)
    import logging

    from accounts.models import ApiToken
    from config.wsgi import application  # sets logging up again: adjust after it
    from testing.api_fuzz import (
        load_schema,
        operation_id,
        operations,
        run_operation,
        sweep_operation,
    )
    from testing.personas import create_personas, create_scenario

    # Refused requests (4xx) are the point of the exercise; server errors (ERROR) still show.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    users = create_personas()
    create_scenario()
    _token, secret = ApiToken.issue(users[args.persona], "fuzz")
    headers = {"Authorization": f"Bearer {secret}"}
    schema = load_schema(application)
    selected = [op for op in operations(schema) if args.only in operation_id(op)]

    results: list[Any] = []
    started = time.monotonic()
    print(f"fuzzing {len(selected)} operations, {args.examples} examples each, seed {args.seed}")
    for operation in selected:
        t0 = time.monotonic()
        result = run_operation(operation, headers=headers, examples=args.examples, seed=args.seed)
        random_examples = result.examples
        if not args.no_sweep:
            result.merge(sweep_operation(operation, headers=headers))
        results.append(result)
        statuses = " ".join(f"{s}×{n}" for s, n in sorted(result.statuses.items()))
        print(
            f"{result.operation:<42} {random_examples:>4} random"
            f" + {result.examples - random_examples:>3} sweep  {statuses}"
            f"  failures {len(result.failures)}  {time.monotonic() - t0:.1f}s",
            flush=True,
        )
        for failure in result.failures[:3]:
            print(f"    [{failure.mode}] {failure.status} {failure.request}\n    {failure.problem}")

    total = sum(r.examples for r in results)
    failures = [f for r in results for f in r.failures]
    server_errors = sum(r.server_errors for r in results)
    print(
        f"\n{len(results)} operations, {total} examples, {server_errors} server errors, "
        f"{len(failures)} failed checks, {time.monotonic() - started:.0f}s"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "seed": args.seed,
                    "examples_per_operation": args.examples,
                    "persona": args.persona,
                    "operations": [
                        {
                            "operation": r.operation,
                            "examples": r.examples,
                            "statuses": dict(r.statuses),
                            "failures": [f.__dict__ for f in r.failures],
                        }
                        for r in results
                    ],
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    drop_database()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
