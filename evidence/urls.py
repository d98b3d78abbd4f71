"""Review queue URLs, mounted at /review/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from evidence import views

app_name = "evidence"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("add/", views.add, name="add"),
    path("<int:pk>/", views.document, name="document"),
    path("<int:pk>/status/", views.document_status, name="document_status"),
    path("candidates/<int:pk>/accept/", views.accept, name="accept"),
    path("candidates/<int:pk>/edit/", views.edit, name="edit"),
    path("candidates/<int:pk>/reject/", views.reject, name="reject"),
    path("candidates/<int:pk>/attach/", views.attach, name="attach"),
]
