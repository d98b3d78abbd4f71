from __future__ import annotations

from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The pages that join every app: My work and the global search."""

    name = "workspace"
