from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from events.models import Event


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "kind",
        "date",
        "district",
        "announced_project_count",
        "announced_total_cny",
    )
    list_filter = ("kind", "district", "is_synthetic")
    search_fields = ("name", "name_en", "venue", "organiser")
    date_hierarchy = "date"
    list_select_related = ("district",)
