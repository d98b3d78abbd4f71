"""`zhaoshang token create|list|revoke`: personal API tokens from the command line."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import ApiToken
from core.context import change_context


class Command(BaseCommand):
    help = "Create, list or revoke API tokens (only the SHA-256 of a token is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print its secret once")
        create.add_argument("--user", required=True, help="username")
        create.add_argument("--name", required=True, help="what the token is for")
        create.add_argument(
            "--days", type=int, default=90, help="days until it expires (1-3660, default 90)"
        )
        listing = sub.add_parser("list", help="list tokens (never their secrets)")
        listing.add_argument("--user", help="only this user's tokens")
        revoke = sub.add_parser("revoke", help="revoke a token by id or prefix")
        revoke.add_argument("token", help="token id or prefix (zs_...)")

    def handle(self, *args: Any, **options: Any) -> None:
        with change_context("command"):
            action = options["action"]
            if action == "create":
                self._create(options)
            elif action == "list":
                self._list(options)
            else:
                self._revoke(options["token"])

    def _user(self, username: str) -> Any:
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None

    def _create(self, options: dict[str, Any]) -> None:
        days = options["days"]
        if not 1 <= days <= 3660:
            raise CommandError("--days must be between 1 and 3660")
        user = self._user(options["user"])
        if not user.is_active:
            raise CommandError(f"user {user.username!r} is not active")
        token, secret = ApiToken.issue(user, options["name"], days=days)
        self.stderr.write(
            f"token {token.pk} for {user.username}, expires {token.expires_at:%Y-%m-%d}; "
            "the secret below is shown only now:"
        )
        self.stdout.write(secret)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
        if options.get("user"):
            tokens = tokens.filter(user=self._user(options["user"]))
        for t in tokens:
            state = "revoked" if t.revoked_at else ("active" if t.is_usable else "expired")
            expires = f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "never"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            self.stdout.write(
                f"{t.pk}\t{t.user.username}\t{t.prefix}…\t{t.name}\t{state}\t"
                f"expires {expires}\tlast used {used}"
            )

    def _revoke(self, ref: str) -> None:
        if ref.isdigit():
            matches = list(ApiToken.objects.filter(pk=int(ref)))
        else:
            matches = list(ApiToken.objects.filter(prefix__startswith=ref[:16]))
        if not matches:
            raise CommandError(f"no token matches {ref!r}")
        if len(matches) > 1:
            raise CommandError(f"{len(matches)} tokens match {ref!r}; use the id")
        matches[0].revoke()
        self.stdout.write(f"revoked token {matches[0].pk} ({matches[0].name})")
