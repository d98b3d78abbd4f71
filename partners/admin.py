from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from partners.models import Partner


@admin.register(Partner)
class PartnerAdmin(SimpleHistoryAdmin):
    list_display = ("name_zh_hans", "name_en", "kind", "country", "year_joined")
    list_filter = ("kind", "year_joined", "country", "is_synthetic")
    search_fields = ("name_zh_hans", "name_zh_hant", "name_en")
