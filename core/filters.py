"""Filter building blocks shared by every FilterSet (UI lists, API, exports, drill-downs)."""

from __future__ import annotations

import copy
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django_filters.filters import FilterMethod

from core.text import fold


def _fresh_copy(flt: django_filters.Filter) -> django_filters.Filter:
    """A copy of a declared filter for one FilterSet instance, without a deep copy.

    Containers (`extra`, caches) are copied one level deep so nothing an instance stores
    reaches the next request; the form field is rebuilt; a `method=` filter gets its own
    FilterMethod pointing at the copy (as deepcopy would give it).
    """
    new = copy.copy(flt)
    new.__dict__ = {
        key: value.copy() if isinstance(value, dict | list | set) else value
        for key, value in flt.__dict__.items()
        if key != "_field"
    }
    if isinstance(flt.__dict__.get("filter"), FilterMethod):
        new.filter = FilterMethod(new)
    return new


class _FreshCopies(dict[str, Any]):
    """`base_filters` whose deep copy (made by every FilterSet instance) is `_fresh_copy`."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {name: _fresh_copy(flt) for name, flt in self.items()}


class FilterSet(django_filters.FilterSet):
    """Base of every FilterSet here: the same behaviour, a cheaper start.

    django-filter deep-copies all declared filters (labels, choices, querysets) for every
    request; on the project list that was about a sixth of an API request's time.

    `user` is who reads (the API and every page pass it): filters whose answer could tell
    something the user may not see use it (ProjectFilterSet: confidential investors).
    Without one, such filters answer as for an anonymous user.
    """

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    @classmethod
    def get_filters(cls) -> Any:
        return _FreshCopies(super().get_filters())


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


def folded_q(fields: list[str], value: str) -> Q | None:
    """The condition of `folded_search` (None for an empty term)."""
    term = (value or "").strip()
    if not term:
        return None
    key = fold(term)
    cond = Q()
    for field in fields:
        cond |= Q(**{f"{field}__icontains": term}) | Q(**{f"{field}__icontains": key})
    return cond


def folded_search(qs: QuerySet[Any], fields: list[str], value: str) -> QuerySet[Any]:
    """Search ignoring Traditional/Simplified and full/half-width differences.

    `fields` must hold folded text already (e.g. Company.search_key) or plain text that is
    compared with both the raw and the folded query.
    """
    cond = folded_q(fields, value)
    return qs if cond is None else qs.filter(cond)
