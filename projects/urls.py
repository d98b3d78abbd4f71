from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from projects import views

app_name = "projects"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.project_list, name="list"),
    path("export/", views.project_export, name="export"),
    path("board/", views.board, name="board"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/activities/", views.activity_add, name="activity_add"),
    path("<int:pk>/follow-ups/", views.follow_up_add, name="follow_up_add"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
]
