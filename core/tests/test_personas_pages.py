"""Every page URL as every persona: no server errors, no rows outside the persona's scope.

URL patterns are discovered from the resolver, so pages added later are covered without
editing this file; a page whose URL needs an argument this suite cannot supply fails with
a message asking for an entry in KWARGS_BY_NAME.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from testing.personas import (
    CONFIDENTIAL_INVESTOR,
    SCENARIO_NAMES,
    SCENARIO_VISIBLE,
    create_scenario,
)

pytestmark = pytest.mark.django_db

PERSONAS = ("admin", "analyst", "officer_xuhui", "officer_jiading", "partner", "viewer", "anon")
SKIPPED_PREFIXES = ("admin/", "api/", "i18n/", "media/", "static/", "__debug__/")
PUBLIC = {"accounts:login"}

# Which projects each persona may see (SCENARIO_NAMES keys); names of the others must never
# appear in a page they receive.
VISIBLE = {**SCENARIO_VISIBLE, "anon": set()}
SEES_CONFIDENTIAL_INVESTOR = {"admin", "analyst", "officer_xuhui"}

Scenario = dict[str, Any]
# URL name → kwargs. Names not listed fall back to DEFAULT_PK_BY_NAMESPACE for a lone `pk`.
# MISSING stands for records of other areas (import batches, merges) the scenario does not
# create: those pages are still crawled for server errors and leaks, answering 404.
MISSING = 999_999
KWARGS_BY_NAME: dict[str, Callable[[Scenario], dict[str, Any]]] = {
    "projects:follow_up_done": lambda s: {"pk": s["follow_up"].pk},
    "accounts:token_revoke": lambda s: {"pk": MISSING},
    "analytics:api-figure": lambda s: {"name": "all"},
    "ingest:batch": lambda s: {"pk": MISSING},
    "ingest:batch_commit": lambda s: {"pk": MISSING},
    "ingest:batch_cancel": lambda s: {"pk": MISSING},
    "core:file": lambda s: {"name": "attachments/2026/01/missing.pdf"},
    "ingest:batch_errors": lambda s: {"pk": MISSING},
    "ingest:batch_mapping": lambda s: {"pk": MISSING},
    "ingest:batch_rollback": lambda s: {"pk": MISSING},
    "ingest:duplicate_dismiss": lambda s: {"pk": MISSING},
    "ingest:duplicate_merge": lambda s: {"pk": MISSING},
    "ingest:merge_undo": lambda s: {"pk": MISSING},
    "ingest:export_projects": lambda s: {"fmt": "csv"},
    "ingest:export_companies": lambda s: {"fmt": "csv"},
    "ingest:template": lambda s: {"kind": "projects"},
    "jobs:detail": lambda s: {"pk": _running_job().pk},
    "jobs:progress": lambda s: {"pk": _running_job().pk},
    "jobs:start": lambda s: {"kind": "rollup"},
}


def _running_job() -> Any:
    """A job nobody in the personas started: only the administrator may see it."""
    from jobs.models import Job

    return Job.objects.create(kind="rollup", label="rollup", status="running", done=1, total=3)


DEFAULT_PK_BY_NAMESPACE: dict[str, Callable[[Scenario], Any]] = {
    "projects": lambda s: s["projects"]["xuhui"].pk,
    "companies": lambda s: s["company"].pk,
    "events": lambda s: s["event"].pk,
    "partners": lambda s: s["partner"].pk,
    "review": lambda s: s["document"].pk,
    "evidence": lambda s: s["document"].pk,
}


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, list[str]]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, route, ns)
        elif entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            kwargs = list(entry.pattern.regex.groupindex)
            yield route, name, kwargs


def page_patterns() -> list[tuple[str, str, list[str]]]:
    found = {}
    for route, name, kwargs in _walk(get_resolver().url_patterns):
        if route.lstrip("^").startswith(SKIPPED_PREFIXES):
            continue
        found[name] = (route, name, kwargs)
    return sorted(found.values(), key=lambda item: item[1])


def _url(name: str, kwargs: list[str], scenario: Scenario) -> str:
    if name in KWARGS_BY_NAME:
        return reverse(name, kwargs=KWARGS_BY_NAME[name](scenario))
    if not kwargs:
        return reverse(name)
    namespace = name.split(":")[0]
    if kwargs == ["pk"] and namespace in DEFAULT_PK_BY_NAMESPACE:
        return reverse(name, kwargs={"pk": DEFAULT_PK_BY_NAMESPACE[namespace](scenario)})
    pytest.fail(
        f"page {name} needs URL arguments {kwargs}: add an entry to KWARGS_BY_NAME in "
        "core/tests/test_personas_pages.py"
    )


def _client(persona: str, personas: dict[str, Any]) -> Client:
    client = Client()
    if persona != "anon":
        client.force_login(personas[persona])
    return client


def test_the_crawl_finds_the_account_pages() -> None:
    names = {name for _route, name, _kwargs in page_patterns()}
    assert {"accounts:login", "accounts:tokens", "accounts:password_change"} <= names


@pytest.mark.parametrize(
    ("route", "name", "kwargs"), page_patterns(), ids=[p[1] for p in page_patterns()]
)
def test_page_as_every_persona(
    route: str, name: str, kwargs: list[str], personas: dict[str, Any]
) -> None:
    scenario = create_scenario()
    url = _url(name, kwargs, scenario)
    problems: dict[str, str] = {}
    for persona in PERSONAS:
        with transaction.atomic():
            response = _client(persona, personas).get(url)
            status = response.status_code
            body = (
                b"".join(response.streaming_content)  # type: ignore[attr-defined]
                if response.streaming
                else response.content
            )
            text = body.decode("utf-8", errors="ignore")
            if response.get("Content-Type", "").startswith("application/json"):
                # JSON escapes non-ASCII; compare names in their readable form.
                text = json.dumps(json.loads(text or "null"), ensure_ascii=False)
            hidden = [
                SCENARIO_NAMES[key]
                for key in SCENARIO_NAMES
                if key not in VISIBLE[persona] and SCENARIO_NAMES[key] in text
            ]
            if status >= 500:
                problems[persona] = f"server error {status}"
            elif hidden:
                problems[persona] = f"shows projects outside its scope: {hidden}"
            elif persona == "anon" and name not in PUBLIC and status == 200:
                problems[persona] = "page served without login"
            elif (
                name.startswith("projects:")
                and persona not in SEES_CONFIDENTIAL_INVESTOR
                and CONFIDENTIAL_INVESTOR in text
            ):
                problems[persona] = "shows the investor of a confidential project"
            elif (
                name.startswith("projects:")
                and "pk" in kwargs
                and name not in KWARGS_BY_NAME
                and "xuhui" not in VISIBLE[persona]
                and persona != "anon"
                and status not in (403, 404, 405)
            ):
                problems[persona] = f"{status} for a project outside its scope (403/404 expected)"
            transaction.set_rollback(True)
    assert not problems, f"{url}: " + json.dumps(problems, ensure_ascii=False, indent=1)
