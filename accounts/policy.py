"""Row-level access policy: the rules behind `Model.objects.restrict(user, action)`.

Everything a user may see or do is decided here, keyed by model, so no view, endpoint,
export or dashboard has to (or may) filter by district on its own. See docs/security.md.

Roles (accounts.models.Role):

* admin — everything (Django superusers count as admins);
* analyst — reads everything; writes when the profile's `can_write` is set;
* officer — reads and writes projects whose district or zone is assigned to them; city-wide
  aggregates only with `city_aggregates`;
* partner — reads the projects its partner organisation referred, nothing else of the pipeline;
* viewer — reads everything, writes nothing.

Users without a profile (and anonymous or inactive users) see nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet

from core.policy import may, restrict  # noqa: F401  (derived from restrict_queryset below)

ADMIN, ANALYST, OFFICER, PARTNER, VIEWER = "admin", "analyst", "officer", "partner", "viewer"
_INTERNAL = frozenset({ADMIN, ANALYST, OFFICER, VIEWER})
READ_ACTIONS = frozenset({"view", "export", "aggregate"})
WRITE_ACTIONS = frozenset({"add", "change", "delete"})

# Capabilities answered by `can(user, perm)`.
CAPABILITIES = frozenset(
    {
        "city_aggregates",  # totals over every district (never the rows)
        "view_confidential",  # investor of confidential projects
        "manage_users",  # roles, scopes and other users' tokens
        "audit",  # the audit API and full history of any record
        "api_tokens",  # create personal API tokens
        "write_reference",  # districts, zones, taxonomy, stages
        "maintenance",  # rebuild derived data (the cockpit's rollup) as a background job
    }
)


@dataclass(frozen=True)
class Scope:
    """What the policy needs to know about a user, loaded once per user object."""

    role: str
    district_ids: frozenset[int] = frozenset()
    zone_ids: frozenset[int] = frozenset()
    partner_id: int | None = None
    can_write: bool = False
    city_aggregates: bool = False
    view_confidential: bool = False
    # Whose scope this is: only rules about a user's own records (jobs) read it. Left out of
    # equality so that restriction_key still lets users with the same scope share compiled
    # SQL (core.sqlcache); such caches must not be used for rules that read user_id.
    user_id: int | None = field(default=None, compare=False, hash=False)


_NO_SCOPE = Scope(role="")
# Sentinel from project_condition: the action is not allowed on any project.
NOTHING = Q(pk__in=[])
_CACHE_ATTR = "_zhaoshang_scope"


def scope_of(user: Any) -> Scope:
    """The user's scope, cached on the user object (one request, or one test step)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NO_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _load_scope(user)
    with contextlib.suppress(AttributeError):  # exotic user objects without a __dict__
        setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope (after changing a profile in the same request or test)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    state = getattr(user, "_state", None)
    if state is not None:
        state.fields_cache.pop("profile", None)


# Assigned district and zone ids per (profile id, Profile.scope_stamp, role). The stamp changes
# whenever a profile or its assignments change, so an entry is never stale; it only spares
# each request the two assignment queries. Bounded so that many users cannot grow it forever.
_ASSIGNMENTS: dict[tuple[int, int, str], tuple[frozenset[int], frozenset[int]]] = {}
_ASSIGNMENTS_MAX = 4096


def _assignments(profile: Any) -> tuple[frozenset[int], frozenset[int]]:
    key = (profile.pk, profile.scope_stamp, profile.role)
    found = _ASSIGNMENTS.get(key)
    if found is None:
        found = (
            frozenset(profile.districts.values_list("pk", flat=True)),
            frozenset(profile.zones.values_list("pk", flat=True)),
        )
        if len(_ASSIGNMENTS) >= _ASSIGNMENTS_MAX:
            _ASSIGNMENTS.clear()
        _ASSIGNMENTS[key] = found
    return found


def _profile_of(user: Any) -> Any | None:
    """The user's profile: the one loaded with the user when there is one, else one query."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return user.profile
    except ObjectDoesNotExist:
        return None


def _load_scope(user: Any) -> Scope:
    if user.is_superuser:
        return Scope(
            role=ADMIN,
            can_write=True,
            city_aggregates=True,
            view_confidential=True,
            user_id=user.pk,
        )
    profile = _profile_of(user)
    if profile is None:
        return _NO_SCOPE
    districts: frozenset[int] = frozenset()
    zones: frozenset[int] = frozenset()
    if profile.role == OFFICER:
        districts, zones = _assignments(profile)
    return Scope(
        role=profile.role,
        district_ids=districts,
        zone_ids=zones,
        partner_id=profile.partner_id if profile.role == PARTNER else None,
        can_write=profile.role == ADMIN or (profile.role == ANALYST and profile.can_write),
        city_aggregates=profile.role in {ADMIN, ANALYST, VIEWER}
        or (profile.role == OFFICER and profile.city_aggregates),
        view_confidential=profile.role in {ADMIN, ANALYST} or profile.view_confidential,
        user_id=user.pk,
    )


# ---------------------------------------------------------------------------------------------
# Capabilities


def can(user: Any, perm: str) -> bool:
    """Whether `user` holds a capability (see CAPABILITIES); unknown names are a bug."""
    if perm not in CAPABILITIES:
        raise ValueError(f"unknown capability {perm!r}; expected one of {sorted(CAPABILITIES)}")
    scope = scope_of(user)
    if not scope.role:
        return False
    if perm == "city_aggregates":
        return scope.city_aggregates
    if perm == "view_confidential":
        return scope.view_confidential
    if perm == "api_tokens":
        return True
    # manage_users, audit, write_reference, maintenance
    return scope.role == ADMIN


def role_of(user: Any) -> str:
    """The user's role code, or "" for anonymous users and users without a profile."""
    return scope_of(user).role


# ---------------------------------------------------------------------------------------------
# Projects and the records that hang off a project


def project_condition(scope: Scope, action: str, prefix: str = "") -> Q | None:
    """The Q a project (reached through `prefix`) must satisfy; None means "every row".

    Returns NOTHING when the action is not allowed at all.
    """
    nothing = NOTHING
    role = scope.role
    if role == ADMIN:
        return None
    if role in {ANALYST, VIEWER}:
        if action in READ_ACTIONS:
            return None
        return None if scope.can_write else nothing
    if role == OFFICER:
        if action == "aggregate" and scope.city_aggregates:
            return None
        if action == "delete":
            # Officers retire projects by marking them lost or merging; deleting is for
            # administrators and analysts with write permission.
            return nothing
        cond = Q()
        if scope.district_ids:
            cond |= Q(**{f"{prefix}district_id__in": sorted(scope.district_ids)})
        if scope.zone_ids:
            cond |= Q(**{f"{prefix}zone_id__in": sorted(scope.zone_ids)})
        return cond if cond else nothing
    if role == PARTNER:
        if action in READ_ACTIONS and scope.partner_id is not None:
            return Q(**{f"{prefix}referring_partner_id": scope.partner_id})
        return nothing
    return nothing


def _restrict_project(qs: QuerySet[Any], scope: Scope, action: str) -> QuerySet[Any]:
    cond = project_condition(scope, action)
    if cond is None:
        return qs
    return qs.none() if cond is NOTHING else qs.filter(cond)


def _through_project(field: str, *, optional: bool = False) -> Rule:
    """Rule for records that belong to a project: they follow the project's rule."""

    def rule(qs: QuerySet[Any], scope: Scope, action: str) -> QuerySet[Any]:
        # Adding a note, visit or payment to a project is "changing" the project.
        project_action = "change" if action in WRITE_ACTIONS else action
        cond = project_condition(scope, project_action, prefix=f"{field}__")
        if cond is None:
            return qs
        rows = qs.none() if cond is NOTHING else qs.filter(cond)
        if optional:
            # Records without a project (evidence about a company or event) follow the
            # source-document rule instead: internal roles only.
            loose = _reference_rule(writers={ANALYST, OFFICER}, readers=_INTERNAL)(
                qs.filter(**{f"{field}__isnull": True}), scope, action
            )
            return rows | loose
        return rows

    return rule


# ---------------------------------------------------------------------------------------------
# Shared records: companies, events, partners, documents, reference data

Rule = Callable[[QuerySet[Any], Scope, str], QuerySet[Any]]


def _reference_rule(writers: set[str], readers: frozenset[str] | None = None) -> Rule:
    """Everyone in `readers` (default: every role) reads; `writers` write."""

    def rule(qs: QuerySet[Any], scope: Scope, action: str) -> QuerySet[Any]:
        if action in READ_ACTIONS:
            return qs if (readers is None or scope.role in readers) else qs.none()
        if scope.role == ADMIN:
            return qs
        if scope.role == ANALYST and not scope.can_write:
            return qs.none()
        if scope.role in writers and action != "delete":
            return qs
        if scope.role == ANALYST and action == "delete" and ANALYST in writers:
            return qs
        return qs.none()

    return rule


def _own_jobs(qs: QuerySet[Any], scope: Scope, action: str) -> QuerySet[Any]:
    """A background job is seen by the user who started it and by administrators; nobody
    edits one (the worker writes it)."""
    if action not in READ_ACTIONS:
        return qs.none()
    if scope.role == ADMIN:
        return qs
    if scope.user_id is None:
        return qs.none()
    return qs.filter(user_id=scope.user_id)


RULES: dict[str, Rule] = {
    "projects.project": lambda qs, scope, action: _restrict_project(qs, scope, action),
    "projects.stagechange": _through_project("project"),
    "projects.activity": _through_project("project"),
    "projects.followup": _through_project("project"),
    "projects.attachment": _through_project("project"),
    "projects.paidincapital": _through_project("project"),
    "evidence.evidence": _through_project("project", optional=True),
    # Officers register investors and events they work with; analysts with write permission
    # and administrators maintain everything.
    "companies.company": _reference_rule(writers={ANALYST, OFFICER}),
    "companies.companyhonour": _reference_rule(writers={ANALYST, OFFICER}),
    "companies.facility": _reference_rule(writers={ANALYST, OFFICER}),
    "events.event": _reference_rule(writers={ANALYST, OFFICER}),
    "partners.partner": _reference_rule(writers={ANALYST}),
    # News and files read by the extractor are internal working material: partners do not
    # see them.
    "evidence.sourcedocument": _reference_rule(writers={ANALYST, OFFICER}, readers=_INTERNAL),
    # Reference data is maintained by administrators only.
    "projects.stage": _reference_rule(writers=set()),
    "geo.province": _reference_rule(writers=set()),
    "geo.city": _reference_rule(writers=set()),
    "geo.district": _reference_rule(writers=set()),
    "geo.zone": _reference_rule(writers=set()),
    "taxonomy.industry": _reference_rule(writers=set()),
    "taxonomy.businessactivity": _reference_rule(writers=set()),
    "taxonomy.projecttype": _reference_rule(writers=set()),
    "taxonomy.honour": _reference_rule(writers=set()),
    "jobs.job": _own_jobs,
}


def _admin_only(qs: QuerySet[Any], scope: Scope, action: str) -> QuerySet[Any]:
    return qs if scope.role == ADMIN else qs.none()


def restrict_queryset(qs: QuerySet[Any], user: Any, action: str) -> Any:
    """Rows of `qs` that `user` may act on with `action`; unknown models are admin-only."""
    scope = scope_of(user)
    if not scope.role:
        return qs.none()
    rule = RULES.get(qs.model._meta.label_lower, _admin_only)
    return rule(qs, scope, action)


def restriction_key(user: Any, model: type[Model], action: str) -> tuple[str, str, Scope]:
    """Everything `restrict(model, user, action)` depends on, as a hashable key.

    Two calls with equal keys build the same condition, so the SQL compiled for one user
    can be reused for another with the same scope (core.sqlcache keys on this).
    """
    return (model._meta.label_lower, action, scope_of(user))


# ---------------------------------------------------------------------------------------------
# Relations: which records a user may point a record at, and which related records a page
# may name


def assignable_users(user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """The users `user` may make responsible for a record (a project's or follow-up's owner).

    Administrators: every active user. Analysts who may write: active analysts and district
    officers. District officers: active officers who share one of their districts or zones
    (themselves included). Nobody else assigns owners. Superusers and administrators are
    assigned only by administrators; inactive users never: an owner sees the confidential
    investor of what they own, so the choice must stay inside the people who work on it.
    """
    from django.contrib.auth import get_user_model

    qs = queryset if queryset is not None else get_user_model()._default_manager.all()
    scope = scope_of(user)
    qs = qs.filter(is_active=True)
    if scope.role == ADMIN:
        return qs
    staff = qs.filter(is_superuser=False)
    if scope.role == ANALYST and scope.can_write:
        return staff.filter(profile__role__in=[ANALYST, OFFICER])
    if scope.role == OFFICER and (scope.district_ids or scope.zone_ids):
        shared = Q(profile__districts__in=sorted(scope.district_ids)) | Q(
            profile__zones__in=sorted(scope.zone_ids)
        )
        shares = staff.filter(shared).values_list("pk", flat=True)
        return staff.filter(profile__role=OFFICER).filter(pk__in=shares)
    return qs.none()


def is_user_model(model: type[Model]) -> bool:
    from django.contrib.auth import get_user_model

    return model is get_user_model()


def relation_targets(user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The rows of `queryset` that `user` may make a record point at.

    The one rule behind every foreign key a user writes (forms, API, importer): a record
    the user may view; for users (owners), one the user may assign. A target outside it
    must be refused with the same answer as one that does not exist.
    """
    if is_user_model(queryset.model):
        return assignable_users(user, queryset)
    return restrict_queryset(queryset, user, "view")


def sees_all(user: Any, model: type[Model]) -> bool:
    """Whether `restrict(model, user, "view")` keeps every row (no query is run)."""
    qs = restrict(model, user, "view")
    return not qs.query.is_empty() and not qs.query.where


def visible_relations(user: Any, obj: Model, names: Any = None) -> dict[str, Any]:
    """The records `obj` points at (foreign key name → related object), as `user` may see
    them: a related record the user may not view is None, so a page shows nothing (or a
    placeholder) instead of its name or link.

    Users (owner, author) are not hidden: the person responsible is part of a record the
    viewer may see. Only models the user does not see in full cost a query (one per model).
    """
    fields = [
        f
        for f in type(obj)._meta.concrete_fields
        if f.many_to_one and (names is None or f.name in names)
    ]
    wanted: dict[type[Model], set[Any]] = {}
    for f in fields:
        value = getattr(obj, f.attname)
        related = f.related_model
        if value is None or not isinstance(related, type):
            continue
        if is_user_model(related) or sees_all(user, related):
            continue
        wanted.setdefault(related, set()).add(value)
    visible: dict[type[Model], set[Any]] = {
        model: set(restrict(model, user, "view").filter(pk__in=ids).values_list("pk", flat=True))
        for model, ids in wanted.items()
    }
    out: dict[str, Any] = {}
    for f in fields:
        value = getattr(obj, f.attname)
        hidden = f.related_model in visible and value not in visible[f.related_model]
        out[f.name] = None if value is None or hidden else getattr(obj, f.name)
    return out


def investor_visible_q(user: Any) -> Q | None:
    """`can_see_investor` as a condition on projects; None when the user sees every investor.

    Filters that match on the investor (its id, names or credit code) add it, so that a
    confidential investor cannot be inferred from which projects a filter returns.
    """
    scope = scope_of(user)
    if scope.view_confidential:
        return None
    cond = Q(confidential=False)
    if not scope.role:
        return cond
    cond |= Q(owner_id=user.pk)
    if scope.role == OFFICER:
        if scope.district_ids:
            cond |= Q(district_id__in=sorted(scope.district_ids))
        if scope.zone_ids:
            cond |= Q(zone_id__in=sorted(scope.zone_ids))
    return cond


def investor_visibility_key(user: Any) -> Any:
    """Everything `investor_visible_q(user)` depends on besides the scope (for SQL caches)."""
    return None if scope_of(user).view_confidential else getattr(user, "pk", None)


def can_see_investor(user: Any, project: Any) -> bool:
    """Whether the investor of `project` may be shown to `user`.

    Non-confidential projects always show it. Confidential ones show it to holders of
    `view_confidential` (administrators, analysts, granted users), to the project's owner
    and to the officers whose district or zone covers the project.
    """
    if not getattr(project, "confidential", False):
        return True
    scope = scope_of(user)
    if not scope.role:
        return False
    if scope.view_confidential:
        return True
    if getattr(project, "owner_id", None) is not None and project.owner_id == user.pk:
        return True
    if scope.role == OFFICER:
        return project.district_id in scope.district_ids or project.zone_id in scope.zone_ids
    return False
