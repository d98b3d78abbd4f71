"""Relations, hints, error messages, merges and reconciliations as every persona.

The persona suites (test_personas_api, test_personas_pages) check that lists and pages show
only the persona's rows. This one checks the ways a record the persona may not see could
still leak: through a relation the persona writes or reads, a duplicate hint, an error
message that answers differently for "hidden" and "missing", a merge that changes records
out of scope, or a reconciliation that explains totals with rows. In every case nothing the
persona may not see may be named, counted (beyond the totals it may aggregate) or linked.

The cases are data-driven: relation fields come from every ScopedModelForm (the forms every
write goes through: API, pages, importer, review queue) and from the models' foreign keys,
investor filters from ProjectFilterSet, so a new relation or filter is covered without
editing this file.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import json
import re
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.policy import forget_scope, restrict
from companies.models import Company
from config.api import api
from core.forms import ScopedModelForm
from events.models import Event
from ingest import engine
from ingest.models import DuplicateSuggestion, MergeRecord
from projects.filtersets import ProjectFilterSet
from projects.merge import merge_companies, merge_projects
from projects.models import Project
from testing.factories import make_company
from testing.personas import (
    CONFIDENTIAL_INVESTOR,
    PERSONAS,
    SCENARIO_NAMES,
    SCENARIO_VISIBLE,
    create_scenario,
)

pytestmark = pytest.mark.django_db

A, N, X, J, P, V = PERSONAS
VISIBLE = SCENARIO_VISIBLE
# The project of the scenario each persona works on (may view; the first four may change it).
OWN = {A: "xuhui", N: "xuhui", X: "xuhui", J: "jiading", P: "referred", V: "xuhui"}
CHANGES_PROJECTS = {A, N, X, J}
SEES_CONFIDENTIAL_INVESTOR = {A, N, X}
MISSING = 10**9  # an id no record has


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def body(response: Any) -> str:
    """A response as text, JSON unescaped (names appear as written)."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    text = raw.decode("utf-8", errors="ignore")
    if response.get("Content-Type", "").startswith("application/json"):
        text = json.dumps(json.loads(text or "null"), ensure_ascii=False)
    return text


def hidden_names(persona: str, text: str) -> list[str]:
    """Names of scenario projects outside the persona's scope that appear in `text`."""
    return [
        name for key, name in SCENARIO_NAMES.items() if key not in VISIBLE[persona] and name in text
    ]


def without_ids(text: Any, *ids: Any) -> str:
    """`text` with the given ids and request ids blanked out, for comparing two answers."""
    out = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False, sort_keys=True)
    out = re.sub(r"req-[0-9a-f]+", "<request>", out)
    for pk in ids:
        out = re.sub(rf"(?<!\d){pk}(?!\d)", "<id>", out)
    return out


@pytest.fixture
def scenario(personas: dict[str, Any]) -> dict[str, Any]:
    return create_scenario()


@pytest.fixture
def other_users(personas: dict[str, Any]) -> dict[str, Any]:
    """Users no non-administrator may make an owner: a superuser and an inactive officer."""
    from accounts.models import Profile, Role

    user_model = get_user_model()
    root = user_model.objects.create_superuser("root-HIDDENUSER", password="x-Secret-123")
    gone = user_model.objects.create_user("gone-HIDDENUSER", password="x-Secret-123")
    gone.is_active = False
    gone.save()
    Profile.objects.create(user=gone, role=Role.OFFICER)
    return {"root": root, "gone": gone}


# ---------------------------------------------------------------------------------------------
# Ground truth: which records a persona may not point at or see


def hidden_rows(user: Any, model: type[models.Model], personas: dict[str, Any]) -> list[Any]:
    """Primary keys of `model` rows the persona may not use as a relation target.

    Users: superusers and inactive users for everyone but administrators (who may assign any
    active user), the other district's officer for an officer, everyone for personas who
    assign nobody. Other models: rows outside the persona's `view` restriction.
    """
    if model is get_user_model():
        role = next(k for k, u in personas.items() if u.pk == user.pk)
        everyone = model.objects.all()
        if role == A:
            return list(everyone.filter(is_active=False).values_list("pk", flat=True))
        if role in (P, V):
            return list(everyone.values_list("pk", flat=True))
        hidden = everyone.filter(is_superuser=True) | everyone.filter(is_active=False)
        if role in (X, J):
            other = personas[J if role == X else X]
            hidden = hidden | everyone.filter(pk=other.pk)
        return sorted(set(hidden.values_list("pk", flat=True)))
    visible = restrict(model, user, "view").values("pk")
    return list(model._default_manager.exclude(pk__in=visible).values_list("pk", flat=True))


def write_forms() -> list[type[ScopedModelForm]]:
    """Every ScopedModelForm class defined at module level (importing every app's forms)."""
    for module in (
        "projects.forms",
        "projects.views",
        "companies.forms",
        "events.api",
        "partners.api",
        "evidence.api",
        "evidence.forms",
        "ingest.forms",
        "ingest.engine",
    ):
        importlib.import_module(module)

    def walk(cls: type[ScopedModelForm]) -> Iterator[type[ScopedModelForm]]:
        sub: type[ScopedModelForm]
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    found = {
        cls
        for cls in walk(ScopedModelForm)
        if getattr(sys.modules.get(cls.__module__), cls.__name__, None) is cls
        and getattr(cls._meta, "model", None) is not None
    }
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


def relation_fields(form_class: type[ScopedModelForm]) -> list[str]:
    return [
        name
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.ModelChoiceField)
    ]


def test_the_relation_cases_cover_the_known_relations() -> None:
    """The discovery finds the relations the review reported (so the cases below run)."""
    found = {(c.__name__, name) for c in write_forms() for name in relation_fields(c)}
    assert {
        ("ProjectForm", "expands"),
        ("ProjectForm", "investor"),
        ("ProjectForm", "ultimate_parent"),
        ("ProjectForm", "referring_partner"),
        ("ProjectForm", "signing_event"),
        ("ProjectForm", "owner"),
        ("ProjectForm", "zone"),
        ("CandidateProjectForm", "expands"),
        ("ImportProjectForm", "expands"),
        ("FollowUpForm", "owner"),
        ("CompanyForm", "parent"),
        ("EventForm", "district"),
    } <= found


# ---------------------------------------------------------------------------------------------
# Finding 1 (and 13): relations written by a user


@pytest.mark.parametrize("form_class", write_forms(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_relation_refuses_a_hidden_target_exactly_like_a_missing_one(
    form_class: type[ScopedModelForm],
    personas: dict[str, Any],
    scenario: dict[str, Any],
    other_users: dict[str, Any],
) -> None:
    """Each relation field of each write form, as each persona: a target the persona may not
    use is refused with the very error an id that does not exist gets (no oracle)."""
    problems: dict[str, str] = {}
    for persona, user in personas.items():
        for name in relation_fields(form_class):
            model = form_class.base_fields[name].queryset.model  # type: ignore[attr-defined]
            for pk in hidden_rows(user, model, personas)[:3]:
                hidden = form_class(data={name: str(pk)}, user=user)
                missing = form_class(data={name: str(MISSING)}, user=user)
                got = without_ids(hidden.errors.get(name), pk)
                expected = without_ids(missing.errors.get(name), MISSING)
                if name not in hidden.errors:
                    problems[f"{persona} {name}={pk}"] = "accepted"
                elif got != expected:
                    problems[f"{persona} {name}={pk}"] = f"{got} differs from {expected}"
                elif any(u.username in got for u in get_user_model().objects.all()):
                    problems[f"{persona} {name}={pk}"] = f"names a user: {got}"
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


# Writable API resources: path → (model, the form the API validates with, the record each
# persona writes to). A resource with a POST in the OpenAPI document must be listed.
def _api_resources() -> dict[str, tuple[type[models.Model], Any, Any]]:
    from companies.forms import CompanyForm
    from events.api import EventForm
    from evidence.api import SourceDocumentForm
    from evidence.models import SourceDocument
    from partners.api import PartnerForm
    from partners.models import Partner
    from projects.forms import ProjectForm

    return {
        "projects": (Project, ProjectForm, lambda s, p: s["projects"][OWN[p]]),
        "companies": (Company, CompanyForm, lambda s, p: s["company"]),
        "events": (Event, EventForm, lambda s, p: s["event"]),
        "partners": (Partner, PartnerForm, lambda s, p: s["partner"]),
        "source-documents": (SourceDocument, SourceDocumentForm, lambda s, p: s["document"]),
    }


def test_every_writable_api_resource_is_in_the_relation_table() -> None:
    paths = api.get_openapi_schema()["paths"]
    # Collections that accept a POST (/api/v1/<resource>/) and records that accept a PATCH.
    created = {p.split("/")[3] for p, item in paths.items() if "post" in item and p.count("/") == 4}
    created.discard("jobs")  # starting a job names no record: it has no relation to check
    patched = {p.split("/")[3] for p, item in paths.items() if "patch" in item}
    assert created == patched == set(_api_resources())


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_writes_answer_alike_for_hidden_and_missing_targets(
    persona: str,
    personas: dict[str, Any],
    scenario: dict[str, Any],
    other_users: dict[str, Any],
) -> None:
    """PATCH every relation of every writable resource to a target the persona may not use
    and to a missing id: same status, same error (ids aside), nothing stored."""
    user = personas[persona]
    client = client_for(user)
    problems: dict[str, str] = {}
    checked = 0
    for resource, (model, form_class, record_of) in _api_resources().items():
        record = record_of(scenario, persona)
        for name in relation_fields(form_class):
            related = form_class.base_fields[name].queryset.model
            attname = model._meta.get_field(name).attname  # type: ignore[union-attr]
            for pk in hidden_rows(user, related, personas)[:2]:
                record.refresh_from_db()
                before = getattr(record, attname)
                answers = []
                for value in (pk, MISSING):
                    response = client.patch(
                        f"/api/v1/{resource}/{record.pk}",
                        data=json.dumps({name: value, "version": record.version}),
                        content_type="application/json",
                    )
                    answers.append((response.status_code, without_ids(response.json(), value)))
                checked += 1
                record.refresh_from_db()
                key = f"{resource}.{name}={pk}"
                if answers[0] != answers[1]:
                    problems[key] = f"hidden {answers[0]} vs missing {answers[1]}"
                elif answers[0][0] < 400:
                    problems[key] = "accepted"
                elif getattr(record, attname) != before:
                    problems[key] = "stored anyway"
                elif hidden_names(persona, answers[0][1]):
                    problems[key] = f"names {hidden_names(persona, answers[0][1])}"
    assert checked, "no relation target is hidden from this persona: the case tests nothing"
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def _project_pages(project: Project) -> list[str]:
    detail = reverse("projects:detail", args=[project.pk])
    tabs = ("overview", "activities", "follow_ups", "evidence", "attachments", "history")
    return [
        *(f"{detail}?tab={tab}" for tab in tabs),
        reverse("projects:edit", args=[project.pk]),
        f"/api/v1/projects/{project.pk}",
        reverse("projects:list") + "?include_duplicates=true",
        reverse("projects:board") + "?include_duplicates=true",
        "/",
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_render_relations_to_hidden_records_as_placeholders(
    persona: str, personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    """Point every foreign key of the persona's project at a record the persona may not see
    (as an administrator would): no page or answer about the project names or links it.
    Administrators, analysts and viewers see every project: for them the same relations
    point at visible records, and their names must then be shown (the control)."""
    user = personas[persona]
    project = Project.objects.get(pk=scenario["projects"][OWN[persona]].pk)
    targets: dict[str, Any] = {}
    for field in Project._meta.concrete_fields:
        related = field.related_model
        if not field.many_to_one or not isinstance(related, type):
            continue
        if related is get_user_model():
            continue
        hidden = hidden_rows(user, related, personas)
        if hidden:
            targets[field.name] = related._default_manager.get(pk=hidden[0])
        elif related is Project:  # the control: a visible project
            targets[field.name] = Project.objects.exclude(pk=project.pk).first()
    assert targets, "Project has no relation to a record that can be hidden"
    for name, target in targets.items():
        setattr(project, name, target)
    project.save()  # with a history record, so the History tab shows the change
    hidden_targets = [t for t in targets.values() if t.pk in hidden_rows(user, type(t), personas)]
    client = client_for(user)
    problems: dict[str, str] = {}
    seen_text = ""
    for url in _project_pages(project):
        response = client.get(url)
        if response.status_code >= 500:
            problems[url] = f"server error {response.status_code}"
            continue
        text = body(response)
        seen_text += text
        for target in hidden_targets:
            try:
                link = reverse(f"{target._meta.app_label}:detail", args=[target.pk])
            except NoReverseMatch:
                link = f"/{target._meta.app_label}/{target.pk}/"
            if str(target) in text:
                problems[url] = f"names hidden {target._meta.model_name} “{target}”"
            elif f'href="{link}"' in text:
                problems[url] = f"links hidden {target._meta.model_name} {link}"
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
    if not hidden_targets:
        assert str(targets["expands"]) in seen_text, "the control: a visible target is named"


def test_the_edit_form_says_current_only_for_targets_the_user_may_see(
    personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    """The review's case: 扩产自 set to a 嘉定 project; the 徐汇 officer's edit form shows no
    “current: …” name, the administrator's does."""
    project = scenario["projects"]["xuhui"]
    project.expands = scenario["projects"]["jiading"]
    project.save()
    url = reverse("projects:edit", args=[project.pk])
    officer_page = body(client_for(personas[X]).get(url))
    admin_page = body(client_for(personas[A]).get(url))
    assert SCENARIO_NAMES["jiading"] not in officer_page
    assert "current: not visible to you" in officer_page
    assert f"current: {SCENARIO_NAMES['jiading']}" in admin_page


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_evidence_tab_names_a_source_document_only_where_the_persona_may_see_it(
    persona: str, personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    """Partners see the evidence of the projects they referred, not the news material: the
    document's title and link are left out for them."""
    from evidence.models import Evidence, SourceDocument

    document = scenario["document"]
    document.title = "测试新闻HIDDENDOC"
    document.url = "https://example.invalid/news/1"
    document.save()
    project = scenario["projects"]["referred"]
    Evidence.objects.create(
        document=document,
        project=project,
        field="amount",
        value="5亿元",
        start=0,
        end=3,
        sentence=document.text,
        extractor="test",
        confidence=0.9,
    )
    if "referred" not in VISIBLE[persona]:
        pytest.skip("the persona does not see the project")
    sees = restrict(SourceDocument, personas[persona], "view").filter(pk=document.pk).exists()
    assert sees == (persona != P)
    client = client_for(personas[persona])
    for tab in ("overview", "evidence"):
        text = body(client.get(reverse("projects:detail", args=[project.pk]) + f"?tab={tab}"))
        assert "5亿元" in text  # the evidence itself is shown
        assert ("HIDDENDOC" in text) == sees and (document.url in text) == sees


def test_saving_other_fields_keeps_a_link_the_user_may_not_see(
    personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    """A hidden link someone else made survives the officer's edit of other fields (API
    PATCH and the edit page), and the officer may still remove it."""
    project = scenario["projects"]["xuhui"]
    jiading = scenario["projects"]["jiading"]
    project.expands = jiading
    project.save()
    client = client_for(personas[X])
    response = client.patch(
        f"/api/v1/projects/{project.pk}",
        data=json.dumps({"priority": "A", "version": project.version}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    project.refresh_from_db()
    assert (project.priority, project.expands_id) == ("A", jiading.pk)
    response = client.patch(
        f"/api/v1/projects/{project.pk}",
        data=json.dumps({"expands": None, "version": project.version}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    project.refresh_from_db()
    assert project.expands_id is None


# ---------------------------------------------------------------------------------------------
# Finding 13: owner pickers


def _options(html: str, name: str) -> set[int]:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no <select name={name}>"
    return {int(v) for v in re.findall(r'<option value="(\d+)"', match.group(1))}


@pytest.mark.parametrize("persona", sorted(CHANGES_PROJECTS))
def test_owner_pickers_offer_only_users_the_persona_may_assign(
    persona: str, personas: dict[str, Any], scenario: dict[str, Any], other_users: dict[str, Any]
) -> None:
    user = personas[persona]
    never = set(hidden_rows(user, get_user_model(), personas))
    client = client_for(user)
    create = body(client.get(reverse("projects:create")))
    offered = _options(create, "owner")
    assert user.pk in offered
    assert not offered & never, f"create page offers {offered & never}"
    follow_ups = body(
        client.get(
            reverse("projects:detail", args=[scenario["projects"][OWN[persona]].pk])
            + "?tab=follow_ups"
        )
    )
    assert not _options(follow_ups, "owner") & never
    listing = body(client.get(reverse("projects:list")))
    assert not _options(listing, "owner") & never
    if persona != A:
        assert "HIDDENUSER" not in create + follow_ups + listing


# ---------------------------------------------------------------------------------------------
# Findings 2 and 12: import hints and messages

IMPORT_HEADER = ["系统ID", "项目名称", "投资方", "总投资(亿元)", "所属区", "阶段", "签约时间"]


def _ledger(*rows: list[Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("persona", sorted(CHANGES_PROJECTS))
def test_import_hints_and_id_errors_name_only_what_the_persona_may_see(
    persona: str, personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    """A dry run with a row like the 嘉定 project (same investor, district, amount, date) and
    rows naming a hidden and a missing system id: hints name the 嘉定 project only for those
    who may see it; the two ids get the same message."""
    jiading = scenario["projects"]["jiading"]
    hidden = [scenario["projects"][k] for k in SCENARIO_NAMES if k not in VISIBLE[persona]]
    rows = [["", "嘉定BRAVO项目二期", "通用投资股份有限公司", "30", "嘉定区", "签约", "2024-03-29"]]
    rows += [[str(p.pk), "改名项目", "", "", "", "", ""] for p in hidden[:1]]
    rows += [[str(MISSING), "改名项目", "", "", "", "", ""]]
    _batch, plan = engine.import_file(
        _ledger(*rows), "ledger.csv", "projects", user=personas[persona], dry_run=True
    )
    assert plan is not None
    messages = [" ".join(r.warnings + r.errors) for r in plan.rows]
    hint = messages[0]
    if "jiading" in VISIBLE[persona]:
        assert SCENARIO_NAMES["jiading"] in hint and f"#{jiading.pk}" in hint  # the control
    else:
        assert SCENARIO_NAMES["jiading"] not in hint and f"#{jiading.pk}" not in hint, hint
    for text in messages:
        assert not hidden_names(persona, text.replace("嘉定BRAVO项目二期", "")), text
    if hidden:
        assert without_ids(messages[1], hidden[0].pk) == without_ids(messages[2], MISSING)


# ---------------------------------------------------------------------------------------------
# Finding 3: reconciliation explanations


def _signing_event(scenario: dict[str, Any]) -> Event:
    """An event every district signed at; 嘉定's and 浦东's projects explain differences."""
    event = Event.objects.create(
        name="全市签约大会",
        kind=Event.Kind.SIGNING,
        date=dt.date(2024, 3, 29),
        announced_project_count=9,
        announced_total_cny=Decimal("2e10"),
    )
    for key in ("xuhui", "jiading", "referred", "pudong", "confidential"):
        project = scenario["projects"][key]
        project.signing_event = event
        if key in ("jiading", "pudong", "xuhui"):
            project.counted_in_stats = False
            project.exclusion_reason = "重复统计"
        project.save()
    return event


@pytest.mark.parametrize("city_aggregates", [False, True])
@pytest.mark.parametrize("persona", PERSONAS)
def test_reconciliation_names_only_projects_the_persona_may_see(
    persona: str, city_aggregates: bool, personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    """Totals may cover what the persona may aggregate (an officer with the city-wide grant:
    the whole city); the explanations name and link only the persona's own rows."""
    user = personas[persona]
    if city_aggregates:
        if persona not in (X, J):
            pytest.skip("the grant is an officer's")
        user.profile.city_aggregates = True
        user.profile.save()
        forget_scope(user)
    _signing_event(scenario)
    client = client_for(user)
    page = body(client.get(reverse("analytics:reconciliation"), {"period": "2024Q1"}))
    data = body(client.get(reverse("analytics:api-reconciliation"), {"period": "2024Q1"}))
    for text in (page, data):
        assert not hidden_names(persona, text), hidden_names(persona, text)
        for key in SCENARIO_NAMES:
            if key not in VISIBLE[persona]:
                pk = scenario["projects"][key].pk
                assert f"/projects/{pk}/" not in text
                assert f'"project_id": {pk},' not in text
    events = json.loads(data)["events"]
    assert len(events) == 1
    if city_aggregates:
        # The whole city is counted; the rows the officer may not see are summed up unnamed.
        assert events[0]["projects_on_record"] == 5
        assert events[0]["unnamed"]["count"] == sum(
            1 for k in ("xuhui", "jiading", "pudong") if k not in VISIBLE[persona]
        )
    if "xuhui" in VISIBLE[persona]:
        assert SCENARIO_NAMES["xuhui"] in page  # the control: an own excluded project is named


# ---------------------------------------------------------------------------------------------
# Finding 4: a confidential investor inferred through filters


def _investor_queries(secret: Company) -> list[dict[str, str]]:
    """One query per ProjectFilterSet parameter that matches on the investor."""
    queries = []
    for name in sorted(ProjectFilterSet.investor_params()):
        if name == "q":
            queries.append({"q": CONFIDENTIAL_INVESTOR[:6]})
        elif secret.credit_code and "credit" in str(
            getattr(ProjectFilterSet.base_filters[name], "natural_key", "")
        ):
            queries.append({name: secret.credit_code})
        else:
            queries.append({name: str(secret.pk)})
    return queries


def _consumers() -> list[str]:
    return [
        "/api/v1/projects/",
        reverse("projects:list"),
        reverse("projects:board"),
        reverse("projects:export") + "?fmt=csv",
        reverse("ingest:export_projects", kwargs={"fmt": "csv"}),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_investor_filters_never_reveal_a_confidential_investor(
    persona: str, personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    """Every investor filter on every consumer: the confidential project is returned (and
    counted in totals) only for personas who may see its investor."""
    user = personas[persona]
    confidential = scenario["projects"]["confidential"]
    secret = confidential.investor
    secret.credit_code = "91310000MA1FL5X1X9"
    secret.save()
    confidential.ultimate_parent = secret
    confidential.save()
    client = client_for(user)
    sees = persona in SEES_CONFIDENTIAL_INVESTOR
    queries = _investor_queries(secret)
    assert len(queries) >= 2  # at least the id and the search
    problems: dict[str, str] = {}
    for params in queries:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        search = [reverse("workspace:search")] if "q" in params else []
        for url in [*_consumers(), *search]:
            full = f"{url}{'&' if '?' in url else '?'}{query}"
            text = body(client.get(full))
            if (SCENARIO_NAMES["confidential"] in text) != sees:
                problems[full] = "shows the project" if not sees else "misses the project"
        totals = client.get(f"/api/v1/projects/totals?{query}").json()
        if totals["count"] != (1 if sees else 0):
            problems[f"totals?{query}"] = f"counts {totals['count']}"
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("persona", [X, J])
def test_city_wide_totals_by_investor_skip_hidden_confidential_projects(
    persona: str, personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    """An officer with city-wide aggregates counts every district, but not a confidential
    project by an investor the officer may not see."""
    user = personas[persona]
    user.profile.city_aggregates = True
    user.profile.save()
    forget_scope(user)
    secret = scenario["projects"]["confidential"].investor
    totals = client_for(user).get(f"/api/v1/projects/totals?investor={secret.pk}").json()
    assert totals["count"] == (1 if persona == X else 0)


def test_the_investor_condition_agrees_with_can_see_investor(
    personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    from accounts.policy import can_see_investor, investor_visible_q

    owned = scenario["projects"]["confidential"]
    owned.owner = personas[V]
    owned.save()
    for persona, user in personas.items():
        cond = investor_visible_q(user)
        rows = Project.objects.all() if cond is None else Project.objects.filter(cond)
        assert set(rows.values_list("pk", flat=True)) == {
            p.pk for p in Project.objects.all() if can_see_investor(user, p)
        }, persona


# ---------------------------------------------------------------------------------------------
# Findings 5 and 11: merges


def _merge_messages(client: Client, suggestion: DuplicateSuggestion, keep: str) -> str:
    response = client.post(
        reverse("ingest:duplicate_merge", args=[suggestion.pk]), {"keep": keep}, follow=True
    )
    return " ".join(str(m) for m in response.context["messages"])


def _suggest(kind: str, a: Any, b: Any) -> DuplicateSuggestion:
    first, second = sorted((a.pk, b.pk))
    return DuplicateSuggestion.objects.create(
        kind=kind, first_id=first, second_id=second, score=Decimal("95"), reasons=["test"]
    )


@pytest.mark.parametrize("persona", sorted(CHANGES_PROJECTS))
def test_a_company_merge_is_refused_unless_every_touched_record_may_be_changed(
    persona: str, personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    """Merging the investor of every district's projects into a new company: only those who
    may change all of them may; the refusal names only what the persona may see."""
    investor = scenario["investor"]
    survivor = make_company("通用投资控股有限公司")
    client = client_for(personas[persona])
    text = _merge_messages(client, _suggest("companies", investor, survivor), "second")
    investor.refresh_from_db()
    projects = Project.objects.filter(investor=investor)
    outside = [k for k in ("xuhui", "jiading", "referred", "pudong") if k not in VISIBLE[persona]]
    if outside:
        assert investor.duplicate_of_id is None, "merged although it touches hidden projects"
        assert projects.count() == 4, "projects were moved"
        assert f"{len(outside)} records you may not see" in text, text
        assert not hidden_names(persona, text), text
    else:
        assert investor.duplicate_of_id == survivor.pk, text
        assert not projects.exists()


def test_a_refused_merge_names_the_records_the_user_may_see(
    personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    """A viewer sees every project but may change none: the refusal names them all."""
    from django.core.exceptions import ValidationError

    survivor = make_company("通用投资控股有限公司")
    with pytest.raises(ValidationError) as refused:
        merge_companies(survivor, scenario["investor"], user=personas[V])
    text = " ".join(refused.value.messages)
    for key in ("xuhui", "jiading", "referred", "pudong"):
        assert SCENARIO_NAMES[key] in text
    assert "you may not see" not in text


def test_a_project_merge_that_moves_another_districts_expansion_is_refused(
    personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    projects = scenario["projects"]
    expansion = projects["jiading"]
    expansion.expands = projects["confidential"]
    expansion.save()
    client = client_for(personas[X])
    text = _merge_messages(
        client, _suggest("projects", projects["xuhui"], projects["confidential"]), "first"
    )
    expansion.refresh_from_db()
    assert expansion.expands_id == projects["confidential"].pk
    assert "1 record you may not see" in text and SCENARIO_NAMES["jiading"] not in text


def test_undoing_a_merge_is_refused_unless_every_record_may_be_changed(
    personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    survivor = make_company("通用投资控股有限公司")
    record = merge_companies(survivor, scenario["investor"], user=personas[A])
    client = client_for(personas[X])
    response = client.post(reverse("ingest:merge_undo", args=[record.pk]), follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    record.refresh_from_db()
    assert record.undone_at is None
    assert "3 records you may not see" in text and not hidden_names(X, text)
    admin = client_for(personas[A])
    admin.post(reverse("ingest:merge_undo", args=[record.pk]))
    record.refresh_from_db()
    assert record.undone_at is not None


@pytest.mark.parametrize("persona", PERSONAS)
def test_recent_merges_list_only_records_the_persona_may_see(
    persona: str, personas: dict[str, Any], scenario: dict[str, Any]
) -> None:
    projects = scenario["projects"]
    record = merge_projects(projects["jiading"], projects["referred"], user=personas[A])
    assert isinstance(record, MergeRecord)
    # (The survivor takes the duplicate's referring partner: the partner now sees both.)
    pair = {projects["jiading"].pk, projects["referred"].pk}
    sees_both = restrict(Project, personas[persona], "view").filter(pk__in=pair).count() == 2
    page = body(client_for(personas[persona]).get(reverse("ingest:duplicates") + "?kind=projects"))
    shown = f"#{projects['referred'].pk} → #{projects['jiading'].pk}" in page
    assert shown == sees_both, page[-2000:]
    assert sees_both == (persona != X)
