from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from companies import views

app_name = "companies"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.company_list, name="list"),
    path("new/", views.company_create, name="create"),
    path("<int:pk>/", views.company_detail, name="detail"),
    path("<int:pk>/edit/", views.company_edit, name="edit"),
]
