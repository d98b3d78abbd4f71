from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from events import views

app_name = "events"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.event_list, name="list"),
    path("<int:pk>/", views.event_detail, name="detail"),
]
