"""`zhaoshang demo_user`: create (or reset) the demo login and print it. Refused unless DEBUG."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "zhaoshang-demo-2024"


class Command(BaseCommand):
    help = "Create the demo administrator (only with DEBUG=1) and print the login."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_user only runs with DEBUG=1 (it sets a known password)")
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(username=DEMO_USERNAME)
        user.is_staff = True
        user.is_superuser = True
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        from projects.demo_accounts import PERSONA_PASSWORD, create_personas

        # One account per role, so the demo shows what each role may see.
        roles = ", ".join(name for name in create_personas() if name != "admin")
        bar = "=" * 72
        self.stdout.write(
            f"{bar}\n  zhaoshang demo: http://127.0.0.1:8000/\n"
            f"  login: {DEMO_USERNAME}   password: {DEMO_PASSWORD}   (administrator)\n"
            f"  other roles: {roles}   password: {PERSONA_PASSWORD}\n"
            f"  admin: http://127.0.0.1:8000/admin/\n{bar}"
        )
