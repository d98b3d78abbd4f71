"""FilterSets for districts and zones (list UI, API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.bounds import parse_id
from core.filters import FilterSet, NaturalKeyFilter, folded_search
from geo.models import District, Zone


class DistrictFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("search"))
    kind = django_filters.ChoiceFilter(choices=District.Kind.choices, label=_("kind"))
    code = django_filters.CharFilter(field_name="code", label=_("GB/T 2260 code"))
    ordering = django_filters.OrderingFilter(
        fields=(("code", "code"), ("name_zh_hans", "name")), label=_("sort")
    )

    class Meta:
        model = District
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[District], name: str, value: str) -> QuerySet[District]:
        return folded_search(qs, ["name_zh_hans", "name_zh_hant", "name_en"], value)


class ZoneFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("search"))
    district = django_filters.CharFilter(method="filter_district", label=_("district"))
    kind = django_filters.CharFilter(field_name="kind", label=_("kind"))
    parent = NaturalKeyFilter(field_name="parent", natural_key="slug", label=_("parent zone"))
    ordering = django_filters.OrderingFilter(
        fields=(("slug", "slug"), ("name_zh_hans", "name")), label=_("sort")
    )

    class Meta:
        model = Zone
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[Zone], name: str, value: str) -> QuerySet[Zone]:
        return folded_search(qs, ["name_zh_hans", "name_zh_hant", "name_en", "slug"], value)

    def filter_district(self, qs: QuerySet[Zone], name: str, value: str) -> QuerySet[Zone]:
        """Zones whose primary district, or any district they span, matches (code or id)."""
        codes = [c.strip() for c in value.split(",") if c.strip()]
        ids = [pk for pk in map(parse_id, codes) if pk is not None]
        cond = Q(district__code__in=codes) | Q(districts__code__in=codes)
        if ids:
            cond |= Q(district_id__in=ids) | Q(districts__in=ids)
        return qs.filter(cond).distinct()
