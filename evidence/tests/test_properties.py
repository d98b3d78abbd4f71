"""Properties: the highlighted text is always the escaped original; ingest never half-saves."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.models import Candidate, SourceDocument
from evidence.services import ingest_document
from evidence.views import FIELD_LABELS, highlighted
from ingest.extract import ExtractError

TAG = re.compile(r"<[^>]*>")
FIELDS = [name for name in FIELD_LABELS if name != "evidence"]


@st.composite
def text_and_candidates(draw: Any) -> tuple[str, list[Candidate]]:
    text = draw(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
    n = len(text)
    candidates = []
    for pk in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, n))
        end = draw(st.integers(start, n))
        spans = {}
        for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
            a = draw(st.integers(-2, n + 2))
            spans[name] = [a, draw(st.integers(a - 1, n + 3))]
        status = draw(st.sampled_from(Candidate.Status.values))
        candidates.append(
            Candidate(pk=pk + 1, start=start, end=end, spans=spans, status=status, ordinal=pk)
        )
    return text, candidates


@given(text_and_candidates())
@settings(max_examples=300, deadline=None)
def test_highlighting_never_changes_or_unescapes_the_text(
    case: tuple[str, list[Candidate]],
) -> None:
    text, candidates = case
    rendered = str(highlighted(text, candidates))
    assert html.unescape(TAG.sub("", rendered)) == text
    # Every tag in the output is one of ours: the text itself cannot open a tag.
    assert {t.split()[0] for t in re.findall(r"<(/?\w+)", rendered)} <= {
        "mark",
        "/mark",
        "span",
        "/span",
    }


@pytest.mark.django_db
@given(st.one_of(st.binary(max_size=400), st.text(max_size=300).map(str.encode)))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_ingest_either_stores_everything_or_nothing(data: bytes) -> None:
    before = SourceDocument.objects.count(), Candidate.objects.count()
    try:
        result = ingest_document(data=data, name="fuzz.txt")
    except ExtractError:
        assert (SourceDocument.objects.count(), Candidate.objects.count()) == before
        return
    doc = result.document
    assert doc.pk is not None and doc.text
    for c in doc.candidates.all():
        assert 0 <= c.start <= c.end <= len(doc.text)
        for span in c.spans.values():
            assert 0 <= span[0] < span[1] <= len(doc.text)
