"""`zhaoshang ingest FILE...|-`: store documents and their candidates in the review queue.

Each file (or standard input, `-`) is read, extracted and stored as a SourceDocument with
one Candidate per record, in one transaction per document. The same text is stored once:
running the command again reports the stored document and changes nothing. Writes run in a
change context of their own ("extract" with a batch id) for the audit trail.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.context import change_context
from evidence.management.commands.extract import read_source
from evidence.services import ingest_document
from ingest.extract import ExtractError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--published-on: {value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Read news files into the review queue (idempotent by content hash)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="files, or - for stdin")
        parser.add_argument("--title", default="", help="title (default: the first line)")
        parser.add_argument("--url", default="", help="source URL")
        parser.add_argument("--publisher", default="", help="publisher")
        parser.add_argument("--published-on", default="", help="publication date, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        published_on = _date(options["published_on"]) if options["published_on"] else None
        failed = 0
        with change_context("extract") as ctx:
            for path in options["files"]:
                try:
                    data, name = read_source(path, sys.stdin)
                    result = ingest_document(
                        data=data,
                        name=name,
                        title=options["title"],
                        url=options["url"],
                        publisher=options["publisher"],
                        published_on=published_on,
                    )
                except ExtractError as exc:
                    failed += 1
                    self.stderr.write(f"error: {exc}")
                    continue
                doc = result.document
                if result.created:
                    self.stdout.write(
                        f"{path}: stored as document {doc.pk} with {result.projects} project "
                        f"and {result.aggregates} aggregate candidate(s)"
                    )
                else:
                    self.stdout.write(f"{path}: already stored as document {doc.pk} (same text)")
            self.stdout.write(f"batch {ctx.request_id}")
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} file(s) could not be read")
