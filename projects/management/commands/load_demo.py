"""`zhaoshang load_demo`: the 2024 Global Investment Promotion Conference demo records."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.context import change_context


class Command(BaseCommand):
    help = "Load the demo event, companies, partners and projects (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        from projects.demo import load_demo

        try:
            with change_context("command"):
                result = load_demo()
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"demo data: event {result.event}, {result.companies} companies, "
            f"{result.projects} projects, {result.partners} partners"
        )
