"""Cockpit chart tooltips show names as text: a district, industry, project type or stage
named like markup creates no element and runs no handler (security review, finding 14)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Value
from django.db.models.functions import Concat

from geo.models import District
from projects.models import Stage
from taxonomy.models import Industry, ProjectType
from testing.browser import login as _login
from testing.factories import make_project
from testing.personas import create_personas

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
CHARTS = ("chart-industry", "chart-district", "chart-type", "chart-funnel")


@pytest.fixture
def hostile_names() -> None:
    create_personas()
    project_type = ProjectType.objects.order_by("pk").first()
    for i in range(3):
        make_project(f"项目{i}", project_type=project_type)
    # Every name a chart labels starts with markup, so whichever item a tooltip shows has it.
    for model in (District, Industry, ProjectType, Stage):
        model.objects.update(name_zh_hans=Concat(Value(PAYLOAD), "name_zh_hans"))


def test_tooltips_show_hostile_names_as_text(
    live_server: Any, page: Any, hostile_names: None
) -> None:
    _login(page, live_server.url, "admin")
    page.goto(live_server.url + "/cockpit/?period=2024")
    page.wait_for_function(
        "ids => ids.every(id => window.echarts && "
        "echarts.getInstanceByDom(document.getElementById(id)))",
        arg=list(CHARTS),
    )
    for chart in CHARTS:
        page.evaluate(
            "id => echarts.getInstanceByDom(document.getElementById(id))"
            ".dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0})",
            chart,
        )
        # The tooltip is a <div> ECharts adds to the chart's box; it shows the markup as text.
        page.wait_for_function(
            "([id, text]) => document.getElementById(id).innerText.includes(text)",
            arg=[chart, "onerror="],
        )
        assert "<img src=x" in page.locator(f"#{chart}").inner_text()
    page.wait_for_timeout(300)  # an <img src=x> would have failed to load by now
    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("window.__xss") is None
