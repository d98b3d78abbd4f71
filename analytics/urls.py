from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from analytics import api, views

app_name = "analytics"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.cockpit, name="cockpit"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("api/reconciliation/", api.reconciliation, name="api-reconciliation"),
    path("api/<slug:name>/", api.figure, name="api-figure"),
]
