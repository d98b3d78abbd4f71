from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from geo.models import City, District, Province, Zone

NAME_SEARCH = ("name_zh_hans", "name_zh_hant", "name_en", "code")


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh_hans", "name_en", "kind")
    list_filter = ("kind",)
    search_fields = NAME_SEARCH


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh_hans", "name_en", "province", "kind", "major")
    list_filter = ("kind", "major", "province")
    search_fields = NAME_SEARCH
    list_select_related = ("province",)


@admin.register(District)
class DistrictAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_zh_hans", "name_zh_hant", "name_en", "kind", "successor")
    list_filter = ("kind",)
    search_fields = NAME_SEARCH
    list_select_related = ("successor",)


@admin.register(Zone)
class ZoneAdmin(SimpleHistoryAdmin):
    list_display = ("slug", "name_zh_hans", "kind", "district", "parent")
    list_filter = ("kind", "district")
    search_fields = ("slug", "name_zh_hans", "name_zh_hant", "name_en")
    list_select_related = ("district", "parent")
    filter_horizontal = ("districts",)
