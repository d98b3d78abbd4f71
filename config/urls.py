"""Root URL configuration: each app owns its own urls module."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path

from config.api import api, unknown_url

# A request body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 naming the limit.
handler400 = "core.views.bad_request"

urlpatterns: list[URLPattern | URLResolver] = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/", unknown_url),  # other versions, /api/ itself: the JSON 404
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("projects/", include("projects.urls")),
    path("companies/", include("companies.urls")),
    path("events/", include("events.urls")),
    path("partners/", include("partners.urls")),
    path("review/", include("evidence.urls")),
    path("data/", include("ingest.urls")),
    path("cockpit/", include("analytics.urls")),
    path("reports/", include("reports.urls")),
    path("jobs/", include("jobs.urls")),
    path("", include("workspace.urls")),
    path("", include("core.urls")),
]
# No static(MEDIA_URL, ...) route, not even with DEBUG: stored files go through
# core.files.serve (core/urls.py), which checks who may download each.
