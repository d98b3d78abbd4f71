"""`zhaoshang extract FILE... [--format jsonl|table]`: print what the extractor finds.

Reads files (or `-` for standard input) and prints one record per project or aggregate, in
the JSON Lines format of score.py (document = the file stem) or as a table. Touches no
database. A file that cannot be read is reported on stderr; the others are still printed,
and the exit status is 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingest.extract import ExtractError, extract, format_table, load_document, to_jsonl_records
from ingest.extract.loader import MAX_BYTES


def read_source(path: str, stdin: Any) -> tuple[bytes, str]:
    """Bytes and file name of a path, or of standard input for "-" (size-capped)."""
    if path == "-":
        data = stdin.buffer.read(MAX_BYTES + 1) if hasattr(stdin, "buffer") else b""
        return data, "stdin.txt"
    file = Path(path)
    if not file.is_file():
        raise ExtractError(f"{path}: no such file")
    if file.stat().st_size > MAX_BYTES:
        raise ExtractError(f"{path}: {file.stat().st_size} bytes; the limit is {MAX_BYTES}")
    return file.read_bytes(), path


class Command(BaseCommand):
    help = "Extract projects and aggregate statements from news files; prints, stores nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="files, or - for stdin")
        parser.add_argument(
            "--format", choices=("jsonl", "table"), default="jsonl", help="output format"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        records: list[dict[str, Any]] = []
        failed = 0
        for path in options["files"]:
            try:
                data, name = read_source(path, sys.stdin)
                document = load_document(data, name)
                stem = "stdin" if path == "-" else Path(path).stem
                result = extract(document.text, document=stem, language=document.language)
            except ExtractError as exc:
                failed += 1
                self.stderr.write(f"error: {exc}")
                continue
            rows = to_jsonl_records(result, stem)
            if options["format"] == "jsonl":
                for row in rows:
                    self.stdout.write(json.dumps(row, ensure_ascii=False, default=str))
            else:
                records.extend(rows)
        if options["format"] == "table" and records:
            self.stdout.write(format_table(records))
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} file(s) could not be read")
