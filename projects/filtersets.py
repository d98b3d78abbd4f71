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

from core.filters import NaturalKeyFilter, folded_search
from projects.choices import LeadSource, Origin, Priority
from projects.models import Project

YI = Decimal("100000000")


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("search"))
    stage = NaturalKeyFilter(field_name="stage", natural_key="code", label=_("stage"))
    district = NaturalKeyFilter(field_name="district", natural_key="code", label=_("district"))
    zone = NaturalKeyFilter(field_name="zone", natural_key="slug", label=_("zone"))
    industry = django_filters.CharFilter(method="filter_industry", label=_("industry"))
    business_activity = NaturalKeyFilter(
        field_name="business_activity", natural_key="code", label=_("business activity")
    )
    project_type = NaturalKeyFilter(
        field_name="project_type", natural_key="code", label=_("project type")
    )
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, label=_("priority"))
    origin = django_filters.MultipleChoiceFilter(choices=Origin.choices, label=_("origin"))
    source_country = django_filters.CharFilter(
        method="filter_source_country", label=_("source country (ISO 3166)")
    )
    lead_source = django_filters.ChoiceFilter(choices=LeadSource.choices, label=_("lead source"))
    amount_min_yi = django_filters.NumberFilter(
        method="filter_amount_min", label=_("amount from (亿元)")
    )
    amount_max_yi = django_filters.NumberFilter(
        method="filter_amount_max", label=_("amount to (亿元)")
    )
    signed_from = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="gte", label=_("signed from")
    )
    signed_to = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="lte", label=_("signed to")
    )
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("owner"))
    event = django_filters.NumberFilter(field_name="signing_event_id", label=_("event"))
    partner = django_filters.NumberFilter(field_name="referring_partner_id", label=_("partner"))
    investor = django_filters.NumberFilter(field_name="investor_id", label=_("investor"))
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

    @property
    def qs(self) -> QuerySet[Project]:
        queryset: QuerySet[Project] = super().qs
        # Merged duplicates are hidden unless asked for (the survivor carries their data).
        if not self.form.cleaned_data.get("include_duplicates"):
            queryset = queryset.filter(duplicate_of__isnull=True)
        return queryset

    def filter_q(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return folded_search(qs, ["name", "investor__search_key", "amount_text"], value)

    def filter_industry(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        """An industry code matches itself and every sub-track below it (ic → ic.design)."""
        cond = Q()
        for code in [c.strip() for c in value.split(",") if c.strip()]:
            if code.isdigit():
                cond |= Q(industry_id=int(code))
            else:
                cond |= (
                    Q(industry__code=code)
                    | Q(industry__code__startswith=code + ".")
                    | Q(industry__parent__code=code)
                )
        return qs.filter(cond)

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
