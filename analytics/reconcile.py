"""Reconciliation: what was announced against what is recorded, and why they differ.

`reconcile(announced_count, announced_total, projects)` serves events (the totals an event
announced vs the projects recorded against it) and aggregate statements from ingested news
("一季度共有420个亿元以上重点招商项目签约落地，总投资3435亿元" vs the projects the statement
covers). `projects` is the scope the statement is about, already restricted to the viewer (for
aggregates); it should *not* be pre-filtered by the counting rules, so that excluded projects
can explain the difference. Totals cover that scope; explanations name only the projects the
viewer may `view` — the others (an officer with city-wide aggregates sees totals, never
rows) are summed up in one line without names or ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.policy import sees_all
from analytics import counting
from events.models import Event
from projects.models import Project


@dataclass
class Explanation:
    """One project whose recorded contribution differs from its face value."""

    project_id: int
    name: str
    reason: str
    face_cny: Decimal | None
    counted_cny: Decimal | None
    counted: bool


@dataclass
class Reconciliation:
    announced_count: int | None
    announced_total_cny: Decimal | None
    recorded_count: int
    recorded_total_cny: Decimal
    projects_on_record: int
    face_total_cny: Decimal
    explanations: list[Explanation] = field(default_factory=list)
    # Projects that explain part of the difference but that the viewer may not see as rows:
    # how many, their face value and what of it counts.
    unnamed_count: int = 0
    unnamed_face_cny: Decimal = Decimal(0)
    unnamed_counted_cny: Decimal = Decimal(0)
    rules_version: str = counting.RULES_VERSION

    @property
    def count_difference(self) -> int | None:
        if self.announced_count is None:
            return None
        return self.announced_count - self.recorded_count

    @property
    def total_difference_cny(self) -> Decimal | None:
        if self.announced_total_cny is None:
            return None
        return self.announced_total_cny - self.recorded_total_cny

    @property
    def unexplained_count(self) -> int | None:
        """Announced projects with no record at all (negative: more on record than announced)."""
        if self.announced_count is None:
            return None
        return self.announced_count - self.projects_on_record

    @property
    def unexplained_total_cny(self) -> Decimal | None:
        if self.announced_total_cny is None:
            return None
        return self.announced_total_cny - self.face_total_cny

    @property
    def matches(self) -> bool:
        return not self.count_difference and not self.total_difference_cny

    def as_dict(self) -> dict[str, Any]:
        def money(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "rules_version": self.rules_version,
            "announced_count": self.announced_count,
            "announced_total_cny": money(self.announced_total_cny),
            "recorded_count": self.recorded_count,
            "recorded_total_cny": money(self.recorded_total_cny),
            "count_difference": self.count_difference,
            "total_difference_cny": money(self.total_difference_cny),
            "projects_on_record": self.projects_on_record,
            "face_total_cny": money(self.face_total_cny),
            "unexplained_count": self.unexplained_count,
            "unexplained_total_cny": money(self.unexplained_total_cny),
            "matches": self.matches,
            "explanations": [
                {
                    "project_id": e.project_id,
                    "name": e.name,
                    "reason": e.reason,
                    "face_cny": money(e.face_cny),
                    "counted_cny": money(e.counted_cny),
                    "counted": e.counted,
                    "url": "/projects/{}/".format(e.project_id),
                }
                for e in self.explanations
            ],
            "unnamed": {
                "count": self.unnamed_count,
                "face_cny": money(self.unnamed_face_cny),
                "counted_cny": money(self.unnamed_counted_cny),
            },
        }


def _explain(p: Project, include_estimated: bool) -> tuple[bool, Decimal | None, str]:
    """(counts?, counted amount, reason when it differs from the face amount)."""
    if p.duplicate_of_id is not None:
        return False, None, _("merged duplicate of project #{id}").format(id=p.duplicate_of_id)
    if not p.counted_in_stats:
        return (
            False,
            None,
            _("excluded from statistics: {reason}").format(reason=p.exclusion_reason),
        )
    if p.project_type is not None and p.project_type.counts_increment_only:
        if p.increment_cny is None:
            return True, None, _("capital increase without a recorded increment")
        return True, p.increment_cny, _("capital increase: only the increment counts")
    if p.amount_cny is None:
        return True, None, _("amount unknown")
    if p.amount_is_estimated and not include_estimated:
        return True, None, _("estimated amount excluded")
    return True, p.amount_cny, ""


def reconcile(
    announced_count: int | None,
    announced_total: Decimal | None,
    projects: QuerySet[Project],
    *,
    viewer: Any,
    include_estimated: bool = True,
) -> Reconciliation:
    """Compare an announced count/total with the recorded `projects` (see module doc);
    explanations name only the projects `viewer` may view."""
    recorded_n = 0
    recorded = Decimal(0)
    face = Decimal(0)
    on_record = 0
    explanations: list[Explanation] = []
    rows = projects.select_related("project_type").order_by("-amount_cny", "id")
    for p in rows.only(
        "id",
        "name",
        "amount_cny",
        "increment_cny",
        "amount_is_estimated",
        "counted_in_stats",
        "exclusion_reason",
        "duplicate_of_id",
        "project_type__counts_increment_only",
    ):
        on_record += 1
        face += p.amount_cny or 0
        counts, amount, reason = _explain(p, include_estimated)
        if counts:
            recorded_n += 1
            recorded += amount or 0
        if reason:
            explanations.append(Explanation(p.pk, p.name, reason, p.amount_cny, amount, counts))
    ids = [e.project_id for e in explanations]
    named = (
        set(ids)
        if not ids or sees_all(viewer, Project)
        else set(
            Project.objects.restrict(viewer, "view").filter(pk__in=ids).values_list("pk", flat=True)
        )
    )
    unnamed = [e for e in explanations if e.project_id not in named]
    return Reconciliation(
        announced_count=announced_count,
        announced_total_cny=announced_total,
        recorded_count=recorded_n,
        recorded_total_cny=recorded,
        projects_on_record=on_record,
        face_total_cny=face,
        explanations=[e for e in explanations if e.project_id in named],
        unnamed_count=len(unnamed),
        unnamed_face_cny=sum((e.face_cny or Decimal(0) for e in unnamed), Decimal(0)),
        unnamed_counted_cny=sum((e.counted_cny or Decimal(0) for e in unnamed), Decimal(0)),
    )


def statements_in(user: Any, period: counting.Period) -> Any:
    """Aggregate statements from ingested news published (or read) in `period`."""
    from django.db.models import Q

    from evidence.models import Candidate

    dated = Q(document__published_on__range=(period.start, period.end))
    undated = Q(document__published_on__isnull=True) & Q(
        document__created_at__date__range=(period.start, period.end)
    )
    return (
        Candidate.objects.restrict(user, "view")
        .filter(kind=Candidate.Kind.AGGREGATE)
        .exclude(status=Candidate.Status.REJECTED)
        .filter(dated | undated)
        .select_related("document", "event")
        .order_by("-document__published_on", "document_id", "ordinal")
    )


def reconcile_statement(
    candidate: Any, user: Any, *, include_estimated: bool = True
) -> Reconciliation:
    """A news aggregate ("21个项目，总投资524亿元") against what is on record for it.

    Attached to an event, the statement is compared with the event's projects; otherwise with
    the projects accepted from the same article (those with evidence in its document).
    """
    record = candidate.record or {}
    count = record.get("count")
    total = record.get("total") if record.get("currency") in (None, "CNY") else None
    if candidate.event_id:
        projects = Project.objects.restrict(user, "aggregate").filter(
            signing_event_id=candidate.event_id
        )
    else:
        projects = (
            Project.objects.restrict(user, "aggregate")
            .filter(evidence__document_id=candidate.document_id)
            .distinct()
        )
    return reconcile(
        int(count) if count is not None else None,
        Decimal(str(total)) if total is not None else None,
        projects,
        viewer=user,
        include_estimated=include_estimated,
    )


def reconcile_event(event: Event, user: Any, *, include_estimated: bool = True) -> Reconciliation:
    """An event's announced totals against the projects recorded as signed at it."""
    projects = Project.objects.restrict(user, "aggregate").filter(signing_event=event)
    return reconcile(
        event.announced_project_count,
        event.announced_total_cny,
        projects,
        viewer=user,
        include_estimated=include_estimated,
    )


def events_in(user: Any, period: counting.Period) -> QuerySet[Event]:
    """Events of the period that announced a count or a total (to reconcile)."""
    return (
        Event.objects.restrict(user, "view")
        .filter(date__gte=period.start, date__lte=period.end)
        .exclude(announced_project_count__isnull=True, announced_total_cny__isnull=True)
        .order_by("date", "id")
    )
