"""`zhaoshang eval --gold G --aggregates A --articles DIR [--sources S] [--scorer PATH]`.

Runs the extractor over every *.txt in DIR and prints the metrics of the official scorer
(score.py, imported from --scorer or ../shared/eval/score.py), in score.py's own layout.
Touches no database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingest.extract import run_eval


class Command(BaseCommand):
    help = "Measure the extractor against gold records with the official scorer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--gold", required=True, help="gold.jsonl")
        parser.add_argument("--aggregates", default=None, help="aggregates.jsonl")
        parser.add_argument("--articles", required=True, help="folder of *.txt articles")
        parser.add_argument("--sources", default=None, help="sources.tsv (per-language lines)")
        parser.add_argument("--scorer", default=None, help="path to score.py")
        parser.add_argument("--json", action="store_true", help="print the metrics as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        for key in ("gold", "aggregates", "sources", "scorer"):
            if options[key] and not Path(options[key]).is_file():
                raise CommandError(f"--{key}: no such file: {options[key]}")
        if not Path(options["articles"]).is_dir():
            raise CommandError(f"--articles: no such folder: {options['articles']}")
        try:
            metrics, printable = run_eval(
                options["gold"],
                options["aggregates"],
                options["articles"],
                sources=options["sources"],
                scorer=options["scorer"],
            )
        except (OSError, ImportError, ValueError, KeyError) as exc:
            raise CommandError(f"evaluation failed: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(metrics, ensure_ascii=False, default=str))
        else:
            self.stdout.write(printable)
