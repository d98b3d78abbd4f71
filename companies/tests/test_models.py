from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from companies.models import Company
from companies.validators import credit_code_check_char, validate_credit_code
from projects.generator import random_credit_code
from testing.factories import make_company


def a_valid_code() -> str:
    body = "91310115MA1K4ABC0"
    return body + credit_code_check_char(body)


def test_a_code_with_the_right_check_digit_is_accepted() -> None:
    validate_credit_code(a_valid_code())
    validate_credit_code(a_valid_code().lower())  # normalised to upper case first


def test_generated_codes_always_validate() -> None:
    rng = random.Random(3)
    for _ in range(200):
        validate_credit_code(random_credit_code(rng))


def test_it_rejects_a_code_of_the_wrong_length() -> None:
    with translation.override("en"), pytest.raises(ValidationError, match="18 characters"):
        validate_credit_code("9131011512345")


def test_it_rejects_letters_outside_the_code_alphabet() -> None:
    code = "91310115MA1K4ABCO" + "0"  # letter O is not used in credit codes
    with translation.override("en"), pytest.raises(ValidationError, match="not allowed: O"):
        validate_credit_code(code)


def test_it_rejects_a_wrong_check_digit() -> None:
    code = a_valid_code()
    wrong = "0" if code[-1] != "0" else "1"
    with translation.override("en"), pytest.raises(ValidationError, match="check digit"):
        validate_credit_code(code[:-1] + wrong)


@pytest.mark.django_db
def test_full_clean_reports_a_bad_credit_code_on_its_field() -> None:
    company = Company(name_zh_hans="测试有限公司", credit_code="123")
    with pytest.raises(ValidationError) as err:
        company.full_clean()
    assert "credit_code" in err.value.message_dict


@pytest.mark.django_db
def test_search_key_lets_traditional_text_find_simplified_names() -> None:
    make_company("比亚迪电子", aliases=["BYD Electronic"])
    from core.text import fold

    assert Company.objects.filter(search_key__contains=fold("比亞迪")).count() == 1
    assert Company.objects.filter(search_key__contains=fold("ＢＹＤ")).count() == 1


@pytest.mark.django_db
def test_traditional_name_is_filled_in_when_missing() -> None:
    company = make_company("蔚能电池科技有限公司")
    assert company.name_zh_hant == "蔚能電池科技有限公司"


@pytest.mark.django_db
def test_it_rejects_a_country_that_is_not_iso_3166() -> None:
    with pytest.raises(ValidationError) as err:
        make_company("某某有限公司", country="France")
    assert "country" in err.value.message_dict


@pytest.mark.django_db
def test_a_company_cannot_be_its_own_parent() -> None:
    company = make_company("母公司有限公司")
    company.parent = company
    with pytest.raises(ValidationError):
        company.full_clean()


@pytest.mark.django_db
def test_changes_are_kept_in_history() -> None:
    company = make_company("历史测试有限公司")
    company.name_en = "History Test Co., Ltd."
    company.save()
    assert company.history.count() == 2
    assert company.history.first().name_en == "History Test Co., Ltd."
