"""`zhaoshang generate --projects N --seed S`: write synthetic projects in bulk."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.models import Project


class Command(BaseCommand):
    help = "Generate synthetic (clearly marked) companies, events, partners and projects."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--projects", type=int, required=True, help="how many projects")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when synthetic projects already exist (used by `make demo`)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from projects.generator import generate

        count = options["projects"]
        if count < 0:
            raise CommandError("--projects must be zero or more")
        if options["if_empty"] and Project.objects.filter(is_synthetic=True).exists():
            self.stdout.write("synthetic projects already present; nothing generated")
            return
        started = time.perf_counter()
        try:
            result = generate(count, options["seed"])
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"generated {result.projects} synthetic projects, {result.companies} companies, "
            f"{result.events} events, {result.partners} partners, "
            f"{result.stage_changes} stage changes in {elapsed:.1f}s"
        )
