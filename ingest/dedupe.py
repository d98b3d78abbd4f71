"""The duplicate review list: scan, store suggestions, keep reviewers' decisions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from companies.duplicates import scan_company_duplicates
from ingest.models import DuplicateSuggestion
from projects.duplicates import scan_project_duplicates


def scan(kind: str, *, min_score: float = 85) -> list[tuple[int, int, float, tuple[str, ...]]]:
    """All candidate pairs for `kind` (companies or projects), best first."""
    if kind == "companies":
        from companies.models import Company

        return scan_company_duplicates(
            Company.objects.filter(duplicate_of__isnull=True), min_score=min_score
        )
    if kind == "projects":
        from projects.models import Project

        return scan_project_duplicates(Project.objects.filter(duplicate_of__isnull=True))
    raise ValueError(f"unknown kind {kind!r}")


def refresh(kind: str, *, min_score: float = 85) -> dict[str, Any]:
    """Scan and store the pairs: new ones open, known ones rescored, decisions kept.

    Open suggestions that the scan no longer finds (one side was edited or merged) are
    removed; dismissed and merged ones stay as the reviewers' record.
    """
    pairs = scan(kind, min_score=min_score)
    found = {(a, b): (score, reasons) for a, b, score, reasons in pairs}
    with transaction.atomic():
        existing = {
            (s.first_id, s.second_id): s for s in DuplicateSuggestion.objects.filter(kind=kind)
        }
        new = [
            DuplicateSuggestion(
                kind=kind,
                first_id=a,
                second_id=b,
                score=Decimal(str(score)).quantize(Decimal("0.1")),
                reasons=list(reasons),
            )
            for (a, b), (score, reasons) in found.items()
            if (a, b) not in existing
        ]
        DuplicateSuggestion.objects.bulk_create(new, batch_size=2000)
        changed = []
        for key, suggestion in existing.items():
            if key in found and suggestion.status == DuplicateSuggestion.Status.OPEN:
                score, reasons = found[key]
                suggestion.score = Decimal(str(score)).quantize(Decimal("0.1"))
                suggestion.reasons = list(reasons)
                changed.append(suggestion)
        DuplicateSuggestion.objects.bulk_update(changed, ["score", "reasons"], batch_size=2000)
        stale = [
            s.pk
            for key, s in existing.items()
            if key not in found and s.status == DuplicateSuggestion.Status.OPEN
        ]
        DuplicateSuggestion.objects.filter(pk__in=stale).delete()
    return {"found": len(found), "new": len(new), "removed": len(stale)}


def _suggest(kind: str, new_id: int, candidates: list[tuple[int, float, tuple[str, ...]]]) -> None:
    """Open suggestions pairing `new_id` with each candidate (pairs already known are kept)."""
    rows = []
    for other_id, score, reasons in candidates:
        if other_id == new_id:
            continue
        lo, hi = sorted((new_id, other_id))
        rows.append(
            DuplicateSuggestion(
                kind=kind,
                first_id=lo,
                second_id=hi,
                score=Decimal(str(score)).quantize(Decimal("0.1")),
                reasons=list(reasons),
            )
        )
    DuplicateSuggestion.objects.bulk_create(rows, ignore_conflicts=True)


# The fields the duplicate finders compare: an edit that changes one of them is checked again.
PROJECT_IDENTITY = frozenset({"name", "investor", "district", "amount_cny", "signed_on"})
COMPANY_IDENTITY = frozenset({"name_zh_hans", "name_zh_hant", "name_en", "credit_code", "aliases"})


def check_new_project(project: Any) -> list[dict[str, Any]]:
    """Duplicate check for a project just created by hand or by the API.

    Returns the likely duplicates (id, name, score, reasons), best first, and puts each pair
    on the duplicate review list, where a reviewer merges or dismisses it.
    """
    from projects.duplicates import find_project_duplicates

    found = find_project_duplicates(project, exclude_id=project.pk)
    _suggest("projects", project.pk, [(c.project_id, c.score, c.reasons) for c in found])
    return [
        {"id": c.project_id, "name": c.name, "score": c.score, "reasons": list(c.reasons)}
        for c in found
    ]


def check_new_company(company: Any) -> list[dict[str, Any]]:
    """Duplicate check for a company just created by hand or by the API (as check_new_project)."""
    from companies.duplicates import find_company_duplicates

    found = find_company_duplicates(
        company.name_zh_hans,
        credit_code=company.credit_code or "",
        name_en=company.name_en or "",
        name_zh_hant=company.name_zh_hant or "",
        aliases=[str(a) for a in (company.aliases or [])],
        exclude_id=company.pk,
    )
    _suggest("companies", company.pk, [(c.company_id, c.score, c.reasons) for c in found])
    return [
        {"id": c.company_id, "name": c.name, "score": c.score, "reasons": list(c.reasons)}
        for c in found
    ]


def check_and_warn(request: Any, record: Any) -> None:
    """After a company or project is saved by hand: its likely duplicates go on the review
    list, and the user is warned about those they may view (the finder itself is unscoped)."""
    from core.api.schemas import visible_hints

    kind = record._meta.app_label  # "companies" or "projects"
    check = check_new_company if kind == "companies" else check_new_project
    warn_about_duplicates(request, kind, visible_hints(type(record), request.user, check(record)))


def warn_about_duplicates(request: Any, kind: str, hints: list[dict[str, Any]]) -> None:
    """After creating or re-identifying a record by hand: a warning (Django messages)
    linking each likely duplicate, with its score and reasons, and the duplicate review
    list."""
    if not hints:
        return
    from django.contrib import messages
    from django.urls import reverse
    from django.utils.html import format_html, format_html_join
    from django.utils.translation import gettext as _

    detail = "companies:detail" if kind == "companies" else "projects:detail"
    items = format_html_join(
        "; ",
        '<a href="{}">{}</a> <span class="muted">({} · {})</span>',
        (
            (
                reverse(detail, args=[hint["id"]]),
                hint["name"],
                _("score {score}").format(score=f"{hint['score']:.0f}"),
                "、".join(str(r) for r in hint["reasons"]),
            )
            for hint in hints
        ),
    )
    lead = (
        _("This company may already be recorded:")
        if kind == "companies"
        else _("This project may already be recorded:")
    )
    review = "{url}?kind={kind}".format(url=reverse("ingest:duplicates"), kind=kind)
    messages.warning(
        request,
        format_html(
            '{} {} — <a href="{}">{}</a>', lead, items, review, _("Open the duplicate review list")
        ),
    )
