"""The one FilterSet for partner organisations (list UI, API, exports)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet, YearFilter, folded_search
from partners.models import Partner


class PartnerFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("search"))
    kind = django_filters.MultipleChoiceFilter(choices=Partner.Kind.choices, label=_("kind"))
    country = django_filters.CharFilter(
        field_name="country", lookup_expr="iexact", label=_("country")
    )
    year_joined = YearFilter(field_name="year_joined", label=_("year joined"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name_zh_hans", "name"),
            ("year_joined", "year_joined"),
            ("registered_on", "registered"),
        ),
        label=_("sort"),
    )

    class Meta:
        model = Partner
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[Partner], name: str, value: str) -> QuerySet[Partner]:
        return folded_search(qs, ["name_zh_hans", "name_zh_hant", "name_en", "contact"], value)
