"""Which rollup rows a user's aggregates may read — derived from the access policy.

The rollup is keyed by (district, zone), so it can answer exactly the views the policy
expresses as "projects in these districts or these zones": the municipal view and a district
or zone officer's view. Anything else (a partner who sees only their referrals, an owner-based
rule) takes the exact path over `Project.objects.restrict(user, "aggregate")`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q


@dataclass(frozen=True)
class Scope:
    """all = every project; areas = district_ids ∪ zone_ids; exact = use the restricted queryset;
    none = nothing."""

    kind: str
    district_ids: frozenset[int] = frozenset()
    zone_ids: frozenset[int] = frozenset()

    @classmethod
    def areas(cls, district_ids: Iterable[int], zone_ids: Iterable[int] = ()) -> Scope:
        return cls("areas", frozenset(district_ids), frozenset(zone_ids))

    @property
    def uses_rollup(self) -> bool:
        return self.kind in {"all", "areas"}

    def q(self) -> Q:
        """Filter on rollup or fact rows (columns district_id, zone_id)."""
        if self.kind == "all":
            return Q()
        if self.kind != "areas":
            raise ValueError("scope {} has no rollup filter".format(self.kind))
        cond = Q(pk__in=[])
        if self.district_ids:
            cond |= Q(district_id__in=sorted(self.district_ids))
        if self.zone_ids:
            cond |= Q(zone_id__in=sorted(self.zone_ids))
        return cond

    def rollup_q(self) -> Q:
        """Rollup rows holding this scope's totals: the city rows (-1) for "all"."""
        if self.kind == "all":
            return Q(district_id=-1)
        return self.q()

    def area_rows_q(self) -> Q:
        """Rollup rows broken down by area (for the by-district and by-zone figures)."""
        if self.kind == "all":
            return Q(district_id__gte=0)
        return self.q()


ALL = Scope("all")
NONE = Scope("none")
EXACT = Scope("exact")


def scope_for(user: Any, action: str = "aggregate") -> Scope:
    """The aggregate scope the access policy grants `user` (accounts.policy decides).

    The policy's project condition for "aggregate" is None (every project) for the municipal
    view, and "district in D or zone in Z" for area officers — exactly what rollup rows are
    keyed by. Any other role (a partner) is answered exactly from the restricted queryset.
    """
    from accounts import policy

    scope = policy.scope_of(user)
    if not scope.role:
        return NONE
    cond = policy.project_condition(scope, action)
    if cond is None:
        return ALL
    if cond is policy.NOTHING:
        return NONE
    if scope.role == policy.OFFICER:
        return Scope.areas(scope.district_ids, scope.zone_ids)
    return EXACT
