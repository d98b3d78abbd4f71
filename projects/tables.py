"""The project table: which columns the list shows, how each sorts, and the page size rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Relations every row of the table touches; selected in the list query to avoid N+1.
LIST_RELATED = ("stage", "district", "industry", "investor", "owner")
# Columns the list actually renders (keeps the row query narrow on a million rows).
LIST_ONLY = (
    "id",
    "name",
    "confidential",
    "amount_cny",
    "amount_is_estimated",
    "signed_on",
    "last_progress_on",
    "priority",
    "version",
    "stage__id",
    "stage__code",
    "stage__name_zh_hans",
    "stage__name_zh_hant",
    "stage__name_en",
    "stage__is_won",
    "stage__is_lost",
    "stage__fold",
    "district__id",
    "district__name_zh_hans",
    "district__name_zh_hant",
    "district__name_en",
    "industry__id",
    "industry__name_zh_hans",
    "industry__name_zh_hant",
    "industry__name_en",
    "investor__id",
    "investor__name_zh_hans",
    "investor__name_zh_hant",
    "investor__name_en",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
# Deep OFFSET pages on a million rows cost more than they are worth: past this many rows
# the list asks the user to narrow the filter (or export) instead of paging further.
MAX_BROWSABLE_ROWS = 10_000


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    sort: str = ""  # ordering parameter understood by ProjectFilterSet ("" = not sortable)
    numeric: bool = False


PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("name", _("Project / investor"), "name"),
    Column("stage", _("Stage"), "stage"),
    Column("district", _("District"), "district"),
    Column("industry", _("Industry")),
    Column("amount", _("Investment"), "amount", numeric=True),
    Column("signed_on", _("Signed on"), "signed_on"),
    Column("priority", _("Priority"), "priority"),
    Column("owner", _("Owner")),
    Column("last_progress", _("Last progress"), "last_progress"),
)


class KnownCountPaginator(Paginator):
    """A paginator that takes the row count from an aggregate already run for the totals,
    so the list does not run COUNT(*) twice, and stops offering pages past a cap.

    With `keys` (the filtered queryset, in the list's order) a page is read as a "deferred
    join", still one query: the inner query picks the page's ids, which an index can answer on
    its own (reading in index order, or sorting only ids and sort keys), and only those rows
    are fetched with their related names. `object_list` must then be the rows to fetch from
    (the user's restricted projects with select_related/only) in the same order:

        SELECT ... FROM project JOIN ... WHERE <restriction> AND project.id IN
            (SELECT id FROM project WHERE <filters> ORDER BY <ordering> LIMIT n OFFSET m)
        ORDER BY <ordering>

    Without it, a filter whose rows no index delivers in order (several industries and a date
    range) sorts every matching row with all its joined columns to keep 50.
    """

    def __init__(
        self, object_list: Any, per_page: int, *, count: int, keys: QuerySet[Any] | None = None
    ) -> None:
        super().__init__(object_list, per_page)
        self._rows = object_list
        self._known = count
        self._keys = keys

    @property
    def count(self) -> int:
        return min(self._known, MAX_BROWSABLE_ROWS)

    def page(self, number: Any) -> Page:
        if self._keys is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if top <= bottom:
            return Page(self._rows.none(), number, self)
        ids = self._keys.values("pk")[bottom:top]
        return Page(self._rows.filter(pk__in=ids), number, self)


def page_size(raw: str | None) -> int:
    try:
        size = int(raw or DEFAULT_PAGE_SIZE)
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE
