from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from companies import views

app_name = "companies"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.company_list, name="list"),
    path("<int:pk>/", views.company_detail, name="detail"),
]
