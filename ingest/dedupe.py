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
