"""Company pages: a searchable list, the company page (names, honours, facilities, projects,
history), and the new-company and edit forms.

Reads go through `Company.objects.restrict(user, "view")`, writes through "add" and
"change". The forms validate as the API does (companies.forms.CompanyForm); a new company
is checked for likely duplicates, which are put on the duplicate review list and shown to
the user as a warning.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.policy import may
from companies.forms import CompanyPageForm
from companies.models import Company, CompanyHonour, Facility
from core.forms import form_sections, posted_version, save_at_version
from core.history import record_tabs
from core.templatetags.zs import can_see_investor
from core.text import fold
from ingest.dedupe import COMPANY_IDENTITY, check_and_warn
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
    context = {"page": page, "q": term, "can_add": may(request.user, Company, "add")}
    return render(request, "companies/list.html", context)


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
    context: dict[str, Any] = {
        "company": company,
        "can_change": may(request.user, Company, "change"),
        **record_tabs(request, company, lambda: _overview(request, company)),
    }
    return render(request, "companies/detail.html", context)


def _overview(request: HttpRequest, company: Company) -> dict[str, Any]:
    """Names, honours, facilities, subsidiaries and the projects the user may see."""
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
    return {
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


# ---- new company and edit ---------------------------------------------------------------

FORM_SECTIONS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (gettext_lazy("Names"), ("name_zh_hans", "name_zh_hant", "name_en", "aliases")),
    (gettext_lazy("Registration"), ("credit_code", "country", "parent", "website")),
    (gettext_lazy("Notes"), ("notes",)),
)


@login_required
def company_create(request: HttpRequest) -> HttpResponse:
    """A new company, validated as the API validates it, then checked for duplicates."""
    if not may(request.user, Company, "add"):
        raise PermissionDenied(_("You may not add companies."))
    if request.method == "POST":
        form = CompanyPageForm(request.POST, user=request.user)
        if form.is_valid():
            # The request's change context (core.middleware) stamps the history record
            # with the user, the source "web" and the request id, as for every page write.
            with transaction.atomic():
                company = form.save()
                if not Company.objects.restrict(request.user, "add").filter(pk=company.pk).exists():
                    raise PermissionDenied(_("The result would be outside what you may edit."))
            messages.success(request, _("Company saved."))
            check_and_warn(request, company)
            return redirect("companies:detail", pk=company.pk)
    else:
        form = CompanyPageForm(user=request.user)
    context = {"form": form, "sections": form_sections(form, FORM_SECTIONS), "company": None}
    return render(request, "companies/form.html", context)


@login_required
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit with the same form; the version read with the form refuses stale saves."""
    company = get_object_or_404(
        Company.objects.restrict(request.user, "change").select_related("parent"), pk=pk
    )
    if request.method == "POST":
        form = CompanyPageForm(request.POST, instance=company, user=request.user)
        version = posted_version(request)
        if save_at_version(form, version, request.user):
            messages.success(request, _("Company saved."))
            if COMPANY_IDENTITY.intersection(form.changed_data):
                # A new name or credit code may now match another record.
                check_and_warn(request, company)
            return redirect("companies:detail", pk=company.pk)
    else:
        form = CompanyPageForm(instance=company, user=request.user)
        version = company.version
    context = {
        "form": form,
        "sections": form_sections(form, FORM_SECTIONS),
        "company": company,
        "version": version,
    }
    return render(request, "companies/form.html", context)
