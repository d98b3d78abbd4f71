from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from companies.models import Company, CompanyHonour, Facility


class CompanyHonourInline(admin.TabularInline):
    model = CompanyHonour
    extra = 0
    autocomplete_fields = ("honour",)


class FacilityInline(admin.TabularInline):
    model = Facility
    extra = 0


@admin.register(Company)
class CompanyAdmin(SimpleHistoryAdmin):
    list_display = ("name_zh_hans", "name_en", "credit_code", "country", "parent", "is_synthetic")
    list_filter = ("country", "is_synthetic", "honour_links__honour")
    # search_key holds folded names, so 比亞迪 finds 比亚迪 too.
    search_fields = ("name_zh_hans", "name_zh_hant", "name_en", "search_key", "credit_code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent", "duplicate_of")
    inlines = (CompanyHonourInline, FacilityInline)

    def get_search_results(self, request, queryset, search_term):
        from core.text import fold

        return super().get_search_results(request, queryset, fold(search_term) or search_term)
