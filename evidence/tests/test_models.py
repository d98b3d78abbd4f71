from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evidence.models import Evidence, SourceDocument, content_hash
from testing.factories import make_project

pytestmark = pytest.mark.django_db


def make_document(text: str = "某某公司拟投资10亿元在徐汇建设研发中心。") -> SourceDocument:
    return SourceDocument.objects.create(text=text, language="zh-hans", publisher="测试")


def test_the_content_hash_identifies_the_text() -> None:
    document = make_document()
    assert document.content_hash == content_hash(document.text)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_document()  # same text twice is one document


def test_evidence_points_into_the_document() -> None:
    document = make_document()
    project = make_project()
    start = document.text.index("10亿元")
    evidence = Evidence(
        document=document,
        project=project,
        field="amount",
        value="10亿元",
        start=start,
        end=start + 4,
        sentence=document.text,
        extractor="rules-v1",
        confidence=0.9,
    )
    evidence.full_clean()
    evidence.save()
    assert document.text[evidence.start : evidence.end] == "10亿元"


def test_it_rejects_spans_outside_the_text_and_bad_confidence() -> None:
    document = make_document()
    evidence = Evidence(
        document=document,
        field="amount",
        start=5,
        end=500,
        sentence="x",
        extractor="rules-v1",
        confidence=1.5,
    )
    with pytest.raises(ValidationError) as err:
        evidence.full_clean()
    assert {"end", "confidence"} <= set(err.value.message_dict)
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            document=document, field="x", start=5, end=5, sentence="", extractor="t", confidence=1
        )
