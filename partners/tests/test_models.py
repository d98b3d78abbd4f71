from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from partners.models import Partner
from testing.factories import make_project

pytestmark = pytest.mark.django_db


def test_a_partner_links_to_the_projects_it_referred() -> None:
    partner = Partner.objects.create(
        name_zh_hans="某商会", kind=Partner.Kind.CHAMBER, year_joined=2024
    )
    project = make_project(referring_partner=partner)
    assert list(partner.referrals.all()) == [project]


def test_it_rejects_an_implausible_year_and_a_duplicate_name() -> None:
    Partner.objects.create(name_zh_hans="某律所", kind=Partner.Kind.PROFESSIONAL)
    partner = Partner(name_zh_hans="某律所", kind=Partner.Kind.PROFESSIONAL, year_joined=1900)
    with pytest.raises(ValidationError) as err:
        partner.full_clean()
    assert "year_joined" in str(err.value) or "__all__" in err.value.message_dict
    assert "name_zh_hans" in err.value.message_dict or "__all__" in err.value.message_dict
