"""`zhaoshang import FILE --kind projects|companies [--dry-run]`: the same engine as the UI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingest import engine
from ingest.models import ImportBatch, ImportRow
from ingest.spreadsheet.errors import FileRefused


class Command(BaseCommand):
    help = "Import a project ledger or a company list (XLSX, XLS, ODS or CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", choices=["projects", "companies"], required=True)
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--skip-errors", action="store_true", help="import valid rows, skip rows with errors"
        )
        parser.add_argument("--user", help="username recorded as the importer")
        parser.add_argument(
            "--mapping",
            help='JSON column mapping, e.g. {"0": "name", "3": "amount"} (default: by header)',
        )
        parser.add_argument("--show", type=int, default=20, help="rows with errors to print")

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = None
        if opts["user"]:
            try:
                user = get_user_model().objects.get(username=opts["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {opts['user']!r}") from None
        mapping = json.loads(opts["mapping"]) if opts["mapping"] else None
        try:
            engine.check_size(path.stat().st_size)  # before reading a huge file into memory
            batch = engine.new_batch(path.read_bytes(), path.name, opts["kind"], user)
        except FileRefused as exc:
            raise CommandError(str(exc)) from exc
        batch.skip_errors = opts["skip_errors"]
        if mapping is not None:
            batch.mapping = mapping
        batch.save()
        try:
            plan = engine.run(batch, user=user, dry_run=opts["dry_run"])
        except engine.ImportRefused as exc:
            self._print_rows(batch, opts["show"])
            raise CommandError(str(exc)) from exc
        if plan is None:
            raise CommandError(batch.message)
        for warning in batch.warnings:
            self.stdout.write(f"note: {warning}")
        self._print_rows(batch, opts["show"])
        verb = "would create" if opts["dry_run"] else "created"
        self.stdout.write(
            f"batch {batch.pk} ({batch.status}): {batch.rows_total} rows — {verb} "
            f"{batch.rows_created}, updated {batch.rows_updated}, skipped {batch.rows_skipped}, "
            f"errors {batch.rows_error}; companies created {batch.companies_created}; "
            f"{batch.duration_ms / 1000:.1f} s"
        )

    def _print_rows(self, batch: ImportBatch, show: int) -> None:
        """One line per row with errors (the first `show` of them), as stored for the batch."""
        rows = batch.rows.filter(action=ImportRow.Action.ERROR).order_by("number")
        for row in rows[: max(show, 0)]:
            self.stdout.write(f"row {row.number}: " + " | ".join(row.errors))
