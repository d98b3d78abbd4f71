"""`zhaoshang dedupe --kind companies|projects`: fill the duplicate review list."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ingest import dedupe


class Command(BaseCommand):
    help = "Scan for likely duplicate companies or projects and store them for review."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=["companies", "projects"], required=True)
        parser.add_argument("--min-score", type=float, default=85.0)
        parser.add_argument("--dry-run", action="store_true", help="print, store nothing")
        parser.add_argument("--show", type=int, default=10)

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.monotonic()
        if opts["dry_run"]:
            pairs = dedupe.scan(opts["kind"], min_score=opts["min_score"])
            for a, b, score, reasons in pairs[: opts["show"]]:
                self.stdout.write(f"{a} ~ {b}  {score}  {'; '.join(reasons)}")
            self.stdout.write(
                f"{len(pairs)} pairs in {time.monotonic() - started:.1f} s (nothing stored)"
            )
            return
        counts = dedupe.refresh(opts["kind"], min_score=opts["min_score"])
        self.stdout.write(
            f"{counts['found']} pairs ({counts['new']} new, {counts['removed']} no longer "
            f"found) in {time.monotonic() - started:.1f} s"
        )
