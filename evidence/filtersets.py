"""The one FilterSet for source documents (review queue, API)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import CalendarDateFilter, FilterSet, folded_search
from evidence.models import SourceDocument


class SourceDocumentFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("search"))
    status = django_filters.MultipleChoiceFilter(
        choices=SourceDocument.Status.choices, label=_("review status")
    )
    language = django_filters.ChoiceFilter(
        choices=SourceDocument.Language.choices, label=_("language")
    )
    publisher = django_filters.CharFilter(
        field_name="publisher", lookup_expr="icontains", label=_("publisher")
    )
    published_from = CalendarDateFilter(
        field_name="published_on", lookup_expr="gte", label=_("published from")
    )
    published_to = CalendarDateFilter(
        field_name="published_on", lookup_expr="lte", label=_("published to")
    )
    ordering = django_filters.OrderingFilter(
        fields=(("published_on", "published"), ("created_at", "created"), ("title", "title")),
        label=_("sort"),
    )

    class Meta:
        model = SourceDocument
        fields: list[str] = []

    def filter_q(
        self, qs: QuerySet[SourceDocument], name: str, value: str
    ) -> QuerySet[SourceDocument]:
        return folded_search(qs, ["title", "publisher", "url"], value)
