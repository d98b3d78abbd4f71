"""Root URL configuration: each app owns its own urls module."""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
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
    path("", include("core.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
