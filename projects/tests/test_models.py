from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from geo.models import District, Zone
from projects.forms import ProjectForm
from projects.models import Project, Stage
from testing.factories import make_company, make_project

pytestmark = pytest.mark.django_db


def test_stages_are_seeded_as_data_in_order() -> None:
    codes = list(Stage.objects.values_list("code", flat=True))
    assert codes[:7] == [
        "lead",
        "contacted",
        "negotiating",
        "signed",
        "registered",
        "construction",
        "operating",
    ]
    assert Stage.objects.get(code="lost").is_lost


def test_an_excluded_project_needs_a_reason() -> None:
    project = make_project()
    project.counted_in_stats = False
    with pytest.raises(ValidationError) as err:
        project.full_clean()
    assert "exclusion_reason" in err.value.message_dict
    # The database refuses it too, whatever path the write takes.
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(counted_in_stats=False, exclusion_reason="")


def test_the_database_refuses_negative_amounts() -> None:
    project = make_project()
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(amount_cny=Decimal("-5"))


def test_a_zone_must_lie_in_the_chosen_district() -> None:
    project = make_project(district="310104")
    project.zone = Zone.objects.get(slug="lingang")
    with pytest.raises(ValidationError) as err:
        project.full_clean()
    assert "zone" in err.value.message_dict
    project.district = District.objects.get(code="310120")  # 奉贤 lies partly in 临港
    project.full_clean()


def test_a_foreign_project_needs_a_foreign_source_country() -> None:
    with pytest.raises(ValidationError) as err:
        make_project("外资项目", origin="foreign", source_country="CN")
    assert "source_country" in err.value.message_dict
    assert make_project("外资项目", origin="foreign", source_country="fr").source_country == "FR"


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "表单项目",
        "investor": make_company("表单投资有限公司").pk,
        "currency": "CNY",
        "stage": Stage.objects.get(code="signed").pk,
        "signed_on": "2024-03-29",
        "priority": "A",
        "amount_cny": "500000000",
        "district": District.objects.get(code="310104").pk,
        "counted_in_stats": "on",
    }
    data.update(overrides)
    return data


def test_the_form_requires_the_date_the_stage_needs() -> None:
    form = ProjectForm(user=None, data=form_data(signed_on=""))
    assert not form.is_valid()
    assert "signed_on" in form.errors


def test_the_form_rejects_non_numeric_and_negative_amounts() -> None:
    assert "amount_cny" in ProjectForm(user=None, data=form_data(amount_cny="五亿")).errors
    assert "amount_cny" in ProjectForm(user=None, data=form_data(amount_cny="-3")).errors


def test_the_form_rejects_an_unknown_district() -> None:
    form = ProjectForm(user=None, data=form_data(district=999999))
    assert "district" in form.errors


def test_the_form_checks_the_referral_came_before_signing() -> None:
    from partners.models import Partner

    partner = Partner.objects.create(name_zh_hans="测试伙伴", kind="chamber")
    form = ProjectForm(
        user=None, data=form_data(referring_partner=partner.pk, referral_registered_on="2024-04-01")
    )
    assert "referral_registered_on" in form.errors


def test_a_valid_form_saves() -> None:
    form = ProjectForm(user=None, data=form_data())
    assert form.is_valid(), form.errors
    project = form.save()
    assert project.signed_on == dt.date(2024, 3, 29)


def test_every_change_is_in_history_with_its_user() -> None:
    from django.contrib.auth import get_user_model

    from core.context import change_context

    user = get_user_model().objects.create_user("officer", password="x-very-long-pass")
    project = make_project()
    with change_context("web", request_id="req-1", user=user):
        project.priority = "C"
        project.save()
    record = project.history.first()
    assert record is not None
    assert record.history_user == user
    assert record.request_id == "req-1"
    previous = record.prev_record
    assert previous is not None
    delta = record.diff_against(previous)
    changed = {c.field: (c.old, c.new) for c in delta.changes}
    assert changed["priority"] == ("B", "C")
