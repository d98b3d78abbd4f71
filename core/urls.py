from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from core import files, views

app_name = "core"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    # MEDIA_URL: every stored file, to those who may see its record (core/files.py).
    path("files/<path:name>", files.serve, name="file"),
]
