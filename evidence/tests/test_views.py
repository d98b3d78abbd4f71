"""The review pages as specifications: queue, add, document, accept / edit / reject / attach."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from events.models import Event
from evidence.models import Candidate, SourceDocument
from geo.models import District
from projects.models import Project, Stage
from testing.factories import make_company, make_project
from testing.news import FOLLOW_UP_NEWS, SIGNING_NEWS, aggregate, candidate, ingest

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    # The assertions below read the English messages; the UI default is zh-Hans.
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def analyst(personas: dict[str, Any]) -> Client:
    return client_for(personas["analyst"])


# ---- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["evidence:queue", "evidence:add"])
def test_review_pages_require_login(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_partner_sees_no_documents(personas: dict[str, Any]) -> None:
    doc = ingest().document
    partner = client_for(personas["partner"])
    assert "云岫" not in partner.get(reverse("evidence:queue")).content.decode()
    assert partner.get(reverse("evidence:document", args=[doc.pk])).status_code == 404
    assert partner.get(reverse("evidence:add")).status_code == 403


def test_a_viewer_reads_but_cannot_review(personas: dict[str, Any]) -> None:
    result = ingest()
    viewer = client_for(personas["viewer"])
    page = viewer.get(reverse("evidence:document", args=[result.document.pk])).content.decode()
    assert "云岫智能装备股份有限公司" in page
    assert reverse("evidence:accept", args=[candidate(result, "云岫").pk]) not in page
    response = viewer.post(reverse("evidence:accept", args=[candidate(result, "云岫").pk]))
    assert response.status_code == 403
    assert Project.objects.count() == 0


# ---- queue and add ---------------------------------------------------------------------------


def test_the_queue_lists_new_documents_with_open_candidates(analyst: Client) -> None:
    doc = ingest().document
    reviewed = ingest("另一篇没有项目的新闻稿。\n").document
    reviewed.status = SourceDocument.Status.REVIEWED
    reviewed.save()
    page = analyst.get(reverse("evidence:queue")).content.decode()
    assert reverse("evidence:document", args=[doc.pk]) in page
    assert reverse("evidence:document", args=[reviewed.pk]) not in page
    assert "3 / 3" in page
    everything = analyst.get(reverse("evidence:queue") + "?status=all").content.decode()
    assert reverse("evidence:document", args=[reviewed.pk]) in everything


def test_pasting_text_stores_it_and_opens_the_document(analyst: Client) -> None:
    response = analyst.post(
        reverse("evidence:add"),
        {"text": SIGNING_NEWS, "publisher": "测试日报", "published_on": "2026-03-18"},
    )
    doc = SourceDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evidence:document", args=[doc.pk])
    assert doc.publisher == "测试日报"
    assert doc.published_on == dt.date(2026, 3, 18)
    assert doc.candidates.count() == 3
    again = analyst.post(reverse("evidence:add"), {"text": SIGNING_NEWS})
    assert again["Location"] == reverse("evidence:document", args=[doc.pk])
    assert SourceDocument.objects.count() == 1


def test_uploading_a_big5_file_works(analyst: Client) -> None:
    text = "星瀾光電科技有限公司將投資8億元在徐匯區"
    upload = SimpleUploadedFile("news.txt", text.encode("big5"))
    response = analyst.post(reverse("evidence:add"), {"file": upload})
    assert response.status_code == 302
    assert SourceDocument.objects.get().text.startswith("星瀾光電")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"text": "   "}, "paste the text"),
        ({"file": SimpleUploadedFile("a.txt", b"\x00\x01" * 500)}, "binary"),
        ({"file": SimpleUploadedFile("a.txt", b"")}, "empty"),  # Django's own message
        ({"file": SimpleUploadedFile("a.xlsx", b"hello")}, "unsupported"),
        ({"file": SimpleUploadedFile("big.txt", b"a" * (20 * 1024 * 1024))}, "limit is 10 MB"),
    ],
)
def test_bad_input_gets_a_clear_error_and_saves_nothing(
    analyst: Client, payload: dict[str, Any], message: str
) -> None:
    response = analyst.post(reverse("evidence:add"), payload)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert SourceDocument.objects.count() == 0


def test_a_paste_larger_than_the_request_limit_gets_a_message(analyst: Client) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2000):
        response = analyst.post(reverse("evidence:add"), {"text": "投资" * 2000})
    assert response.status_code == 413
    assert "upload the article as a file" in response.content.decode()
    assert SourceDocument.objects.count() == 0


def test_the_text_is_escaped_and_the_spans_are_marked(analyst: Client) -> None:
    text = SIGNING_NEWS + "<script>alert('x')</script>\n"
    doc = ingest(text).document
    page = analyst.get(reverse("evidence:document", args=[doc.pk])).content.decode()
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;" in page
    assert '<mark class="ev c0">' in page  # the first candidate's sentence
    assert 'class="ev c0 f f-amount" title="#1 ' in page
    assert "12.5亿元</mark>" in page
    for c in doc.candidates.all():
        assert 'id="c-{}"'.format(c.pk) in page
        assert 'id="t-{}"'.format(c.pk) in page


# ---- accept, edit, reject --------------------------------------------------------------------


def test_accept_creates_the_project_and_returns_to_the_document(analyst: Client) -> None:
    result = ingest()
    yunxiu = candidate(result, "云岫")
    response = analyst.post(reverse("evidence:accept", args=[yunxiu.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith("#c-{}".format(yunxiu.pk))
    project = Project.objects.get()
    page = analyst.get(response["Location"]).content.decode()
    assert reverse("projects:detail", args=[project.pk]) in page
    detail = analyst.get(reverse("projects:detail", args=[project.pk]) + "?tab=evidence")
    assert "12.5亿元" in detail.content.decode()


def test_accept_offers_the_duplicate_and_updates_it_when_chosen(analyst: Client) -> None:
    investor = make_company("青禾生物医药(上海)有限公司")
    existing = make_project("青禾研发中心", investor=investor, amount_cny=Decimal("300000000"))
    qinghe = ingest(FOLLOW_UP_NEWS).document.candidates.get()
    offer = analyst.post(reverse("evidence:accept", args=[qinghe.pk]))
    assert offer.status_code == 200
    html = offer.content.decode()
    assert "青禾研发中心" in html and 'name="into" value="{}"'.format(existing.pk) in html
    assert Project.objects.count() == 1
    chosen = analyst.post(reverse("evidence:accept", args=[qinghe.pk]), {"into": existing.pk})
    assert chosen.status_code == 302
    existing.refresh_from_db()
    assert existing.stage.code == "construction"
    assert Project.objects.count() == 1


def test_edit_then_accept_uses_the_project_form(analyst: Client) -> None:
    result = ingest(published_on=dt.date(2026, 3, 18))
    qinghe = candidate(result, "青禾")
    form = analyst.get(reverse("evidence:edit", args=[qinghe.pk]))
    html = form.content.decode()
    assert form.status_code == 200
    assert 'value="青禾生物医药(上海)有限公司"' in html  # the new investor, prefilled
    assert 'value="300000000.00"' in html
    data = {
        "name": "青禾创新药研发中心",
        "new_investor_name": "青禾生物医药(上海)有限公司",
        "amount_cny": "300000000",
        "currency": "CNY",
        "district": str(District.objects.get(code="310104").pk),
        "stage": str(Stage.objects.get(code="signed").pk),
        "signed_on": "2026-03-18",
        "priority": "A",
        "counted_in_stats": "on",
        "lead_source": "news",
    }
    response = analyst.post(reverse("evidence:edit", args=[qinghe.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get()
    assert project.name == "青禾创新药研发中心" and project.priority == "A"
    qinghe.refresh_from_db()
    assert qinghe.status == Candidate.Status.EDITED


def test_edit_shows_form_errors_and_saves_nothing(analyst: Client) -> None:
    qinghe = candidate(ingest(), "青禾")
    response = analyst.post(reverse("evidence:edit", args=[qinghe.pk]), {"name": ""})
    assert response.status_code == 400
    assert "has-error" in response.content.decode()
    assert Project.objects.count() == 0


def test_reject(analyst: Client) -> None:
    qinghe = candidate(ingest(), "青禾")
    response = analyst.post(reverse("evidence:reject", args=[qinghe.pk]), {"note": "重复报道"})
    assert response.status_code == 302
    qinghe.refresh_from_db()
    assert qinghe.status == Candidate.Status.REJECTED and qinghe.review_note == "重复报道"


def test_an_officer_gets_a_message_not_a_crash_outside_their_district(
    personas: dict[str, Any],
) -> None:
    officer = client_for(personas["officer_xuhui"])
    yunxiu = candidate(ingest(), "云岫")  # 嘉定区
    response = officer.post(reverse("evidence:accept", args=[yunxiu.pk]))
    assert response.status_code == 403
    assert Project.objects.count() == 0


# ---- aggregates ------------------------------------------------------------------------------


def test_attach_to_a_new_event_then_see_announced_vs_recorded(analyst: Client) -> None:
    result = ingest(published_on=dt.date(2026, 3, 18))
    agg = aggregate(result)
    form = analyst.get(reverse("evidence:attach", args=[agg.pk]))
    assert form.status_code == 200
    response = analyst.post(
        reverse("evidence:attach", args=[agg.pk]),
        {"new_name": "春季集中签约", "new_kind": "signing", "new_date": "2026-03-18"},
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.announced_project_count == 15
    analyst.post(reverse("evidence:accept", args=[candidate(result, "云岫").pk]))
    page = analyst.get(reverse("evidence:document", args=[result.document.pk])).content.decode()
    assert reverse("events:detail", args=[event.pk]) in page
    assert "announced" in page or "宣布" in page or "公布" in page
    assert Project.objects.get().signing_event == event


def test_attach_needs_an_event(analyst: Client) -> None:
    agg = aggregate(ingest())
    response = analyst.post(reverse("evidence:attach", args=[agg.pk]), {})
    assert response.status_code == 400
    agg.refresh_from_db()
    assert agg.status == Candidate.Status.NEW


# ---- query counts ----------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_and_the_document_page_do_not_query_per_row(analyst: Client) -> None:
    first = ingest().document
    queue_one = _queries(analyst, reverse("evidence:queue"))
    page_small = _queries(analyst, reverse("evidence:document", args=[first.pk]))
    for i in range(5):
        ingest("第{}篇：".format(i) + SIGNING_NEWS)
    many = "\n".join(
        "{}号：星澜{}光电科技有限公司拟投资{}亿元在徐汇区建设研发中心。".format(i, i, i + 2)
        for i in range(8)
    )
    big = ingest(many).document
    assert big.candidates.count() >= 6
    assert _queries(analyst, reverse("evidence:queue")) == queue_one
    assert _queries(analyst, reverse("evidence:document", args=[big.pk])) == page_small


def test_a_document_can_be_ignored_and_put_back(analyst: Client, personas: dict[str, Any]) -> None:
    doc = ingest().document
    url = reverse("evidence:document_status", args=[doc.pk])
    assert analyst.post(url, {"status": "ignored"}).status_code == 302
    doc.refresh_from_db()
    assert doc.status == SourceDocument.Status.IGNORED
    assert reverse("evidence:document", args=[doc.pk]) not in (
        analyst.get(reverse("evidence:queue")).content.decode()
    )
    analyst.post(url, {"status": "new"})
    doc.refresh_from_db()
    assert doc.status == SourceDocument.Status.NEW
    analyst.post(url, {"status": "bogus"})
    doc.refresh_from_db()
    assert doc.status == SourceDocument.Status.NEW
    viewer = client_for(personas["viewer"])
    assert viewer.post(url, {"status": "ignored"}).status_code == 403
