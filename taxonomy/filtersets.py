"""FilterSet for the industry tree (list UI, API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet, NaturalKeyFilter, folded_search
from taxonomy.models import Industry


class IndustryFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("search"))
    level = django_filters.ChoiceFilter(choices=Industry.Level.choices, label=_("level"))
    parent = NaturalKeyFilter(field_name="parent", natural_key="code", label=_("parent"))
    under = django_filters.CharFilter(method="filter_under", label=_("below this code"))
    ordering = django_filters.OrderingFilter(
        fields=(("sort_order", "sort_order"), ("code", "code"), ("name_zh_hans", "name")),
        label=_("sort"),
    )

    class Meta:
        model = Industry
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[Industry], name: str, value: str) -> QuerySet[Industry]:
        return folded_search(qs, ["name_zh_hans", "name_zh_hant", "name_en", "code"], value)

    def filter_under(self, qs: QuerySet[Industry], name: str, value: str) -> QuerySet[Industry]:
        code = value.strip()
        return qs.filter(Q(code__startswith=code + ".") | Q(parent__code=code))
