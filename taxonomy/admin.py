from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from taxonomy.models import BusinessActivity, Honour, Industry, ProjectType

SEARCH = ("code", "name_zh_hans", "name_zh_hant", "name_en")


@admin.register(Industry)
class IndustryAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_zh_hans", "name_en", "level", "parent")
    list_filter = ("level", "parent")
    search_fields = SEARCH
    list_select_related = ("parent",)


@admin.register(BusinessActivity)
class BusinessActivityAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_zh_hans", "name_en", "parent")
    list_filter = ("parent",)
    search_fields = SEARCH


@admin.register(ProjectType)
class ProjectTypeAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_zh_hans", "name_en", "counts_increment_only")
    search_fields = SEARCH


@admin.register(Honour)
class HonourAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_zh_hans", "level", "tier")
    list_filter = ("level",)
    search_fields = SEARCH
