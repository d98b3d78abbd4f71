from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core import history  # noqa: F401  (connects the history signal)
        from core.stamps import on_post_migrate

        post_migrate.connect(on_post_migrate, dispatch_uid="core.stamps")
