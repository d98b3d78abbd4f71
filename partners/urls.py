from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from partners import views

app_name = "partners"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.partner_list, name="list"),
    path("<int:pk>/", views.partner_detail, name="detail"),
]
