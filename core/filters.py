"""Filter building blocks shared by every FilterSet (UI lists, API, exports, drill-downs)."""

from __future__ import annotations

import copy
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django_filters.filters import FilterMethod

from core.bounds import MAX_ID, MAX_YEAR, MIN_YEAR, parse_id, validate_calendar_date
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


# ---- bounded values: a value a database or `datetime` cannot hold makes the filter invalid
# (the FilterSet's errors name it: 422 in the API, 400 on a page), never a server error.


class IntegerFilter(django_filters.NumberFilter):
    """A whole number, within `min_value`..`max_value` when given."""

    field_class = forms.IntegerField


class IdFilter(IntegerFilter):
    """A record by id: a whole number from 1 to MAX_ID (an id of 20 digits, a negative or a
    non-numeric one is an invalid filter, not an overflow in the database)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class YearFilter(IntegerFilter):
    """A calendar year within core.bounds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(*args, **kwargs)


class CalendarDateFilter(django_filters.DateFilter):
    """A date within core.bounds (1949-01-01..2100-12-31)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [validate_calendar_date])
        super().__init__(*args, **kwargs)


def filter_errors(filterset: django_filters.FilterSet) -> dict[str, list[str]]:
    """The invalid parameters of a bound FilterSet and why, or {} when all are valid."""
    if filterset.is_valid():
        return {}
    return {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}


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
        ids = [pk for pk in map(parse_id, parts) if pk is not None]
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
