from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from core import views

app_name = "core"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
]
