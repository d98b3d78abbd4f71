"""The "new company" and "edit company" pages: the API's validation, permissions, and the
duplicate warning after creating a company that may already be recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from companies.models import Company
from companies.validators import credit_code_check_char
from testing.factories import assert_warned_about_duplicate, make_company

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def _code(first17: str = "91310000MA1FL0000") -> str:
    return first17 + credit_code_check_char(first17)


def _client(client: Client, personas: dict[str, Any], persona: str) -> Client:
    client.force_login(personas[persona])
    return client


# ---- the list button and the permission ------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "analyst", "officer_xuhui"])
def test_users_who_may_add_companies_see_the_button_and_the_form(
    client: Client, personas: dict[str, Any], persona: str
) -> None:
    _client(client, personas, persona)
    html = client.get(reverse("companies:list"), headers=EN).content.decode()
    assert reverse("companies:create") in html
    assert "New company" in html
    response = client.get(reverse("companies:create"), headers=EN)
    assert response.status_code == 200
    assert 'name="name_zh_hans"' in response.content.decode()


@pytest.mark.parametrize("persona", ["partner", "viewer"])
def test_users_who_may_not_add_companies_get_403_and_no_button(
    client: Client, personas: dict[str, Any], persona: str
) -> None:
    _client(client, personas, persona)
    assert reverse("companies:create") not in client.get(reverse("companies:list")).content.decode()
    assert client.get(reverse("companies:create")).status_code == 403
    response = client.post(reverse("companies:create"), {"name_zh_hans": "越权公司"})
    assert response.status_code == 403
    assert not Company.objects.filter(name_zh_hans="越权公司").exists()


def test_an_analyst_without_write_permission_may_not_add(client: Client) -> None:
    from testing.personas import create_personas

    analyst = create_personas(analyst_can_write=False)["analyst"]
    client.force_login(analyst)
    assert client.get(reverse("companies:create")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client) -> None:
    response = client.get(reverse("companies:create"))
    assert response.status_code == 302
    assert "login" in response["Location"]


# ---- creating --------------------------------------------------------------------------


def test_a_valid_company_is_created_with_its_history_and_no_warning(
    client: Client, personas: dict[str, Any]
) -> None:
    _client(client, personas, "officer_xuhui")
    code = _code()
    response = client.post(
        reverse("companies:create"),
        {
            "name_zh_hans": "上海瞻芯电子科技股份有限公司",
            "name_en": "InventChip",
            "aliases": "瞻芯电子，瞻芯",
            "credit_code": code.lower(),
            "country": "cn",
            "website": "www.inventchip.example",
            "notes": "临港",
        },
        HTTP_X_REQUEST_ID="req-create-1",
        headers=EN,
    )
    company = Company.objects.get(name_zh_hans="上海瞻芯电子科技股份有限公司")
    assert response.status_code == 302
    assert response["Location"] == reverse("companies:detail", args=[company.pk])
    # Normalised as the API normalises: code and country upper case, Traditional name filled.
    assert company.credit_code == code
    assert company.country == "CN"
    assert company.aliases == ["瞻芯电子", "瞻芯"]
    assert company.website == "https://www.inventchip.example"
    assert company.name_zh_hant == "上海瞻芯電子科技股份有限公司"
    record = company.history.get()
    assert record.history_type == "+"
    assert record.history_user == personas["officer_xuhui"]
    assert record.request_id == "req-create-1"
    assert record.change_source == "web"
    page = client.get(response["Location"], headers=EN)
    messages = [str(m) for m in page.context["messages"]]
    assert messages == ["Company saved."]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"credit_code": "91310000MA1FL00001"}, "credit_code", "check digit"),
        ({"credit_code": "12345"}, "credit_code", "18 characters"),
        ({"country": "China"}, "country", ""),
        ({"name_zh_hans": ""}, "name_zh_hans", "required"),
        ({"website": "not a url"}, "website", "valid URL"),
        ({"parent": "999999"}, "parent", "that you may use"),
    ],
)
def test_bad_input_is_refused_with_the_errors_shown(
    client: Client, personas: dict[str, Any], data: dict[str, str], field: str, message: str
) -> None:
    _client(client, personas, "analyst")
    payload = {"name_zh_hans": "校验测试有限公司", "country": "CN", **data}
    response = client.post(reverse("companies:create"), payload, headers=EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert field in response.context["form"].errors
    assert "Please correct the fields marked below." in html
    assert "has-error" in html
    if message:
        assert message in html
    assert not Company.objects.filter(name_zh_hans="校验测试有限公司").exists()
    assert not Company.objects.exists()


def test_a_credit_code_already_recorded_is_refused(
    client: Client, personas: dict[str, Any]
) -> None:
    code = _code()
    make_company("已有公司", credit_code=code)
    _client(client, personas, "analyst")
    response = client.post(
        reverse("companies:create"),
        {"name_zh_hans": "另一家公司", "country": "CN", "credit_code": code},
        headers=EN,
    )
    assert response.status_code == 200
    assert "credit_code" in response.context["form"].errors
    assert not Company.objects.filter(name_zh_hans="另一家公司").exists()


def test_the_page_form_validates_as_the_api_form() -> None:
    """The workspace form is the API form with other widgets: same fields, same errors."""
    from companies.api import CompanyForm as ApiForm
    from companies.forms import CompanyForm, CompanyPageForm

    assert ApiForm is CompanyForm
    assert issubclass(CompanyPageForm, CompanyForm)
    assert list(CompanyPageForm.base_fields) == list(CompanyForm.base_fields)
    bad = {"name_zh_hans": "甲公司", "country": "CN", "credit_code": "91310000MA1FL00001"}
    api_form, page_form = CompanyForm(data=bad, user=None), CompanyPageForm(data=bad, user=None)
    assert not api_form.is_valid() and not page_form.is_valid()
    assert api_form.errors == page_form.errors


# ---- the duplicate warning ---------------------------------------------------------------


def test_a_near_duplicate_name_shows_a_warning_with_links(
    client: Client, personas: dict[str, Any]
) -> None:
    existing = make_company("華芯微電子有限公司")
    unrelated = make_company("完全不同的公司")
    _client(client, personas, "officer_xuhui")
    response = client.post(
        reverse("companies:create"),
        {"name_zh_hans": "华芯微电子(上海)有限公司", "country": "CN"},
        follow=True,
        headers=EN,
    )
    created = Company.objects.get(name_zh_hans="华芯微电子(上海)有限公司")
    assert response.redirect_chain == [(reverse("companies:detail", args=[created.pk]), 302)]
    html = response.content.decode()
    text = assert_warned_about_duplicate(response, "companies", existing, created)
    assert "This company may already be recorded" in text
    assert "華芯微電子有限公司" in text
    assert f'href="{reverse("ingest:duplicates")}?kind=companies"' in text
    assert "完全不同的公司" not in text
    assert f'href="{reverse("companies:detail", args=[unrelated.pk])}"' not in text
    # Rendered as links (not escaped) in the message area of the new company's page.
    assert 'class="message message-warning"' in html
    assert f'<a href="{reverse("companies:detail", args=[existing.pk])}">' in html
    review = client.get(reverse("ingest:duplicates"), {"kind": "companies"}, headers=EN)
    assert "華芯微電子有限公司" in review.content.decode()


def test_an_edit_that_renames_a_company_is_checked_for_duplicates(
    client: Client, personas: dict[str, Any]
) -> None:
    existing = make_company("華芯微電子有限公司")
    company = make_company("完全不同的公司")
    _client(client, personas, "analyst")
    url = reverse("companies:edit", args=[company.pk])

    def post(**changes: str) -> Any:
        company.refresh_from_db()
        data = {"name_zh_hans": company.name_zh_hans, "country": "CN", **changes}
        return client.post(url, {**data, "version": company.version}, follow=True, headers=EN)

    # A field the duplicate finder does not read: no check, no warning.
    response = post(website="example.com")
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    response = post(name_zh_hans="华芯微电子(上海)有限公司")
    assert_warned_about_duplicate(response, "companies", existing, company)


def test_names_in_the_warning_are_escaped(client: Client, personas: dict[str, Any]) -> None:
    make_company("<b>华芯</b>微电子有限公司")
    _client(client, personas, "analyst")
    response = client.post(
        reverse("companies:create"),
        {"name_zh_hans": "<b>華芯</b>微电子有限公司", "country": "CN"},
        follow=True,
        headers=EN,
    )
    html = response.content.decode()
    assert "This company may already be recorded" in html
    assert "<b>华芯</b>" not in html
    assert "&lt;b&gt;华芯&lt;/b&gt;" in html


def test_a_hint_the_user_may_not_view_is_not_shown(
    client: Client, personas: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The duplicate finder is unscoped; the page keeps only hints the user may view."""
    existing = make_company("華芯微電子有限公司")
    import core.api.schemas as schemas  # where ingest.dedupe.check_and_warn looks it up

    def no_view(model: Any, user: Any, hints: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert [h["id"] for h in hints] == [existing.pk]
        return []

    monkeypatch.setattr(schemas, "visible_hints", no_view)
    _client(client, personas, "analyst")
    response = client.post(
        reverse("companies:create"),
        {"name_zh_hans": "华芯微电子(上海)有限公司", "country": "CN"},
        follow=True,
        headers=EN,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


# ---- editing -----------------------------------------------------------------------------


def _edit_data(company: Company, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name_zh_hans": company.name_zh_hans,
        "name_zh_hant": company.name_zh_hant,
        "name_en": company.name_en,
        "aliases": "、".join(company.aliases),
        "credit_code": company.credit_code or "",
        "country": company.country,
        "parent": company.parent_id or "",
        "website": company.website,
        "notes": company.notes,
        "version": company.version,
    }
    data.update(changes)
    return data


def test_the_edit_page_saves_and_shows_the_current_values(
    client: Client, personas: dict[str, Any]
) -> None:
    parent = make_company("华芯控股集团有限公司")
    company = make_company("华芯微电子有限公司", aliases=["华芯"], parent=parent)
    _client(client, personas, "officer_xuhui")
    html = client.get(reverse("companies:edit", args=[company.pk]), headers=EN).content.decode()
    assert 'value="华芯"' in html  # aliases on one line, not JSON
    assert "current: 华芯控股集团有限公司" in html
    detail = client.get(reverse("companies:detail", args=[company.pk]), headers=EN).content.decode()
    assert reverse("companies:edit", args=[company.pk]) in detail
    response = client.post(
        reverse("companies:edit", args=[company.pk]), _edit_data(company, name_en="Huaxin")
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.name_en == "Huaxin"
    assert company.version == 2


def test_the_edit_page_refuses_a_stale_version(client: Client, personas: dict[str, Any]) -> None:
    company = make_company("华芯微电子有限公司")
    data = _edit_data(company, name_en="Mine")
    Company.objects.filter(pk=company.pk).update(version=company.version + 1)
    _client(client, personas, "analyst")
    response = client.post(reverse("companies:edit", args=[company.pk]), data, headers=EN)
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    company.refresh_from_db()
    assert company.name_en == ""


def test_the_edit_page_refuses_a_form_without_version(
    client: Client, personas: dict[str, Any]
) -> None:
    company = make_company("华芯微电子有限公司")
    data = _edit_data(company, name_en="Mine")
    del data["version"]
    _client(client, personas, "analyst")
    response = client.post(reverse("companies:edit", args=[company.pk]), data, headers=EN)
    assert response.status_code == 200
    assert "reload the page" in response.content.decode()
    company.refresh_from_db()
    assert company.name_en == ""


@pytest.mark.parametrize("persona", ["partner", "viewer"])
def test_users_who_may_not_change_companies_get_404_on_the_edit_page(
    client: Client, personas: dict[str, Any], persona: str
) -> None:
    company = make_company("华芯微电子有限公司")
    _client(client, personas, persona)
    detail = client.get(reverse("companies:detail", args=[company.pk])).content.decode()
    assert reverse("companies:edit", args=[company.pk]) not in detail
    assert client.get(reverse("companies:edit", args=[company.pk])).status_code == 404
    response = client.post(reverse("companies:edit", args=[company.pk]), _edit_data(company))
    assert response.status_code == 404
