"""The one FilterSet for companies (list UI, API, exports)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from companies.models import Company
from core.filters import FilterSet, IdFilter, NaturalKeyFilter, folded_search


class CompanyFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("search"))
    country = django_filters.CharFilter(
        field_name="country", lookup_expr="iexact", label=_("country")
    )
    credit_code = django_filters.CharFilter(
        field_name="credit_code", lookup_expr="iexact", label=_("unified social credit code")
    )
    honour = NaturalKeyFilter(field_name="honours", natural_key="code", label=_("honour"))
    parent = IdFilter(field_name="parent_id", label=_("parent group"))
    include_duplicates = django_filters.BooleanFilter(
        method="filter_duplicates", label=_("include merged duplicates")
    )
    ordering = django_filters.OrderingFilter(
        fields=(("name_zh_hans", "name"), ("created_at", "created"), ("updated_at", "updated")),
        label=_("sort"),
    )

    class Meta:
        model = Company
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[Company]:
        queryset: QuerySet[Company] = super().qs
        if not self.form.cleaned_data.get("include_duplicates"):
            queryset = queryset.filter(duplicate_of__isnull=True)
        if self.form.cleaned_data.get("honour"):
            queryset = queryset.distinct()
        return queryset

    def filter_q(self, qs: QuerySet[Company], name: str, value: str) -> QuerySet[Company]:
        return folded_search(qs, ["search_key", "credit_code"], value)

    def filter_duplicates(self, qs: QuerySet[Company], name: str, value: bool) -> QuerySet[Company]:
        return qs
