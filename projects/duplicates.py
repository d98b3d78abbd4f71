"""Finding projects that are probably the same investment recorded twice.

Two projects are candidates when they have the same investor (after following company
merges) and the same district, and — where both are known — amounts within 10% of each
other and dates (signing date, else the date the stage was entered) within 180 days.
Projects are blocked by (investor, district), so each check reads one small group.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from core.text import fold

AMOUNT_TOLERANCE = Decimal("0.10")
DATE_TOLERANCE_DAYS = 180
MIN_SCORE = 60.0


@dataclass(frozen=True)
class ProjectCandidate:
    """A project that may be the same as the one asked about, with a score and reasons."""

    project_id: int
    name: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ProjectFacts:
    """What the duplicate rule compares, read from a project or from a dict of fields."""

    pk: int | None
    name: str
    investor_id: int | None
    district_id: int | None
    amount: Decimal | None
    day: dt.date | None

    @classmethod
    def of(cls, obj: Any) -> ProjectFacts:
        if isinstance(obj, ProjectFacts):
            return obj
        get = obj.get if isinstance(obj, Mapping) else (lambda k, d=None: getattr(obj, k, d))
        investor = get("investor_id", None)
        if investor is None and get("investor", None) is not None:
            inv = get("investor")
            investor = inv if isinstance(inv, int) else getattr(inv, "pk", None)
        district = get("district_id", None)
        if district is None and get("district", None) is not None:
            d = get("district")
            district = d if isinstance(d, int) else getattr(d, "pk", None)
        amount = get("amount_cny", None)
        day = get("signed_on", None) or get("stage_entered_on", None)
        return cls(
            pk=get("pk", None) or get("id", None),
            name=str(get("name", "") or ""),
            investor_id=investor,
            district_id=district,
            amount=Decimal(amount) if amount is not None else None,
            day=day,
        )


def score_pair(a: ProjectFacts, b: ProjectFacts) -> tuple[float, tuple[str, ...]] | None:
    """The score (0–100) and reasons when `a` and `b` look like one project, else None."""
    if a.investor_id is None or a.investor_id != b.investor_id:
        return None
    if a.district_id is None or a.district_id != b.district_id:
        return None
    score = 50.0
    reasons = [_("same investor"), _("same district")]
    if a.amount is not None and b.amount is not None:
        high = max(a.amount, b.amount)
        diff = abs(a.amount - b.amount) / high if high else Decimal(0)
        if diff > AMOUNT_TOLERANCE:
            return None
        score += 20 - float(diff / AMOUNT_TOLERANCE) * 10
        reasons.append(
            _("same amount") if diff == 0 else _("amounts within {p}%").format(p=round(diff * 100))
        )
    else:
        score += 5
    if a.day is not None and b.day is not None:
        days = abs((a.day - b.day).days)
        if days > DATE_TOLERANCE_DAYS:
            return None
        score += 20 - days / DATE_TOLERANCE_DAYS * 10
        reasons.append(_("same date") if days == 0 else _("dates {n} days apart").format(n=days))
    else:
        score += 5
    if a.name and b.name:
        ratio = fuzz.token_set_ratio(fold(a.name), fold(b.name))
        score += ratio / 10
        if ratio >= 80:
            reasons.append(_("similar name ({n}%)").format(n=int(ratio)))
    return round(min(score, 100.0), 1), tuple(reasons)


class ProjectIndex:
    """Projects grouped by (investor, district) in memory, for imports and full scans."""

    def __init__(self) -> None:
        self.groups: dict[tuple[int, int], list[ProjectFacts]] = defaultdict(list)

    @classmethod
    def from_queryset(cls, queryset: Any = None) -> ProjectIndex:
        from projects.models import Project

        qs = queryset if queryset is not None else Project.objects.all()
        qs = qs.filter(duplicate_of__isnull=True, investor__isnull=False, district__isnull=False)
        index = cls()
        fields = ("pk", "name", "investor_id", "district_id", "amount_cny", "signed_on")
        for pk, name, inv, dist, amount, signed in qs.values_list(*fields).iterator(5000):
            index.add(ProjectFacts(pk, name, inv, dist, amount, signed))
        return index

    def add(self, facts: ProjectFacts) -> None:
        if facts.investor_id is not None and facts.district_id is not None:
            self.groups[(facts.investor_id, facts.district_id)].append(facts)

    def candidates(
        self, facts: ProjectFacts, *, exclude_id: int | None = None, limit: int = 10
    ) -> list[ProjectCandidate]:
        if facts.investor_id is None or facts.district_id is None:
            return []
        out = []
        for other in self.groups.get((facts.investor_id, facts.district_id), ()):
            if other.pk is not None and other.pk in (exclude_id, facts.pk):
                continue
            scored = score_pair(facts, other)
            if scored and scored[0] >= MIN_SCORE and other.pk is not None:
                out.append(ProjectCandidate(other.pk, other.name, scored[0], scored[1]))
        out.sort(key=lambda c: (-c.score, c.project_id))
        return out[:limit]

    def scan(self) -> list[tuple[int, int, float, tuple[str, ...]]]:
        pairs = []
        for group in self.groups.values():
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    scored = score_pair(a, b)
                    if scored and scored[0] >= MIN_SCORE and a.pk and b.pk:
                        lo, hi = sorted((a.pk, b.pk))
                        pairs.append((lo, hi, scored[0], scored[1]))
        pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
        return pairs


def _investor_family(investor_id: int) -> list[int]:
    """The investor and every company merged into it (their projects are the same investor's)."""
    from companies.models import Company

    ids = {investor_id}
    frontier = {investor_id}
    while frontier:
        frontier = (
            set(Company.objects.filter(duplicate_of_id__in=frontier).values_list("pk", flat=True))
            - ids
        )
        ids |= frontier
    return sorted(ids)


def find_project_duplicates(
    project_or_fields: Any,
    *,
    exclude_id: int | None = None,
    index: ProjectIndex | None = None,
    limit: int = 10,
) -> list[ProjectCandidate]:
    """Existing projects that may be the same as this one (a Project or a dict of fields).

    Call it when a project is created by hand, by the API, by an import or from an accepted
    extraction candidate; it reads only the projects of the same investor and district.
    """
    facts = ProjectFacts.of(project_or_fields)
    if index is not None:
        return index.candidates(facts, exclude_id=exclude_id, limit=limit)
    if facts.investor_id is None or facts.district_id is None:
        return []
    from companies.models import Company
    from projects.models import Project

    survivor = (
        Company.objects.filter(pk=facts.investor_id)
        .values_list("duplicate_of_id", flat=True)
        .first()
    )
    root = survivor or facts.investor_id
    family = _investor_family(root)
    qs = Project.objects.filter(investor_id__in=family, district_id=facts.district_id)
    local = ProjectIndex()
    fields = ("pk", "name", "investor_id", "district_id", "amount_cny", "signed_on")
    for pk, name, _inv, dist, amount, signed in qs.filter(duplicate_of__isnull=True).values_list(
        *fields
    ):
        local.add(ProjectFacts(pk, name, root, dist, amount, signed))
    probe = ProjectFacts(facts.pk, facts.name, root, facts.district_id, facts.amount, facts.day)
    return local.candidates(probe, exclude_id=exclude_id, limit=limit)


def scan_project_duplicates(queryset: Any = None) -> list[tuple[int, int, float, tuple[str, ...]]]:
    """All likely duplicate pairs among projects (a, b, score, reasons), a < b."""
    return ProjectIndex.from_queryset(queryset).scan()


def pairs_for(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Ordered pairs (a < b) of the given ids; a helper for the review list."""
    ordered = sorted(set(ids))
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]]
