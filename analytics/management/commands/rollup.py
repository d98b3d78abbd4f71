"""`zhaoshang rollup`: rebuild the cockpit's facts and monthly rollup; `--status` to check.

Runs in the terminal with a progress bar (on stderr); the cockpit starts the same rebuild as
a background job (analytics.tasks.rebuild_rollup).
"""

from __future__ import annotations

import time
from typing import IO, Any, cast

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

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
        steps = rollup.rebuild_steps()
        projects = steps - len(rollup.DIMENSIONS)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            # rich draws on the raw stream: Django's OutputWrapper would add a newline per write.
            console=Console(file=cast(IO[str], self.stderr._out)),
            disable=options["verbosity"] == 0,
        ) as bar:
            task = bar.add_task("rollup", total=steps)
            counts = rollup.rebuild(
                progress=rollup.step_counter(
                    projects, lambda done: bar.update(task, completed=done)
                )
            )
            bar.update(task, completed=steps)
        rollup.vacuum()
        self.stdout.write(
            "rollup rebuilt in {:.1f}s: {}".format(
                time.perf_counter() - started,
                ", ".join("{} {}".format(k, v) for k, v in counts.items()),
            )
        )
