from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from reports import views

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.bulletin_page, name="index"),
    path("bulletin/", views.bulletin_page, name="bulletin"),
]
