"""core.filters.FilterSet: every instance gets its own filters, without a deep copy."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict

from projects.filtersets import ProjectFilterSet

pytestmark = pytest.mark.django_db


def test_each_filterset_gets_its_own_filters_and_fields() -> None:
    one = ProjectFilterSet(QueryDict("stage=signed"))
    two = ProjectFilterSet(QueryDict("district=310104"))
    for name, flt in one.filters.items():
        other = two.filters[name]
        assert flt is not other and flt is not ProjectFilterSet.base_filters[name]
        assert flt.parent is one and other.parent is two
        assert flt.extra is not other.extra
        assert flt.field is not other.field
    # What one instance stores on its filters never reaches another one.
    one.filters["stage"].extra["help_text"] = "changed"
    assert "help_text" not in two.filters["stage"].extra
    assert "help_text" not in ProjectFilterSet.base_filters["stage"].extra


def test_method_filters_call_their_own_filterset(monkeypatch: Any) -> None:
    calls: list[Any] = []

    def spy(self: Any, qs: Any, name: str, value: Any) -> Any:
        calls.append(self)
        return qs

    monkeypatch.setattr(ProjectFilterSet, "filter_q", spy)
    one = ProjectFilterSet(QueryDict("q=a"))
    two = ProjectFilterSet(QueryDict("q=b"))
    one.qs, two.qs  # noqa: B018 - evaluate the filters
    assert calls == [one, two]
