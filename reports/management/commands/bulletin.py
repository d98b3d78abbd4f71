"""`zhaoshang bulletin --period 2024Q1 --lang zh-Hans --format md [--user U] [--output F]`."""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics import counting
from reports import bulletin, renderers


class Command(BaseCommand):
    help = "Write the investment-promotion bulletin for a period, computed from the data."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--period", required=True, help="2024Q1, 2024-03, 2024YTD05, 2024")
        parser.add_argument("--lang", default="zh-Hans", choices=bulletin.LANGUAGES)
        parser.add_argument("--format", default="md", choices=renderers.FORMATS)
        parser.add_argument(
            "--user",
            help="write the bulletin as this user sees it (default: the municipal view)",
        )
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument(
            "--exclude-estimated", action="store_true", help="leave estimated amounts out"
        )
        parser.add_argument(
            "--threshold", default="1", help="major-project threshold in 亿元 (default 1)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            period = counting.parse_period(opts["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            threshold = Decimal(opts["threshold"])
            if threshold <= 0:
                raise InvalidOperation
        except InvalidOperation:
            raise CommandError(
                "bad --threshold {!r}: give a positive number of 亿元".format(opts["threshold"])
            ) from None
        user = self._user(opts.get("user"))
        options = counting.Options(
            period=period,
            include_estimated=not opts["exclude_estimated"],
            major_threshold=threshold * counting.YI,
            today=timezone.localdate(),
        )
        doc = bulletin.build(user, options, opts["lang"])
        try:
            data = renderers.render(doc, opts["format"])
        except renderers.RenderError as exc:
            raise CommandError(str(exc)) from None
        if opts.get("output"):
            with open(opts["output"], "wb") as fh:
                fh.write(data)
            self.stderr.write("bulletin written to {} ({} bytes)".format(opts["output"], len(data)))
        elif opts["format"] in ("md", "html"):
            self.stdout.write(data.decode("utf-8"))
        else:
            sys.stdout.buffer.write(data)

    def _user(self, username: str | None) -> Any:
        users = get_user_model().objects
        if username:
            try:
                return users.get(username=username)
            except users.model.DoesNotExist:
                raise CommandError("unknown user {!r}".format(username)) from None
        # The municipal view: an unsaved superuser passes the policy's admin rule.
        system = users.model(username="bulletin-command", is_superuser=True, is_active=True)
        return system
