"""The one FilterSet for promotion events (list UI, API, exports)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import CalendarDateFilter, FilterSet, NaturalKeyFilter, folded_search
from events.models import Event


class EventFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("search"))
    kind = django_filters.MultipleChoiceFilter(choices=Event.Kind.choices, label=_("kind"))
    district = NaturalKeyFilter(field_name="district", natural_key="code", label=_("district"))
    zone = NaturalKeyFilter(field_name="zone", natural_key="slug", label=_("zone"))
    date_from = CalendarDateFilter(field_name="date", lookup_expr="gte", label=_("from"))
    date_to = CalendarDateFilter(field_name="date", lookup_expr="lte", label=_("to"))
    ordering = django_filters.OrderingFilter(
        fields=(("date", "date"), ("name", "name"), ("announced_total_cny", "announced_total")),
        label=_("sort"),
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        return folded_search(qs, ["name", "name_en", "venue", "organiser"], value)
