"""The daily workspace in a real browser: log in, switch language, filter the list, open a
project, move a card on the board, add an activity, complete a follow-up."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from projects.models import Activity, FollowUp, Project
from testing.browser import login as _login
from testing.factories import make_company, make_project
from testing.personas import create_personas

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def data() -> dict[str, Any]:
    users = create_personas()
    officer = users["officer_xuhui"]
    old = timezone.localdate() - dt.timedelta(days=120)
    byd = make_company("比亚迪电子", name_en="BYD Electronic", aliases=["比亚迪"])
    signed = make_project(
        "比亚迪智能终端研销总部",
        investor=byd,
        amount_cny=Decimal("2500000000"),
        owner=officer,
        priority="A",
    )
    lead = make_project(
        "芯片设计中心",
        stage="negotiating",
        stage_on=old,
        amount_cny=Decimal("800000000"),
        owner=officer,
    )
    Project.objects.filter(pk=lead.pk).update(last_progress_on=old)
    make_project("生物医药研发基地", stage="contacted", amount_cny=Decimal("120000000"))
    make_project("嘉定汽车零部件项目", district="310114", amount_cny=Decimal("300000000"))
    follow_up = FollowUp.objects.create(
        project=signed,
        title="发送政策兑现清单",
        due_on=timezone.localdate(),
        owner=officer,
    )
    return {"officer": officer, "signed": signed, "lead": lead, "follow_up": follow_up}


def _switch_language(page: Any, code: str) -> None:
    with page.expect_navigation():
        page.select_option("#lang-select", code)
    page.wait_for_load_state()


def test_an_officer_works_through_the_day(
    live_server: Any, page: Any, shoot: Any, data: dict[str, Any]
) -> None:
    base = live_server.url
    _login(page, base, "officer_xuhui")

    # My work: the due follow-up and the stale project are there.
    _switch_language(page, "zh-hans")
    assert page.locator(".mainnav").inner_text().count("项目") >= 1
    assert "发送政策兑现清单" in page.locator("#due").inner_text()
    assert "芯片设计中心" in page.locator("#stale").inner_text()
    shoot(page, "01-home-zh-hans")

    # Language switch: Traditional, then English, then back.
    _switch_language(page, "zh-hant")
    assert "項目" in page.locator(".mainnav").inner_text()
    shoot(page, "02-home-zh-hant")
    _switch_language(page, "en")
    assert "Projects" in page.locator(".mainnav").inner_text()
    _switch_language(page, "zh-hans")
    assert "项目看板" in page.locator(".mainnav").inner_text()

    # Filter the list: htmx swaps the table and the filter lands in the URL.
    page.goto(base + "/projects/")
    assert page.locator("#project-table tbody tr").count() == 3  # 嘉定 is out of scope
    page.select_option("#f-stage", "negotiating")
    page.wait_for_url(re.compile(r".*stage=negotiating.*"))
    # Predicates as functions: a polled string expression needs eval, which the CSP forbids.
    page.wait_for_function(
        "() => document.querySelectorAll('#project-table tbody tr').length === 1"
    )
    assert "芯片设计中心" in page.locator("#project-table").inner_text()
    shoot(page, "03-list-filtered")
    page.reload()
    assert page.locator("#f-stage").input_value() == "negotiating"
    page.goto(base + "/projects/")
    shoot(page, "04-list")

    # Open a project.
    page.click("text=比亚迪智能终端研销总部")
    page.wait_for_url(re.compile(r".*/projects/\d+/$"))
    assert "比亚迪电子" in page.locator(".proj-head").inner_text()
    assert "25.00亿元" in page.locator(".proj-head").inner_text()
    shoot(page, "05-project")

    # Add an activity.
    page.click(".tabs >> text=活动记录")
    page.select_option("select[name=kind]", "visit_out")
    page.fill("input[name=summary]", "拜访深圳总部")
    page.fill("textarea[name=notes]", "确认研销总部选址徐汇滨江")
    page.click("text=保存活动")
    page.wait_for_selector("#activity-list >> text=拜访深圳总部")
    assert Activity.objects.filter(project=data["signed"], summary="拜访深圳总部").exists()
    assert page.locator("#tab-count-activities").inner_text() == "1"
    shoot(page, "06-project-activities")

    # Complete the follow-up from the follow-ups tab.
    page.click(".tabs >> text=跟进事项")
    row = page.locator("#followup-{}".format(data["follow_up"].pk))
    row.locator("button").click()
    page.wait_for_selector("#followup-{}.done".format(data["follow_up"].pk))
    data["follow_up"].refresh_from_db()
    assert data["follow_up"].done_on == timezone.localdate()

    # Board: drag the negotiating card to "contacted" (no date needed) ...
    page.goto(base + "/projects/board/")
    assert page.locator("[data-testid=count-negotiating]").inner_text() == "1"
    shoot(page, "07-board")
    card = page.locator(".kcard[data-project='{}']".format(data["lead"].pk))
    card.drag_to(page.locator(".col[data-stage=contacted] .col-body"))
    page.wait_for_function(
        "() => document.querySelector('[data-testid=count-contacted]').textContent.trim() === '2'"
    )
    assert page.locator("[data-testid=count-negotiating]").inner_text() == "0"
    data["lead"].refresh_from_db()
    assert data["lead"].stage.code == "contacted"

    # ... then to "signed" through the keyboard menu: the stage asks for its date.
    page.locator(".kcard[data-project='{}'] .kmenu-btn".format(data["lead"].pk)).click()
    page.wait_for_selector("#modal[open]")
    page.select_option("#modal select[name=to_stage]", "signed")
    page.fill("#modal input[name=on]", "")
    page.click("#modal button[type=submit]")
    page.wait_for_selector("#modal .errorlist")
    shoot(page, "08-board-move-needs-date")
    # Today: the drag above already recorded a change today, and history cannot go back.
    day = timezone.localdate().isoformat()
    page.fill("#modal input[name=on]", day)
    page.click("#modal button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=count-signed]').textContent.trim() === '2'"
    )
    assert not page.locator("#modal[open]").count()
    data["lead"].refresh_from_db()
    assert data["lead"].stage.code == "signed"
    assert data["lead"].signed_on.isoformat() == day
    assert data["lead"].stage_changes.filter(to_stage__code="signed").exists()
    # The column total moved with the card: 25亿 + 8亿.
    assert page.locator("[data-testid=total-signed]").inner_text() == "33.00亿元"
    shoot(page, "09-board-after-move")

    # The History tab shows the move with who and the request id.
    page.goto(base + "/projects/{}/?tab=history".format(data["lead"].pk))
    history = page.locator("#history-table").inner_text()
    assert "officer_xuhui" in history
    assert "req-" in history
    shoot(page, "10-project-history")


def test_search_ignores_traditional_and_full_width(
    live_server: Any, page: Any, shoot: Any, data: dict[str, Any]
) -> None:
    _login(page, live_server.url, "officer_xuhui")
    _switch_language(page, "zh-hans")
    page.fill(".globalsearch input", "比亞迪電子")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/search/.*"))
    assert "比亚迪电子" in page.locator("#company-hits").inner_text()
    assert "比亚迪智能终端研销总部" in page.locator("#project-hits").inner_text()
    shoot(page, "11-search")
    page.click("#company-hits >> text=比亚迪电子")
    page.wait_for_url(re.compile(r".*/companies/\d+/$"))
    assert "比亚迪智能终端研销总部" in page.content()
    shoot(page, "12-company")
