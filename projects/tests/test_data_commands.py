from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from companies.models import Company
from events.models import Event
from partners.models import Partner
from projects.generator import generate
from projects.models import Project, StageChange

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_demo_data_holds_the_conference_and_its_announced_totals() -> None:
    run("load_demo")
    event = Event.objects.get(name="2024全球投资促进大会")
    assert event.announced_project_count == 21
    assert event.announced_total_cny == Decimal("52400000000")
    assert event.projects.count() == 7
    assert Partner.objects.filter(year_joined=2024).count() == 10
    giants = Company.objects.filter(honour_links__honour__code="little_giant")
    assert set(giants.values_list("name_zh_hans", flat=True)) == {
        "上海瞻芯电子科技股份有限公司",
        "上海凯赛生物技术股份有限公司",
    }
    weineng = Project.objects.get(investor__name_zh_hans="蔚能(上海)电池科技有限公司")
    assert weineng.amount_cny == Decimal("5000000000")
    assert weineng.district is not None and weineng.district.code == "310114"
    assert not Project.objects.filter(is_synthetic=True).exists()


def test_a_demo_file_with_an_unknown_district_saves_nothing(tmp_path: Path) -> None:
    from projects.demo import DEMO_FILE

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        DEMO_FILE.read_text(encoding="utf-8").replace('district: "310114"', 'district: "999999"'),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="unknown district"):
        run("load_demo", "--file", str(bad))
    assert not Event.objects.exists() and not Company.objects.exists()
    assert not Project.objects.exists()
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema_version: 1\nevent: [", encoding="utf-8")
    with pytest.raises(CommandError, match="not a readable demo file"):
        run("load_demo", "--file", str(broken))


def test_demo_data_loads_idempotently() -> None:
    run("load_demo")
    counts = (Project.objects.count(), Company.objects.count(), Partner.objects.count())
    run("load_demo")
    assert (Project.objects.count(), Company.objects.count(), Partner.objects.count()) == counts


def test_generated_data_is_marked_synthetic_and_consistent() -> None:
    result = generate(400, seed=5)
    projects = Project.objects.filter(is_synthetic=True)
    assert projects.count() == 400 == result.projects
    assert not Project.objects.filter(is_synthetic=False).exists()
    assert StageChange.objects.count() == result.stage_changes >= 400
    for project in projects.select_related("stage")[:200]:
        if project.stage.is_won:
            assert project.signed_on is not None
        if project.registered_on:
            assert project.signed_on is not None and project.registered_on >= project.signed_on
        assert project.amount_cny is not None and project.amount_cny > 0
        if not project.counted_in_stats:
            assert project.exclusion_reason
    assert projects.filter(district__isnull=True).count() == 0
    assert Company.objects.filter(is_synthetic=True).count() == result.companies


def test_the_same_seed_gives_the_same_data() -> None:
    generate(50, seed=11)
    first = list(Project.objects.order_by("id").values_list("name", "amount_cny", "signed_on"))
    # Same seed into the same (emptied) database gives the same records.
    Project.objects.all().delete()
    Company.objects.all().delete()
    Event.objects.all().delete()
    Partner.objects.all().delete()
    generate(50, seed=11)
    second = list(Project.objects.order_by("id").values_list("name", "amount_cny", "signed_on"))
    assert first == second


def test_generate_refuses_a_negative_count_and_honours_if_empty() -> None:
    with pytest.raises(CommandError, match="zero or more"):
        run("generate", "--projects", "-1")
    run("generate", "--projects", "10", "--seed", "1")
    assert "nothing generated" in run("generate", "--projects", "10", "--if-empty")
    assert Project.objects.count() == 10


def test_demo_user_prints_the_login() -> None:
    from django.test import override_settings

    with override_settings(DEBUG=True):
        out = run("demo_user")
    assert "login: demo" in out
    with override_settings(DEBUG=False), pytest.raises(CommandError):
        run("demo_user")
