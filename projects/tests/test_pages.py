"""The project pages as specifications: list, board, move, project page, small forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.models import Activity, FollowUp, Project, StageChange
from testing.factories import assert_warned_about_duplicate, make_company, make_project

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def personas() -> dict[str, Any]:
    from testing.personas import create_personas

    return create_personas()


@pytest.fixture
def officer(personas: dict[str, Any]) -> Any:
    """A district officer of 徐汇区 (310104), where make_project puts projects by default."""
    return personas["officer_xuhui"]


@pytest.fixture
def client_in(client: Client, officer: Any) -> Client:
    client.force_login(officer)
    # Messages are asserted in English (the msgids); the Chinese UI is tested in the browser.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def analyst_client(personas: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(personas["analyst"])
    return client


def _many(n: int, **fields: Any) -> list[Project]:
    return [make_project("项目{}".format(i), **fields) for i in range(n)]


# ---- access ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["projects:list", "projects:board", "workspace:home", "workspace:search", "companies:list"],
)
def test_every_page_requires_login(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_hides_the_investor_of_a_confidential_project(
    client: Client, personas: dict[str, Any]
) -> None:
    client_in = client
    client_in.force_login(personas["viewer"])  # reads everything, no view_confidential
    investor = make_company("秘密投资集团")
    project = make_project("代号X项目", investor=investor, confidential=True)
    detail = client_in.get(reverse("projects:detail", args=[project.pk])).content.decode()
    listing = client_in.get(reverse("projects:list")).content.decode()
    board = client_in.get(reverse("projects:board")).content.decode()
    for html in (detail, listing, board):
        assert "代号X项目" in html
        assert "秘密投资集团" not in html
    company = client_in.get(reverse("companies:detail", args=[investor.pk])).content.decode()
    assert "代号X项目" not in company


# ---- list -----------------------------------------------------------------------------


def test_the_list_filters_by_district_and_keeps_the_filter_in_links(client_in: Client) -> None:
    make_project("徐汇项目", district="310104")
    make_project("浦东项目", district="310115")
    response = client_in.get(reverse("projects:list"), {"district": "310104"})
    html = response.content.decode()
    assert "徐汇项目" in html
    assert "浦东项目" not in html
    # Sort links carry the current filter.
    assert "district=310104&amp;ordering=name" in html or "district=310104&ordering=name" in html


def test_the_list_answers_htmx_with_the_table_only(client_in: Client) -> None:
    make_project("表格项目")
    response = client_in.get(reverse("projects:list"), headers=HTMX)
    html = response.content.decode()
    assert "表格项目" in html
    assert "<html" not in html
    assert 'id="project-table"' in html


def test_the_list_sorts_by_amount(client_in: Client) -> None:
    make_project("小项目", amount_cny=Decimal("10000000"))
    make_project("大项目", amount_cny=Decimal("9000000000"))
    html = client_in.get(reverse("projects:list"), {"ordering": "-amount"}).content.decode()
    assert html.index("大项目") < html.index("小项目")
    html = client_in.get(reverse("projects:list"), {"ordering": "amount"}).content.decode()
    assert html.index("小项目") < html.index("大项目")


def test_the_list_shows_count_and_total_in_yi(client_in: Client) -> None:
    make_project("甲", amount_cny=Decimal("5000000000"), district="310104")
    make_project("乙", amount_cny=Decimal("240000000"), district="310104")
    response = client_in.get(
        reverse("projects:list"), {"district": "310104"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.context["total_count"] == 2
    assert response.context["total_amount"] == Decimal("5240000000")
    assert "52.40亿元" in response.content.decode()


def test_the_export_uses_the_reports_exporter_or_says_it_is_missing(client_in: Client) -> None:
    make_project("导出项目", district="310104")
    response = client_in.get(reverse("projects:export"), {"district": "310104", "fmt": "csv"})
    try:
        from reports.exports import export_projects  # noqa: F401
    except ImportError:
        assert response.status_code == 501
    else:
        assert response.status_code == 200
        assert "导出项目" in response.content.decode("utf-8-sig")


def test_the_export_hides_a_confidential_investor(client: Client, personas: dict[str, Any]) -> None:
    pytest.importorskip("reports.exports")
    make_project("保密导出项目", investor=make_company("保密导出集团"), confidential=True)
    client.force_login(personas["viewer"])
    response = client.get(reverse("projects:export"), {"fmt": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "保密导出项目" in text
    assert "保密导出集团" not in text


def test_the_list_query_count_is_pinned(
    client_in: Client, django_assert_max_num_queries: Any
) -> None:
    _many(30)
    with django_assert_max_num_queries(16):
        response = client_in.get(reverse("projects:list"))
    assert len(response.context["page"].object_list) == 30
    # session, user, the user's scope (3), one aggregate for count+total, one page of rows.
    with django_assert_max_num_queries(7):
        client_in.get(reverse("projects:list"), {"district": "310104"}, headers=HTMX)


# ---- board ----------------------------------------------------------------------------


def test_the_board_shows_per_stage_count_and_total(client_in: Client) -> None:
    make_project("签约一", stage="signed", amount_cny=Decimal("100000000"))
    make_project("签约二", stage="signed", amount_cny=Decimal("300000000"))
    make_project("线索一", stage="lead", amount_cny=None)
    response = client_in.get(reverse("projects:board"))
    columns = {c["stage"].code: c for c in response.context["columns"]}
    assert columns["signed"]["count"] == 2
    assert columns["signed"]["total"] == Decimal("400000000")
    assert columns["lead"]["count"] == 1
    assert columns["negotiating"]["count"] == 0


def test_the_board_totals_are_one_aggregate_query(
    client_in: Client, django_assert_max_num_queries: Any
) -> None:
    for stage in ("lead", "contacted", "negotiating", "signed", "registered"):
        make_project("看板" + stage, stage=stage)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client_in.get(reverse("projects:board"), headers=HTMX)
    grouped = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"]]
    assert len(grouped) == 1
    # 5 session/scope + stages + 1 aggregate + one card query per open stage (7) + 8 option
    # lists for the filter bar; the fragment alone needs no option lists.
    with django_assert_max_num_queries(21):
        client_in.get(reverse("projects:board"))
    with django_assert_max_num_queries(13):
        client_in.get(reverse("projects:board"), headers=HTMX)


def test_the_board_filters_like_the_list(analyst_client: Client) -> None:
    make_project("徐汇签约", district="310104")
    make_project("浦东签约", district="310115")
    response = analyst_client.get(reverse("projects:board"), {"district": "310115"})
    columns = {c["stage"].code: c for c in response.context["columns"]}
    assert columns["signed"]["count"] == 1
    assert [p.name for p in columns["signed"]["cards"]] == ["浦东签约"]


def test_an_officer_sees_only_their_district_on_the_board(client_in: Client) -> None:
    make_project("徐汇签约", district="310104", amount_cny=Decimal("100000000"))
    make_project("嘉定签约", district="310114", amount_cny=Decimal("900000000"))
    response = client_in.get(reverse("projects:board"))
    columns = {c["stage"].code: c for c in response.context["columns"]}
    assert columns["signed"]["count"] == 1
    assert columns["signed"]["total"] == Decimal("100000000")
    assert "嘉定签约" not in response.content.decode()


def test_an_officer_cannot_move_another_districts_project(client_in: Client) -> None:
    project = make_project("嘉定项目", district="310114", stage="lead")
    response = client_in.post(
        reverse("projects:move", args=[project.pk]),
        {"to_stage": "contacted", "version": project.version, "confirmed": "1"},
    )
    assert response.status_code == 404
    project.refresh_from_db()
    assert project.stage.code == "lead"


# ---- moving stages --------------------------------------------------------------------


def test_moving_to_a_dated_stage_asks_for_the_date_first(client_in: Client) -> None:
    project = make_project("在谈项目", stage="negotiating")
    url = reverse("projects:move", args=[project.pk])
    response = client_in.post(
        url, {"to_stage": "signed", "version": project.version, "origin": "board"}, headers=HTMX
    )
    assert response["HX-Retarget"] == "#modal-body"
    assert 'name="on"' in response.content.decode()
    project.refresh_from_db()
    assert project.stage.code == "negotiating"


def test_moving_with_the_date_records_the_change_and_returns_the_board(client_in: Client) -> None:
    project = make_project("在谈项目", stage="negotiating")
    day = timezone.localdate() - dt.timedelta(days=2)
    response = client_in.post(
        reverse("projects:move", args=[project.pk]),
        {
            "to_stage": "signed",
            "on": day.isoformat(),
            "version": project.version,
            "origin": "board",
            "confirmed": "1",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "closeModal"
    assert 'id="board"' in response.content.decode()
    project.refresh_from_db()
    assert project.stage.code == "signed"
    assert project.signed_on == day
    change = StageChange.objects.filter(project=project).latest("id")
    assert change.to_stage.code == "signed"
    assert change.changed_by is not None
    assert change.request_id


def test_marking_lost_needs_a_reason(client_in: Client) -> None:
    project = make_project("要流失的项目", stage="contacted")
    url = reverse("projects:move", args=[project.pk])
    data = {"to_stage": "lost", "version": project.version, "confirmed": "1"}
    response = client_in.post(url, data, headers=HTMX)
    assert "reason" in response.content.decode()
    project.refresh_from_db()
    assert project.stage.code == "contacted"
    response = client_in.post(url, {**data, "reason": "选址去了苏州"}, headers=HTMX)
    assert response.status_code == 204
    project.refresh_from_db()
    assert project.stage.code == "lost"
    assert project.lost_reason == "选址去了苏州"


def test_a_stale_move_is_refused(client_in: Client) -> None:
    project = make_project("并发项目", stage="lead")
    stale_version = project.version
    project.name = "并发项目(改)"
    project.save()
    response = client_in.post(
        reverse("projects:move", args=[project.pk]),
        {"to_stage": "contacted", "version": stale_version, "confirmed": "1"},
        headers=HTMX,
    )
    assert "changed by someone else" in response.content.decode()
    project.refresh_from_db()
    assert project.stage.code == "lead"


# ---- project page ----------------------------------------------------------------------


def test_the_project_page_query_count_is_pinned(
    client_in: Client, django_assert_max_num_queries: Any, officer: Any
) -> None:
    project = make_project("页面项目")
    for i in range(5):
        Activity.objects.create(
            project=project, kind="call", happened_on=dt.date(2024, 4, i + 1), summary="电话"
        )
        FollowUp.objects.create(project=project, title="回访", due_on=dt.date(2024, 5, 1))
    for tab in ("overview", "activities", "follow_ups", "evidence", "attachments", "history"):
        with django_assert_max_num_queries(14):
            response = client_in.get(reverse("projects:detail", args=[project.pk]), {"tab": tab})
        assert response.status_code == 200


def test_the_history_tab_shows_who_when_request_id_and_field_diffs(client_in: Client) -> None:
    project = make_project("历史项目", amount_cny=Decimal("100000000"))
    response = client_in.post(
        reverse("projects:edit", args=[project.pk]),
        {**_form_data(project), "amount_cny": "250000000"},
        HTTP_X_REQUEST_ID="req-history-test-1",
    )
    assert response.status_code == 302
    html = client_in.get(
        reverse("projects:detail", args=[project.pk]), {"tab": "history"}
    ).content.decode()
    assert "req-history-test-1" in html
    assert "officer" in html
    assert "250000000" in html


def _form_data(project: Project) -> dict[str, Any]:
    from projects.forms import ProjectForm

    form = ProjectForm(instance=project, user=None)
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or field.disabled:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    data["version"] = project.version
    return data


def test_the_edit_form_refuses_a_stale_version(client_in: Client) -> None:
    project = make_project("编辑项目")
    data = _form_data(project)
    Project.objects.filter(pk=project.pk).update(version=project.version + 1)
    response = client_in.post(
        reverse("projects:edit", args=[project.pk]), {**data, "name": "新名字"}
    )
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    project.refresh_from_db()
    assert project.name == "编辑项目"


def test_an_edit_that_changes_identity_fields_is_checked_for_duplicates(
    client_in: Client,
) -> None:
    investor = make_company("示例半导体有限公司")
    existing = make_project(
        "示例半导体研发中心", investor=investor, amount_cny=Decimal("500000000")
    )
    project = make_project("另一个项目", amount_cny=Decimal("500000000"))
    url = reverse("projects:edit", args=[project.pk])
    # A field the duplicate finder does not read: no check, no warning.
    response = client_in.post(url, {**_form_data(project), "priority": "A"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    # Now the same investor and a similar name: the pair is warned about and queued.
    project.refresh_from_db()
    data = {**_form_data(project), "investor": investor.pk, "name": "示例半导体研发中心项目"}
    response = client_in.post(url, data, follow=True)
    assert_warned_about_duplicate(response, "projects", existing, project)


def test_filter_chips_name_what_the_codes_and_ids_mean(client_in: Client, officer: Any) -> None:
    make_project("筛选项目")
    query = (
        "district=310104&stage=signed,negotiating&industry=ic&priority=A&confidential=false"
        f"&owner={officer.pk}&stale=red&q=芯片"
    )
    response = client_in.get(f"{reverse('projects:list')}?{query}")
    chips = response.context["active_filters"]
    assert ("district", "Xuhui District") in chips
    assert ("stage", "Signed, Negotiating") in chips
    assert ("priority", "A") in chips and ("confidential", "no") in chips
    assert ("owner", officer.get_username()) in chips
    assert ("staleness", "no progress for 3 months") in chips
    assert ("search", "芯片") in chips
    assert any(label == "industry" and value != "ic" for label, value in chips)
    assert 'class="chip">district: Xuhui District<' in response.content.decode()


def test_an_officer_cannot_move_a_project_out_of_their_district(client_in: Client) -> None:
    from geo.models import District

    project = make_project("徐汇项目", district="310104")
    data = {**_form_data(project), "district": District.objects.get(code="310114").pk}
    response = client_in.post(reverse("projects:edit", args=[project.pk]), data)
    assert response.status_code == 200
    assert "The result would be outside what you may edit." in response.content.decode()
    project.refresh_from_db()
    assert project.district is not None and project.district.code == "310104"
    assert project.version == data["version"]


def test_the_edit_form_shows_validation_messages(client_in: Client) -> None:
    project = make_project("校验项目")
    data = {**_form_data(project), "counted_in_stats": "", "exclusion_reason": ""}
    response = client_in.post(reverse("projects:edit", args=[project.pk]), data)
    assert response.status_code == 200
    assert "Give the reason a project is excluded from statistics." in response.content.decode()


def test_adding_an_activity_returns_the_list(client_in: Client, officer: Any) -> None:
    project = make_project("活动项目")
    response = client_in.post(
        reverse("projects:activity_add", args=[project.pk]),
        {
            "kind": "visit_out",
            "happened_on": "2024-05-06",
            "summary": "拜访总部",
            "notes": "谈选址",
        },
        headers=HTMX,
    )
    html = response.content.decode()
    assert "拜访总部" in html
    # The tab's counter is refreshed out of band.
    assert 'id="tab-count-activities" hx-swap-oob="true">1<' in html
    activity = Activity.objects.get(project=project)
    assert activity.author == officer


def test_an_activity_dated_in_the_future_is_refused(client_in: Client) -> None:
    project = make_project("活动项目")
    future = timezone.localdate() + dt.timedelta(days=3)
    response = client_in.post(
        reverse("projects:activity_add", args=[project.pk]),
        {"kind": "call", "happened_on": future.isoformat(), "summary": "未来"},
        headers=HTMX,
    )
    assert "future" in response.content.decode()
    assert not Activity.objects.filter(project=project).exists()


def test_follow_ups_can_be_added_and_completed(client_in: Client, officer: Any) -> None:
    project = make_project("跟进项目")
    client_in.post(
        reverse("projects:follow_up_add", args=[project.pk]),
        {"title": "发送政策清单", "due_on": "2024-06-01", "owner": officer.pk},
        headers=HTMX,
    )
    follow_up = FollowUp.objects.get(project=project)
    assert follow_up.owner == officer
    response = client_in.post(reverse("projects:follow_up_done", args=[follow_up.pk]), headers=HTMX)
    assert "done" in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.done_on == timezone.localdate()


def test_the_history_names_related_records_and_hides_a_confidential_investor(
    client: Client, personas: dict[str, Any]
) -> None:
    project = make_project("保密历史项目", investor=make_company("甲方集团"), confidential=True)
    project.investor = make_company("乙方集团")
    project.district_id = None
    project.save()
    client.force_login(personas["viewer"])
    html = client.get(
        reverse("projects:detail", args=[project.pk]), {"tab": "history"}
    ).content.decode()
    assert "徐汇区" in html  # the district change is shown by name, not id
    assert "甲方集团" not in html
    assert "乙方集团" not in html
