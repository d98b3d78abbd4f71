from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from jobs import views

app_name = "jobs"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("start/<slug:kind>/", views.start, name="start"),
]
