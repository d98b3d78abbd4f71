"""`zhaoshang load_demo`: the 2024 Global Investment Promotion Conference demo records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.context import change_context


class Command(BaseCommand):
    help = "Load the demo event, companies, partners and projects (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, help="another demo file of the same shape")

    def handle(self, *args: Any, **options: Any) -> None:
        from projects.demo import DEMO_FILE, load_demo

        path = options["file"] or DEMO_FILE
        try:
            with change_context("command"):
                result = load_demo(path)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise CommandError(f"{path}: not a readable demo file ({exc})") from exc
        self.stdout.write(
            f"demo data: event {result.event}, {result.companies} companies, "
            f"{result.projects} projects, {result.partners} partners"
        )
