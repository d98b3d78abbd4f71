from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from workspace import views

app_name = "workspace"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
]
