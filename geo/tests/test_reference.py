from __future__ import annotations

import pytest
from django.core.management import call_command

from geo.models import City, District, Province, Zone
from taxonomy.models import BusinessActivity, Honour, Industry, ProjectType

pytestmark = pytest.mark.django_db


def test_shanghai_has_sixteen_current_districts_with_codes() -> None:
    current = District.objects.filter(kind=District.Kind.DISTRICT)
    assert current.count() == 16
    assert all(d.code and d.code.startswith("310") for d in current)


def test_district_names_come_in_three_scripts_with_short_forms() -> None:
    xuhui = District.objects.get(code="310104")
    assert (xuhui.name_zh_hans, xuhui.name_zh_hant, xuhui.name_en) == (
        "徐汇区",
        "徐匯區",
        "Xuhui District",
    )
    assert "徐汇" in xuhui.short_forms


def test_former_districts_point_to_their_successor() -> None:
    zhabei = District.objects.get(name_zh_hans="闸北区")
    assert zhabei.code is None
    assert zhabei.successor is not None and zhabei.successor.code == "310106"


def test_zones_know_every_district_they_span_and_their_parent() -> None:
    lingang = Zone.objects.get(slug="lingang")
    assert lingang.district is not None and lingang.district.code == "310115"
    assert set(lingang.districts.values_list("code", flat=True)) == {"310115", "310120", "310112"}
    assert lingang.parent is not None and lingang.parent.slug == "shftz"


def test_the_rest_of_china_is_there() -> None:
    assert Province.objects.count() == 34
    suzhou = City.objects.get(code="320500")
    assert suzhou.province.code == "320000"
    assert "yrd" in suzhou.clusters


def test_the_industry_tree_has_groups_categories_and_subtracks() -> None:
    ic = Industry.objects.get(code="ic")
    assert ic.parent is not None and ic.parent.code == "leading"
    wide = Industry.objects.get(code="ic.wide_bandgap")
    assert wide.parent == ic and wide.level == Industry.Level.SUBTRACK
    assert "C39" in ic.gbt4754 and ic.keywords and ic.fdi_sectors


def test_activities_types_and_honours_are_loaded() -> None:
    assert BusinessActivity.objects.get(code="headquarters.regional").parent.code == "headquarters"  # type: ignore[union-attr]
    assert ProjectType.objects.get(code="expansion").counts_increment_only
    assert Honour.objects.filter(code="little_giant").exists()


def test_loading_twice_changes_nothing() -> None:
    counts = (District.objects.count(), Zone.objects.count(), Industry.objects.count())
    call_command("load_reference", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (District.objects.count(), Zone.objects.count(), Industry.objects.count()) == counts
