from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # The framework layer asks its permission questions through core.policy, which
        # cannot import this app; install the policy there.
        from accounts import policy
        from core.policy import install

        install(policy)
