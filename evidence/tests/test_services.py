"""The review queue's rules: ingest, accept (create or update), attach, reject."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from companies.models import Company
from events.models import Event
from evidence import services
from evidence.models import Candidate, Evidence, SourceDocument
from ingest.extract import (
    BinaryInputError,
    DecodingError,
    EmptyInputError,
    ExtractError,
    InputTooLargeError,
)
from projects.models import Project
from testing.factories import make_company, make_project
from testing.news import (
    FOLLOW_UP_NEWS,
    HANT_NEWS,
    SIGNING_NEWS,
    aggregate,
    candidate,
    ingest,
)

pytestmark = pytest.mark.django_db


# ---- ingest ----------------------------------------------------------------------------------

SPANS = ("investor", "amount", "location", "stage", "project_type")


def spanned(text: str, c: Candidate, name: str) -> str | None:
    span = c.span(name)
    return text[span[0] : span[1]] if span else None


def test_it_stores_a_document_with_one_candidate_per_record() -> None:
    result = ingest(published_on=dt.date(2026, 3, 18), publisher="测试日报")
    assert result.created
    assert (result.projects, result.aggregates) == (2, 1)
    doc = result.document
    assert doc.language == SourceDocument.Language.ZH_HANS
    assert doc.title.startswith("云岫智能装备股份有限公司拟投资")
    assert doc.status == SourceDocument.Status.NEW
    assert [c.status for c in doc.candidates.all()] == [Candidate.Status.NEW] * 3


def test_the_same_text_is_stored_once() -> None:
    first = ingest()
    again = ingest()
    from_bytes = services.ingest_document(data=SIGNING_NEWS.encode("gb18030"), name="a.txt")
    assert not again.created and not from_bytes.created
    assert again.document.pk == first.document.pk == from_bytes.document.pk
    assert SourceDocument.objects.count() == 1
    assert Candidate.objects.count() == 3


def test_every_span_points_into_the_original_text() -> None:
    doc = ingest().document
    yunxiu = doc.candidates.get(record__investor="云岫智能装备股份有限公司")
    marked = {name: spanned(doc.text, yunxiu, name) for name in SPANS}
    assert marked == {
        "investor": "云岫智能装备股份有限公司",
        "amount": "12.5亿元",
        "location": "嘉定区",
        "stage": "签约",
        "project_type": "制造",
    }
    assert "主要生产工业机器人" in yunxiu.evidence_text()
    assert yunxiu.record["amount"] == "1250000000"  # exact decimal string, not a float


def test_spans_of_traditional_text_point_at_the_traditional_characters() -> None:
    doc = ingest(HANT_NEWS).document
    assert doc.language == SourceDocument.Language.ZH_HANT
    star = doc.candidates.get()
    assert spanned(doc.text, star, "location") == "徐匯區"
    assert spanned(doc.text, star, "stage") == "簽約"
    assert spanned(doc.text, star, "project_type") == "總部"
    assert star.record["district_code"] == "310104"


def test_it_reads_gbk_and_big5_files() -> None:
    gbk = services.ingest_document(data=SIGNING_NEWS.encode("gbk"), name="gbk.txt")
    big5 = services.ingest_document(data=HANT_NEWS.encode("big5"), name="big5.txt")
    assert gbk.document.text == SIGNING_NEWS
    assert big5.document.text == HANT_NEWS
    assert big5.document.file_name == "big5.txt"


@pytest.mark.parametrize(
    ("data", "name", "error"),
    [
        (b"", "empty.txt", EmptyInputError),
        (b"   \n\t ", "blank.txt", EmptyInputError),
        (b"\x00\x01\x02binary\x00" * 50, "blob.txt", BinaryInputError),
        (b"x" * (10 * 1024 * 1024 + 1), "huge.txt", InputTooLargeError),
        (b"PK\x03\x04 not really a zip", "broken.docx", ExtractError),
        (b"hello", "photo.png", ExtractError),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(data: bytes, name: str, error: type) -> None:
    with pytest.raises(error):
        services.ingest_document(data=data, name=name)
    assert SourceDocument.objects.count() == 0
    assert Candidate.objects.count() == 0


def test_a_twenty_megabyte_paste_is_refused() -> None:
    with pytest.raises(InputTooLargeError):
        services.ingest_document(text="投资" * (20 * 1024 * 1024 // 6))
    assert SourceDocument.objects.count() == 0


def test_a_text_too_long_for_the_extractor_is_refused_before_saving() -> None:
    from ingest.extract.pipeline import MAX_CHARS

    text = "招商" * (MAX_CHARS // 2 + 1)  # well under 10 MB, over the extractor's limit
    with pytest.raises(InputTooLargeError):
        services.ingest_document(text=text)
    assert SourceDocument.objects.count() == 0


def test_undecodable_bytes_are_refused_or_read_but_never_half_saved() -> None:
    garbage = bytes(range(0x80, 0x100)) * 40
    try:
        result = services.ingest_document(data=garbage, name="odd.txt")
    except (DecodingError, BinaryInputError):
        assert SourceDocument.objects.count() == 0
    else:  # decoded as something: stored whole, with its candidates
        assert result.document.text
        assert SourceDocument.objects.count() == 1


def test_html_scripts_and_styles_are_dropped() -> None:
    html = (
        "<html><head><title>签约快讯</title><style>body{color:red}</style>"
        "<script>var secret = '恶意脚本';</script></head><body>"
        + "<script>alert(1)</script>" * 500
        + "<p>{}</p></body></html>".format(SIGNING_NEWS.replace("\n", "</p><p>"))
    )
    doc = services.ingest_document(data=html.encode("utf-8"), name="page.html").document
    assert "恶意脚本" not in doc.text and "alert" not in doc.text and "color:red" not in doc.text
    assert doc.candidates.filter(kind=Candidate.Kind.PROJECT).count() == 2


# ---- accept ----------------------------------------------------------------------------------


def test_accepting_creates_the_project_company_and_evidence(personas: dict[str, Any]) -> None:
    result = ingest(published_on=dt.date(2026, 3, 18))
    yunxiu = candidate(result, "云岫")
    outcome = services.accept_candidate(yunxiu, user=personas["analyst"])
    project = outcome.project
    assert outcome.created and outcome.company_created
    assert project is not None
    assert project.investor is not None
    assert project.investor.name_zh_hans == "云岫智能装备股份有限公司"
    assert project.amount_cny == Decimal("1250000000.00")
    assert project.amount_text == "12.5亿元"
    assert project.currency == "CNY"
    assert project.district is not None and project.district.code == "310114"
    assert project.stage.code == "signed"
    assert project.signed_on == dt.date(2026, 3, 18)
    assert project.business_activity is not None
    assert project.business_activity.code == "manufacturing"
    assert project.lead_source == "news"
    assert project.stage_changes.count() == 1

    text = result.document.text
    rows = {e.field: e for e in Evidence.objects.filter(project=project)}
    assert set(rows) >= {"project", "investor", "amount_cny", "district", "stage"}
    assert text[rows["amount_cny"].start : rows["amount_cny"].end] == "12.5亿元"
    assert text[rows["district"].start : rows["district"].end] == "嘉定区"
    assert text[rows["investor"].start : rows["investor"].end] == "云岫智能装备股份有限公司"
    assert rows["investor"].company == project.investor
    assert "12.5亿元" in rows["amount_cny"].sentence

    yunxiu.refresh_from_db()
    assert yunxiu.status == Candidate.Status.ACCEPTED
    assert yunxiu.project == project
    assert yunxiu.reviewed_by == personas["analyst"]
    assert yunxiu.reviewed_at is not None


def test_it_links_an_existing_company_by_alias_or_other_script(personas: dict[str, Any]) -> None:
    existing = make_company("星澜光电科技有限公司", aliases=["星澜光电"])
    result = ingest(HANT_NEWS)  # written 星瀾光電科技有限公司 in Traditional characters
    star = result.document.candidates.get()
    assert star.record["known_company_id"] == existing.pk
    outcome = services.accept_candidate(star, user=personas["analyst"])
    assert outcome.project is not None and outcome.project.investor == existing
    assert not outcome.company_created
    assert Company.objects.count() == 1


def test_it_links_a_company_registered_after_the_document_was_read(
    personas: dict[str, Any],
) -> None:
    result = ingest()
    existing = make_company("云岫智能装备有限公司")  # differs only in the legal suffix
    outcome = services.accept_candidate(candidate(result, "云岫"), user=personas["analyst"])
    assert outcome.project is not None and outcome.project.investor == existing
    assert not outcome.company_created


def test_a_merged_company_resolves_to_its_survivor(personas: dict[str, Any]) -> None:
    survivor = make_company("云岫智能集团有限公司")
    merged = make_company("云岫智能装备股份有限公司", duplicate_of=survivor)
    assert services.link_company("云岫智能装备股份有限公司", merged.pk) == survivor


def test_it_offers_the_existing_project_instead_of_a_duplicate(personas: dict[str, Any]) -> None:
    investor = make_company("青禾生物医药(上海)有限公司")
    existing = make_project(
        "青禾研发中心",
        investor=investor,
        district="310104",
        stage="signed",
        amount_cny=Decimal("310000000"),
        signed_on=dt.date(2026, 1, 10),
    )
    result = ingest(FOLLOW_UP_NEWS, published_on=dt.date(2026, 4, 2))
    qinghe = result.document.candidates.get()
    offered = services.accept_candidate(qinghe, user=personas["analyst"])
    assert offered.needs_choice
    assert [d.project_id for d in offered.duplicates] == [existing.pk]
    assert Project.objects.count() == 1
    qinghe.refresh_from_db()
    assert qinghe.status == Candidate.Status.NEW  # nothing written yet

    updated = services.accept_candidate(qinghe, user=personas["analyst"], into=existing)
    assert updated.project == existing and not updated.created
    existing.refresh_from_db()
    assert existing.stage.code == "construction"  # 开工 moves the stage forward
    assert existing.construction_on == dt.date(2026, 4, 2)
    assert existing.amount_cny == Decimal("310000000")  # kept, and the difference reported
    assert any("3亿元" in str(n) for n in updated.notes)
    assert Project.objects.count() == 1
    assert Evidence.objects.filter(project=existing, field="stage").exists()


def test_the_reviewer_may_create_a_new_project_anyway(personas: dict[str, Any]) -> None:
    investor = make_company("青禾生物医药(上海)有限公司")
    make_project("青禾研发中心", investor=investor, amount_cny=Decimal("300000000"))
    qinghe = ingest(FOLLOW_UP_NEWS).document.candidates.get()
    outcome = services.accept_candidate(qinghe, user=personas["analyst"], allow_duplicate=True)
    assert outcome.created
    assert Project.objects.filter(investor=investor).count() == 2


def test_an_officer_cannot_accept_a_project_outside_their_district(
    personas: dict[str, Any],
) -> None:
    result = ingest()
    with pytest.raises(PermissionDenied):
        services.accept_candidate(candidate(result, "云岫"), user=personas["officer_xuhui"])
    assert Project.objects.count() == 0
    assert Company.objects.filter(name_zh_hans__startswith="云岫").count() == 0
    assert Candidate.objects.get(pk=candidate(result, "云岫").pk).status == Candidate.Status.NEW
    # ... while the 徐汇 candidate of the same article is theirs to accept.
    outcome = services.accept_candidate(candidate(result, "青禾"), user=personas["officer_xuhui"])
    assert outcome.project is not None and outcome.project.district is not None
    assert outcome.project.district.code == "310104"


@pytest.mark.parametrize("persona", ["viewer", "partner"])
def test_readers_and_partners_cannot_review(personas: dict[str, Any], persona: str) -> None:
    result = ingest()
    with pytest.raises(PermissionDenied):
        services.accept_candidate(candidate(result, "青禾"), user=personas[persona])
    with pytest.raises(PermissionDenied):
        services.reject_candidate(candidate(result, "青禾"), user=personas[persona])
    assert Project.objects.count() == 0


def test_a_candidate_is_reviewed_once(personas: dict[str, Any]) -> None:
    qinghe = candidate(ingest(), "青禾")
    services.accept_candidate(qinghe, user=personas["analyst"])
    with pytest.raises(services.ReviewError):
        services.accept_candidate(qinghe, user=personas["analyst"])
    with pytest.raises(services.ReviewError):
        services.reject_candidate(qinghe, user=personas["analyst"])
    assert Project.objects.count() == 1


def test_edited_values_win_and_only_kept_values_get_evidence(personas: dict[str, Any]) -> None:
    result = ingest(published_on=dt.date(2026, 3, 18))
    qinghe = candidate(result, "青禾")
    fields = dict(services.propose(qinghe).fields)
    fields["amount_cny"] = Decimal("350000000.00")
    fields["name"] = "青禾创新药研发中心"
    outcome = services.accept_candidate(
        qinghe,
        user=personas["analyst"],
        fields=fields,
        new_investor_name="青禾生物医药(上海)有限公司",
    )
    project = outcome.project
    assert project is not None
    assert project.name == "青禾创新药研发中心"
    assert project.amount_cny == Decimal("350000000.00")
    qinghe.refresh_from_db()
    assert qinghe.status == Candidate.Status.EDITED
    evidence_fields = set(Evidence.objects.filter(project=project).values_list("field", flat=True))
    assert "amount_cny" not in evidence_fields  # the news does not say 3.5亿
    assert "district" in evidence_fields


def test_rejecting_marks_the_candidate_and_finishes_the_document(
    personas: dict[str, Any],
) -> None:
    result = ingest()
    for c in result.document.candidates.all():
        services.reject_candidate(c, user=personas["officer_xuhui"], note="不是招商项目")
    doc = SourceDocument.objects.get(pk=result.document.pk)
    assert doc.status == SourceDocument.Status.REVIEWED
    assert set(doc.candidates.values_list("status", flat=True)) == {Candidate.Status.REJECTED}
    assert doc.candidates.first().review_note == "不是招商项目"  # type: ignore[union-attr]
    assert Project.objects.count() == 0


# ---- aggregates ------------------------------------------------------------------------------


def make_event(name: str = "春季集中签约", **fields: Any) -> Event:
    return Event.objects.create(
        name=name, kind=Event.Kind.SIGNING, date=dt.date(2026, 3, 18), **fields
    )


def test_an_aggregate_sets_the_events_announced_figures(personas: dict[str, Any]) -> None:
    result = ingest()
    event = make_event()
    outcome = services.attach_aggregate(aggregate(result), user=personas["analyst"], event=event)
    event.refresh_from_db()
    assert event.announced_project_count == 15
    assert event.announced_total_cny == Decimal("28600000000.00")
    assert "286亿元" in event.announced_total_text
    rows = Evidence.objects.filter(event=event)
    assert {r.field for r in rows} == {"announced_project_count", "announced_total_cny"}
    assert all(result.document.text[r.start : r.end].startswith("当天共有15个项目") for r in rows)
    assert outcome.candidate.event == event
    assert outcome.candidate.status == Candidate.Status.ACCEPTED


def test_different_announced_figures_are_kept_unless_replaced(personas: dict[str, Any]) -> None:
    event = make_event(announced_project_count=14)
    outcome = services.attach_aggregate(aggregate(ingest()), user=personas["analyst"], event=event)
    event.refresh_from_db()
    assert event.announced_project_count == 14
    assert any("15" in str(n) for n in outcome.notes)


def test_an_aggregate_can_create_its_event(personas: dict[str, Any]) -> None:
    new = Event(name="嘉定集中签约", kind=Event.Kind.SIGNING, date=dt.date(2026, 3, 18))
    outcome = services.attach_aggregate(
        aggregate(ingest()), user=personas["analyst"], new_event=new
    )
    assert outcome.event.pk is not None
    assert outcome.event.announced_project_count == 15


def test_projects_accepted_later_default_to_the_attached_event(personas: dict[str, Any]) -> None:
    result = ingest(published_on=dt.date(2026, 3, 18))
    event = make_event()
    services.attach_aggregate(aggregate(result), user=personas["analyst"], event=event)
    outcome = services.accept_candidate(candidate(result, "青禾"), user=personas["analyst"])
    assert outcome.project is not None and outcome.project.signing_event == event


def test_attaching_links_the_projects_already_accepted_from_the_article(
    personas: dict[str, Any],
) -> None:
    result = ingest(published_on=dt.date(2026, 3, 18))
    earlier = make_event()
    analyst = personas["analyst"]
    signed_elsewhere = services.accept_candidate(candidate(result, "云岫"), user=analyst)
    assert signed_elsewhere.project is not None
    signed_elsewhere.project.signing_event = earlier
    signed_elsewhere.project.save()
    plain = services.accept_candidate(candidate(result, "青禾"), user=personas["analyst"])
    event = make_event(name="另一场签约活动")
    outcome = services.attach_aggregate(aggregate(result), user=personas["analyst"], event=event)
    assert plain.project is not None
    plain.project.refresh_from_db()
    signed_elsewhere.project.refresh_from_db()
    assert plain.project.signing_event == event
    assert signed_elsewhere.project.signing_event == earlier  # credited to its first event
    assert any("1" in str(n) for n in outcome.notes)


ENGLISH_NEWS = (
    "Kestrel Robotics GmbH, a German maker of industrial robots, will invest $120 million in a "
    "new manufacturing plant in Songjiang District, the company said on Tuesday.\n"
)


def test_an_english_article_keeps_its_currency_and_finds_the_district_by_name(
    personas: dict[str, Any],
) -> None:
    result = ingest(ENGLISH_NEWS, published_on=dt.date(2026, 5, 12))
    kestrel = result.document.candidates.get()
    assert spanned(result.document.text, kestrel, "project_type") == "manufacturing"
    outcome = services.accept_candidate(kestrel, user=personas["analyst"])
    project = outcome.project
    assert project is not None and project.investor is not None
    assert project.investor.name_en == "Kestrel Robotics GmbH"
    assert (project.amount_original, project.currency) == (Decimal("120000000.00"), "USD")
    assert project.amount_cny is None  # no exchange rates: the reviewer enters the yuan amount
    assert any("USD" in str(n) for n in outcome.notes)
    assert project.district is not None and project.district.code == "310117"
    assert project.stage.code == "negotiating"  # "will invest": planned, not signed
