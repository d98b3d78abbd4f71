from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from core import files

app_name = "core"
urlpatterns: list[URLPattern | URLResolver] = [
    # MEDIA_URL: every stored file, to those who may see its record (core/files.py).
    path("files/<path:name>", files.serve, name="file"),
]
