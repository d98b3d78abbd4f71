"""`zhaoshang rollup`: rebuild the cockpit's facts and monthly rollup; `--status` to check."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from analytics import rollup


class Command(BaseCommand):
    help = "Rebuild analytics.ProjectFact and analytics.Rollup from the projects."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--status", action="store_true", help="only report whether the rollup is fresh"
        )
        parser.add_argument(
            "--if-stale", action="store_true", help="rebuild only when the rollup is not fresh"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        state = rollup.state()
        fresh = rollup.is_fresh()
        if options["status"]:
            if state is None:
                self.stdout.write("rollup: never built")
            else:
                self.stdout.write(
                    "rollup: built {} ({} facts, rules {}): {}".format(
                        state.built_at.isoformat(timespec="seconds"),
                        state.facts,
                        state.rules_version,
                        "fresh" if fresh else "STALE",
                    )
                )
            return
        if options["if_stale"] and fresh:
            self.stdout.write("rollup: fresh, nothing to do")
            return
        started = time.perf_counter()

        def progress(what: str, n: int) -> None:
            if what == "facts" and n % 100000:
                return
            self.stdout.write("  {}: {}".format(what, n))

        counts = rollup.rebuild(progress=progress if options["verbosity"] > 1 else None)
        if connection.vendor == "postgresql":
            # After a bulk rewrite: the visibility map makes the fact indexes index-only.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE analytics_projectfact")
                cursor.execute("VACUUM ANALYZE analytics_rollup")
        self.stdout.write(
            "rollup rebuilt in {:.1f}s: {}".format(
                time.perf_counter() - started,
                ", ".join("{} {}".format(k, v) for k, v in counts.items()),
            )
        )
