"""The main pages work under the Content-Security-Policy: no violation is reported while
they load, draw their charts, run htmx and open the API docs and the admin (finding 17)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from testing.browser import login as _login
from testing.personas import PERSONA_PASSWORD, create_personas, create_scenario

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || ""));
});
"""


@pytest.fixture
def scenario() -> dict[str, Any]:
    create_personas()
    data = create_scenario()
    get_user_model().objects.create_superuser("root", "root@example.invalid", PERSONA_PASSWORD)
    return data


def _pages(data: dict[str, Any]) -> list[str]:
    project = data["projects"]["xuhui"].pk
    return [
        "/",
        "/search/?q=徐汇",
        "/projects/",
        "/projects/board/",
        f"/projects/{project}/",
        f"/projects/{project}/?tab=activities",
        f"/projects/{project}/?tab=history",
        f"/projects/{project}/edit/",
        "/projects/new/",
        "/companies/",
        f"/companies/{data['company'].pk}/",
        "/events/",
        f"/events/{data['event'].pk}/",
        "/partners/",
        "/review/",
        f"/review/{data['document'].pk}/",
        "/data/",
        "/data/duplicates/",
        "/cockpit/?period=2024",
        "/cockpit/reconciliation/?period=2024",
        "/reports/?period=2024Q1",
        "/accounts/tokens/",
        "/accounts/password_change/",
        "/api/v1/docs",
        "/admin/",
        "/admin/projects/project/",
        f"/admin/projects/project/{project}/change/",
    ]


def test_main_pages_report_no_csp_violation(
    live_server: Any, page: Any, scenario: dict[str, Any]
) -> None:
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    page.context.add_init_script(RECORD_VIOLATIONS)
    _login(page, live_server.url, "root")
    violations: dict[str, list[str]] = {}
    for path in _pages(scenario):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status < 400, path
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
        page.wait_for_load_state("networkidle")
        if path.startswith("/cockpit/?"):
            page.wait_for_selector("#chart-district canvas")
        if path == "/api/v1/docs":
            page.wait_for_selector(".swagger-ui .opblock")
        if path == "/projects/":
            # htmx: a filter change swaps the table in place.
            with page.expect_response(lambda r: "/projects/?" in r.url):
                page.select_option("#f-stage", "signed")
        found = page.evaluate("window.__csp")
        if found:
            violations[path] = found
    csp_console = [m for m in console if "Content Security Policy" in m]
    assert violations == {} and csp_console == []
