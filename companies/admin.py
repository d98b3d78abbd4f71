from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from companies.models import Company, CompanyHonour, Facility
from ingest.dedupe import check_new_company, warn_about_duplicates


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

    def save_model(self, request: HttpRequest, obj: Company, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # Created by hand: the same duplicate check as the API, import and news review.
            warn_about_duplicates(request, "companies", check_new_company(obj))

    def get_search_results(self, request, queryset, search_term):
        from core.text import fold

        return super().get_search_results(request, queryset, fold(search_term) or search_term)
