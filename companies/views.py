"""Company pages: a searchable list and the company page (names, honours, facilities, projects)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from companies.models import Company, CompanyHonour, Facility
from core.templatetags.zs import can_see_investor
from core.text import fold
from projects.models import Project
from projects.tables import LIST_ONLY, LIST_RELATED

PROJECTS_ON_PAGE = 200


def search_companies(user: Any, term: str) -> Any:
    """Companies whose folded names contain the folded term (Trad/Simp, full/half-width)."""
    key = fold(term)
    qs = Company.objects.restrict(user, "view").filter(duplicate_of__isnull=True)
    return qs.filter(search_key__contains=key) if key else qs


@login_required
def company_list(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("q", "").strip()
    qs = search_companies(request.user, term).order_by("name_zh_hans")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "companies/list.html", {"page": page, "q": term})


@login_required
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        company = (
            Company.objects.restrict(request.user, "view")
            .select_related("parent", "duplicate_of")
            .get(pk=pk)
        )
    except Company.DoesNotExist:
        raise Http404(_("No such company, or you may not see it.")) from None
    visible = (
        Project.objects.restrict(request.user, "view")
        .filter(investor=company)
        .select_related(*LIST_RELATED)
        .only(*LIST_ONLY)
        .order_by("-signed_on", "-id")[:PROJECTS_ON_PAGE]
    )
    # A confidential project must not reveal its investor: it is left off this page for
    # users who may not see that investor, and the totals cover only what is listed.
    projects, hidden = [], 0
    for project in visible:
        if can_see_investor(request.user, project):
            projects.append(project)
        else:
            hidden += 1
    won = [p for p in projects if p.stage.is_won]
    context = {
        "company": company,
        "aliases": company.aliases,
        "honours": list(CompanyHonour.objects.filter(company=company).select_related("honour")),
        "facilities": list(
            Facility.objects.filter(company=company).select_related("district", "zone")
        ),
        "subsidiaries": list(Company.objects.filter(parent=company).order_by("name_zh_hans")[:50]),
        "projects": projects,
        "total_count": len(projects),
        "total_amount": sum((p.amount_cny or 0 for p in projects), start=Decimal(0)),
        "won_count": len(won),
        "won_amount": sum((p.amount_cny or 0 for p in won), start=Decimal(0)),
        "hidden_confidential": hidden,
    }
    return render(request, "companies/detail.html", context)
