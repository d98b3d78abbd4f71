"""The row-level policy behind `Model.objects.restrict(user, action)` and `can(user, perm)`."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from accounts.models import Profile, Role
from accounts.policy import can, can_see_investor, forget_scope, may, restrict
from companies.models import Company
from evidence.models import Evidence, SourceDocument
from geo.models import District, Zone
from projects.models import Activity, FollowUp, Project, StageChange
from testing.personas import SCENARIO_NAMES, create_scenario

pytestmark = pytest.mark.django_db


def names(qs: Any) -> set[str]:
    return set(qs.values_list("name", flat=True))


def test_anonymous_and_profileless_users_see_nothing(personas: dict[str, Any]) -> None:
    create_scenario()
    stranger = get_user_model().objects.create_user("stranger", password="x-Secret-123")
    for user in (AnonymousUser(), stranger, None):
        assert not Project.objects.restrict(user, "view").exists()
        assert not Company.objects.restrict(user, "view").exists()
        assert not can(user, "audit")


def test_inactive_users_see_nothing(personas: dict[str, Any]) -> None:
    create_scenario()
    admin = personas["admin"]
    admin.is_active = False
    admin.save()
    forget_scope(admin)
    assert not Project.objects.restrict(admin, "view").exists()


def test_superusers_count_as_administrators(personas: dict[str, Any]) -> None:
    create_scenario()
    root = get_user_model().objects.create_superuser("root", password="x-Secret-123")
    assert Project.objects.restrict(root, "delete").count() == len(SCENARIO_NAMES)
    assert can(root, "manage_users")


def test_district_officer_reads_and_writes_only_assigned_districts(
    personas: dict[str, Any],
) -> None:
    create_scenario()
    officer = personas["officer_xuhui"]
    expected = {SCENARIO_NAMES["xuhui"], SCENARIO_NAMES["confidential"]}
    for action in ("view", "export", "change", "add", "aggregate"):
        assert names(Project.objects.restrict(officer, action)) == expected, action
    assert not Project.objects.restrict(officer, "delete").exists()


def test_zone_assignment_grants_projects_in_that_zone(personas: dict[str, Any]) -> None:
    scenario = create_scenario()
    officer = personas["officer_jiading"]
    zone = Zone.objects.exclude(district__code="310114").first()
    assert zone is not None
    pudong = scenario["projects"]["pudong"]
    Project.objects.filter(pk=pudong.pk).update(zone=zone)
    officer.profile.zones.add(zone)
    forget_scope(officer)
    assert SCENARIO_NAMES["pudong"] in names(Project.objects.restrict(officer, "view"))


def test_partner_reads_only_its_referrals_and_writes_nothing(personas: dict[str, Any]) -> None:
    create_scenario()
    partner = personas["partner"]
    assert names(Project.objects.restrict(partner, "view")) == {SCENARIO_NAMES["referred"]}
    for action in ("add", "change", "delete"):
        assert not Project.objects.restrict(partner, action).exists()
    assert not SourceDocument.objects.restrict(partner, "view").exists()
    assert Company.objects.restrict(partner, "view").exists()


def test_viewer_reads_everything_and_writes_nothing(personas: dict[str, Any]) -> None:
    create_scenario()
    viewer = personas["viewer"]
    assert Project.objects.restrict(viewer, "view").count() == len(SCENARIO_NAMES)
    for model in (Project, Company, SourceDocument, District):
        for action in ("add", "change", "delete"):
            assert not may(viewer, model, action), (model, action)


def test_analyst_writes_only_with_the_per_user_flag(personas: dict[str, Any]) -> None:
    create_scenario()
    analyst = personas["analyst"]
    assert may(analyst, Project, "change")
    Profile.objects.filter(user=analyst).update(can_write=False)
    forget_scope(analyst)
    assert Project.objects.restrict(analyst, "view").count() == len(SCENARIO_NAMES)
    assert not may(analyst, Project, "change")
    assert not may(analyst, Company, "add")


def test_reference_data_is_written_by_administrators_only(personas: dict[str, Any]) -> None:
    for key in ("analyst", "officer_xuhui", "viewer", "partner"):
        assert not may(personas[key], District, "change"), key
    assert may(personas["admin"], District, "change")


def test_records_of_a_project_follow_the_project(personas: dict[str, Any]) -> None:
    scenario = create_scenario()
    xuhui = scenario["projects"]["xuhui"]
    jiading_officer, xuhui_officer = personas["officer_jiading"], personas["officer_xuhui"]
    for model in (StageChange, Activity, FollowUp):
        assert not model._default_manager.none().exists()
        seen = restrict(model, jiading_officer, "view").filter(project=xuhui)
        assert not seen.exists(), model
        assert restrict(model, xuhui_officer, "change").filter(project=xuhui).exists(), model
    document = scenario["document"]
    about_project = Evidence.objects.create(
        document=document,
        project=xuhui,
        field="amount",
        start=0,
        end=2,
        sentence="x",
        extractor="t",
        confidence=0.5,
    )
    about_company = Evidence.objects.create(
        document=document,
        company=scenario["company"],
        field="name",
        start=0,
        end=2,
        sentence="x",
        extractor="t",
        confidence=0.5,
    )
    visible = set(restrict(Evidence, jiading_officer, "view").values_list("pk", flat=True))
    assert about_project.pk not in visible
    assert about_company.pk in visible
    assert not restrict(Evidence, personas["partner"], "view").filter(pk=about_company.pk).exists()


def test_capabilities(personas: dict[str, Any]) -> None:
    admin, analyst = personas["admin"], personas["analyst"]
    officer, viewer, partner = personas["officer_xuhui"], personas["viewer"], personas["partner"]
    assert can(admin, "audit") and can(admin, "manage_users")
    assert not can(analyst, "audit") and not can(officer, "manage_users")
    assert can(analyst, "city_aggregates") and can(viewer, "city_aggregates")
    assert not can(officer, "city_aggregates") and not can(partner, "city_aggregates")
    assert can(analyst, "view_confidential") and not can(viewer, "view_confidential")
    with pytest.raises(ValueError, match="unknown capability"):
        can(admin, "fly")


def test_confidential_investor_visibility(personas: dict[str, Any]) -> None:
    scenario = create_scenario()
    secret = scenario["projects"]["confidential"]
    assert can_see_investor(personas["admin"], secret)
    assert can_see_investor(personas["officer_xuhui"], secret)
    assert not can_see_investor(personas["viewer"], secret)
    assert not can_see_investor(personas["officer_jiading"], secret)
    assert can_see_investor(personas["viewer"], scenario["projects"]["xuhui"])
    viewer = personas["viewer"]
    Profile.objects.filter(user=viewer).update(view_confidential=True)
    forget_scope(viewer)
    assert can_see_investor(viewer, secret)


def test_partner_role_needs_a_partner_organisation() -> None:
    from django.db import IntegrityError

    user = get_user_model().objects.create_user("p2", password="x-Secret-123")
    with pytest.raises(IntegrityError):
        Profile.objects.create(user=user, role=Role.PARTNER)


def test_unknown_actions_are_refused(personas: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        Project.objects.restrict(personas["admin"], "approve")


def _fresh(user: Any) -> Any:
    """The user as the next request would load it (no cached scope or profile)."""
    return get_user_model().objects.get(pk=user.pk)


def test_assignment_changes_reach_the_next_request_despite_the_scope_cache(
    personas: dict[str, Any], django_assert_num_queries: Any
) -> None:
    create_scenario()
    officer = personas["officer_xuhui"]
    xuhui = names(Project.objects.restrict(_fresh(officer), "view"))
    assert xuhui == {SCENARIO_NAMES["xuhui"], SCENARIO_NAMES["confidential"]}
    # The next request reads the profile (one query) and takes the assignments from the
    # cache, keyed by the profile's stamp: no assignment queries.
    again = _fresh(officer)
    with django_assert_num_queries(1):
        restrict(Project, again, "view")
    profile = Profile.objects.get(user=officer)
    stale_copy = Profile.objects.get(user=officer)
    jiading = names(Project.objects.filter(district__code="310114"))
    profile.districts.set(District.objects.filter(code="310114"))
    assert names(Project.objects.restrict(_fresh(officer), "view")) == jiading
    profile.districts.add(District.objects.get(code="310104"))
    both = names(Project.objects.restrict(_fresh(officer), "view"))
    assert both == xuhui | jiading
    # Saving a copy read before those changes gives a new stamp, never an old one, so the
    # cache cannot hand back the assignments of that time.
    stale_copy.unit = "招商服务中心"
    stale_copy.save()
    assert names(Project.objects.restrict(_fresh(officer), "view")) == both
    profile.districts.clear()
    assert not Project.objects.restrict(_fresh(officer), "view").exists()
    # A role change made with a queryset update (no save, no signal) is seen too.
    Profile.objects.filter(user=officer).update(role=Role.VIEWER)
    assert Project.objects.restrict(_fresh(officer), "view").count() == Project.objects.count()
