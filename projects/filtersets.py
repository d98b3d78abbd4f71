"""The one FilterSet for projects: used by the list UI, the API, exports and drill-downs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import django_filters
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from accounts.policy import investor_visible_q
from core.bounds import parse_id
from core.filters import (
    CalendarDateFilter,
    FilterSet,
    IdFilter,
    NaturalKeyFilter,
    folded_q,
)
from projects.choices import LeadSource, Origin, Priority
from projects.models import Project
from taxonomy.models import Industry

YI = Decimal("100000000")
# Amount filters in 亿元: what Project.amount_cny (20 digits, 2 decimals) can hold.
AMOUNT_YI_BOUNDS: dict[str, Any] = {
    "min_value": Decimal("0"),
    "max_value": Decimal("1E10"),
    "max_digits": 20,
}


def _parts(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


class ResolvedKeyFilter(NaturalKeyFilter):
    """NaturalKeyFilter that, when its FilterSet has `resolve_keys` set, turns the codes into
    ids first (one query on the small reference table) and filters the foreign key column.

    Same rows either way (a value matches the natural key or, when all digits, the primary
    key), but `district_id IN (11)` instead of `district.code IN (...) OR district_id IN
    (...)` over a join lets the planner read the (district, stage, ...) indexes: in index
    order for the board's per-stage cards, and as a covering index for its per-stage totals.
    The ids are looked up once per FilterSet instance (one request). The API list keeps the
    SQL compiled with them only under the table stamps of core.stamps, which change when a
    reference table does.
    """

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if not getattr(self.parent, "resolve_keys", False):
            return super().filter(qs, value)
        parts = _parts(value)
        if not parts:
            return qs
        return qs.filter(**{f"{self.field_name}__in": self._ids(qs, tuple(parts))})

    def _ids(self, qs: QuerySet[Any], parts: tuple[str, ...]) -> list[int]:
        resolved: dict[tuple[str, ...], list[int]] = self.__dict__.setdefault("_resolved", {})
        if parts not in resolved:
            related = qs.model._meta.get_field(self.field_name).related_model
            cond = Q(**{f"{self.natural_key}__in": parts})
            ids = [pk for pk in map(parse_id, parts) if pk is not None]
            if ids:
                cond |= Q(pk__in=ids)
            resolved[parts] = sorted(
                related._default_manager.filter(cond).values_list("pk", flat=True)
            )
        return resolved[parts]


# Project fields that hold the investor. A filter on them (by id, credit code, ...) only
# answers with projects whose investor the user may see (accounts.policy.can_see_investor),
# whatever the consumer (list, API, board, totals, export): otherwise the projects such a
# filter returns would tell who the confidential investor is. `q` matches the investor's
# names under the same rule (ProjectFilterSet.filter_q).
INVESTOR_FIELDS = frozenset({"investor", "ultimate_parent"})


def reveals_investor(flt: django_filters.Filter) -> bool:
    """Whether a filter matches on the investor (its field starts at an INVESTOR_FIELDS field)."""
    root = str(flt.field_name or "").split("__")[0]
    return root.removesuffix("_id") in INVESTOR_FIELDS


class ProjectFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("search"))
    stage = ResolvedKeyFilter(field_name="stage", natural_key="code", label=_("stage"))
    district = ResolvedKeyFilter(field_name="district", natural_key="code", label=_("district"))
    zone = ResolvedKeyFilter(field_name="zone", natural_key="slug", label=_("zone"))
    industry = django_filters.CharFilter(method="filter_industry", label=_("industry"))
    business_activity = ResolvedKeyFilter(
        field_name="business_activity", natural_key="code", label=_("business activity")
    )
    project_type = ResolvedKeyFilter(
        field_name="project_type", natural_key="code", label=_("project type")
    )
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, label=_("priority"))
    origin = django_filters.MultipleChoiceFilter(choices=Origin.choices, label=_("origin"))
    source_country = django_filters.CharFilter(
        method="filter_source_country", label=_("source country (ISO 3166)")
    )
    lead_source = django_filters.ChoiceFilter(choices=LeadSource.choices, label=_("lead source"))
    amount_min_yi = django_filters.NumberFilter(
        method="filter_amount_min", label=_("amount from (亿元)"), **AMOUNT_YI_BOUNDS
    )
    amount_max_yi = django_filters.NumberFilter(
        method="filter_amount_max", label=_("amount to (亿元)"), **AMOUNT_YI_BOUNDS
    )
    signed_from = CalendarDateFilter(
        field_name="signed_on", lookup_expr="gte", label=_("signed from")
    )
    signed_to = CalendarDateFilter(field_name="signed_on", lookup_expr="lte", label=_("signed to"))
    owner = IdFilter(field_name="owner_id", label=_("owner"))
    event = IdFilter(field_name="signing_event_id", label=_("event"))
    partner = IdFilter(field_name="referring_partner_id", label=_("partner"))
    investor = IdFilter(field_name="investor_id", label=_("investor"))
    counted_in_stats = django_filters.BooleanFilter(label=_("counted in statistics"))
    confidential = django_filters.BooleanFilter(label=_("confidential"))
    stale = django_filters.ChoiceFilter(
        method="filter_stale",
        choices=[("yellow", _("no progress for 2 months")), ("red", _("no progress for 3 months"))],
        label=_("staleness"),
    )
    include_duplicates = django_filters.BooleanFilter(
        method="filter_duplicates", label=_("include merged duplicates")
    )

    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("amount_cny", "amount"),
            ("signed_on", "signed_on"),
            ("stage__sequence", "stage"),
            ("district__code", "district"),
            ("priority", "priority"),
            ("last_progress_on", "last_progress"),
            ("updated_at", "updated"),
        ),
        label=_("sort"),
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def __init__(self, *args: Any, resolve_keys: bool = False, **kwargs: Any) -> None:
        """`resolve_keys`: look codes up first and filter by literal ids (see
        ResolvedKeyFilter); for pages whose queries need index order per district or stage
        (the board). Results are the same; it costs one small query per such filter."""
        super().__init__(*args, **kwargs)
        self.resolve_keys = resolve_keys

    @classmethod
    def investor_params(cls) -> frozenset[str]:
        """Parameters whose answer depends on which investors the user may see."""
        return frozenset({"q", *(n for n, f in cls.base_filters.items() if reveals_investor(f))})

    @property
    def qs(self) -> QuerySet[Project]:
        return self._live(super().qs)

    def filter_queryset(self, queryset: QuerySet[Project]) -> QuerySet[Project]:
        queryset = super().filter_queryset(queryset)
        used = any(
            value not in EMPTY_VALUES and reveals_investor(self.filters[name])
            for name, value in self.form.cleaned_data.items()
        )
        cond = investor_visible_q(self.user) if used else None
        return queryset if cond is None else queryset.filter(cond)

    def apply_to(self, queryset: QuerySet[Project]) -> QuerySet[Project]:
        """The same filters over another base queryset (e.g. the same user's rows under
        another restriction action); codes are resolved once for both."""
        queryset = queryset.all()
        if self.is_bound:
            self.errors  # noqa: B018 - validates the form, as `qs` does
            queryset = self.filter_queryset(queryset)
        return self._live(queryset)

    def _live(self, queryset: QuerySet[Project]) -> QuerySet[Project]:
        # Merged duplicates are hidden unless asked for (the survivor carries their data).
        if not self.form.cleaned_data.get("include_duplicates"):
            queryset = queryset.filter(duplicate_of__isnull=True)
        return queryset

    def filter_q(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        """The project's name or amount text, or its investor's names where the user may see
        the investor (a confidential project is not found by a hidden investor's name)."""
        own = folded_q(["name", "amount_text"], value)
        by_investor = folded_q(["investor__search_key"], value)
        if own is None or by_investor is None:
            return qs
        visible = investor_visible_q(self.user)
        if visible is not None:
            by_investor &= visible
        return qs.filter(own | by_investor)

    def filter_industry(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        """An industry code matches itself and every sub-track below it (ic → ic.design).

        The project query is `industry_id IN (<industries>)`, which the (industry, signed_on)
        indexes serve, rather than an OR over two joins that only a full scan can answer:
        a subquery on the taxonomy, or (with `resolve_keys`) the ids looked up beforehand.
        """
        codes = _parts(value)
        if not codes:
            return qs
        cond = Q()
        for code in codes:
            pk = parse_id(code)
            if pk is not None:
                cond |= Q(pk=pk)
            else:
                cond |= Q(code=code) | Q(code__startswith=code + ".") | Q(parent__code=code)
        industries = Industry.objects.filter(cond).values("pk")
        if self.resolve_keys:
            resolved: dict[tuple[str, ...], list[int]] = self.__dict__.setdefault("_industries", {})
            key = tuple(codes)
            if key not in resolved:
                resolved[key] = sorted(row["pk"] for row in industries)
            return qs.filter(industry_id__in=resolved[key])
        return qs.filter(industry_id__in=industries)

    def filter_source_country(
        self, qs: QuerySet[Project], name: str, value: str
    ) -> QuerySet[Project]:
        codes = [c.strip().upper() for c in value.split(",") if c.strip()]
        return qs.filter(source_country__in=codes) if codes else qs

    def filter_amount_min(self, qs: QuerySet[Project], name: str, value: Any) -> QuerySet[Project]:
        return qs.filter(amount_cny__gte=Decimal(str(value)) * YI)

    def filter_amount_max(self, qs: QuerySet[Project], name: str, value: Any) -> QuerySet[Project]:
        return qs.filter(amount_cny__lte=Decimal(str(value)) * YI)

    def filter_stale(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        days = settings.STALE_RED_DAYS if value == "red" else settings.STALE_YELLOW_DAYS
        cutoff = timezone.localdate() - dt.timedelta(days=days)
        return qs.filter(
            stage__is_lost=False, stage__fold=False, last_progress_on__lt=cutoff
        ).exclude(stage__code="operating")

    def filter_duplicates(self, qs: QuerySet[Project], name: str, value: bool) -> QuerySet[Project]:
        return qs  # handled in `qs` so that the default hides duplicates
