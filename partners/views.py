"""Partner pages: the list, and one partner's referrals with their outcomes (with the
partner's change history on a second tab)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.history import record_tabs
from partners.models import Partner
from projects.models import Project, Stage
from projects.tables import LIST_ONLY, LIST_RELATED


@login_required
def partner_list(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("q", "").strip()
    qs = Partner.objects.restrict(request.user, "view")
    if term:
        qs = qs.filter(
            Q(name_zh_hans__icontains=term)
            | Q(name_zh_hant__icontains=term)
            | Q(name_en__icontains=term)
        )
    page = Paginator(qs.order_by("name_zh_hans"), 50).get_page(request.GET.get("page"))
    return render(request, "partners/list.html", {"page": page, "q": term})


@login_required
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The partner page: referrals and outcomes (overview), or the partner's change history."""
    try:
        partner = Partner.objects.restrict(request.user, "view").get(pk=pk)
    except Partner.DoesNotExist:
        raise Http404(_("No such partner, or you may not see it.")) from None
    tabs = record_tabs(request, partner, lambda: _referrals(request, partner))
    return render(request, "partners/detail.html", {"partner": partner, **tabs})


def _referrals(request: HttpRequest, partner: Partner) -> dict[str, Any]:
    """Referrals grouped by outcome (stage), one aggregate query, then the referral list."""
    referred = Project.objects.restrict(request.user, "aggregate").filter(
        referring_partner=partner, duplicate_of__isnull=True
    )
    by_stage = {
        row["stage_id"]: row
        for row in referred.order_by()
        .values("stage_id")
        .annotate(n=Count("pk"), total=Sum("amount_cny"))
    }
    outcomes = []
    for stage in Stage.objects.all():
        row = by_stage.get(stage.pk)
        if row:
            outcomes.append({"stage": stage, "count": row["n"], "total": row["total"]})
    total = sum(o["count"] for o in outcomes)
    won = sum(o["count"] for o in outcomes if o["stage"].is_won)
    lost = sum(o["count"] for o in outcomes if o["stage"].is_lost)
    referrals = list(
        Project.objects.restrict(request.user, "view")
        .filter(referring_partner=partner, duplicate_of__isnull=True)
        .select_related(*LIST_RELATED)
        .only(*LIST_ONLY, "referral_registered_on", "lost_reason")
        .order_by("-signed_on", "-id")[:500]
    )
    return {
        "outcomes": outcomes,
        "total": total,
        "won": won,
        "lost": lost,
        "open": total - won - lost,
        "won_amount": sum((o["total"] or 0 for o in outcomes if o["stage"].is_won), start=0),
        "conversion": (won * 100 / total) if total else None,
        "referrals": referrals,
    }
