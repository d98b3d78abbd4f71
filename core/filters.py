"""Filter building blocks shared by every FilterSet (UI lists, API, exports, drill-downs)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from core.text import fold


class NaturalKeyFilter(django_filters.CharFilter):
    """Filter a foreign key by primary key (digits) or by a natural-key field, comma-separated."""

    def __init__(self, *args: Any, natural_key: str = "code", **kwargs: Any) -> None:
        self.natural_key = natural_key
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        parts = [part.strip() for part in str(value or "").split(",") if part.strip()]
        if not parts:
            return qs
        # A value matches the natural key (310104, "lingang", "ic") or, when it is all
        # digits, the primary key; ids and codes never collide in practice.
        cond = Q(**{f"{self.field_name}__{self.natural_key}__in": parts})
        ids = [int(part) for part in parts if part.isdigit() and len(part) < 19]
        if ids:
            cond |= Q(**{f"{self.field_name}__in": ids})
        return qs.filter(cond)


def folded_search(qs: QuerySet[Any], fields: list[str], value: str) -> QuerySet[Any]:
    """Search ignoring Traditional/Simplified and full/half-width differences.

    `fields` must hold folded text already (e.g. Company.search_key) or plain text that is
    compared with both the raw and the folded query.
    """
    term = (value or "").strip()
    if not term:
        return qs
    key = fold(term)
    cond = Q()
    for field in fields:
        cond |= Q(**{f"{field}__icontains": term}) | Q(**{f"{field}__icontains": key})
    return qs.filter(cond)
