"""The news commands end to end: extract (no database), ingest (idempotent), eval (score.py)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evidence.models import Candidate, SourceDocument
from ingest.extract.evaluate import DEFAULT_SCORER
from testing.news import HANT_NEWS, SIGNING_NEWS


def run(*args: str, stdin: bytes | None = None, monkeypatch: Any = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a01.txt").write_text(SIGNING_NEWS, encoding="utf-8")
    (folder / "a02.txt").write_bytes(HANT_NEWS.encode("big5"))
    return folder


# ---- extract: prints, never touches the database (no django_db mark: any query would fail) -----


def test_extract_prints_score_py_records_per_file(articles: Path) -> None:
    out, _err = run("extract", str(articles / "a01.txt"), str(articles / "a02.txt"))
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["document"] for r in records] == ["a01", "a01", "a01", "a02"]
    assert [r["kind"] for r in records] == ["project", "project", "aggregate", "project"]
    yunxiu = records[0]
    assert yunxiu["investor"] == "云岫智能装备股份有限公司"
    assert yunxiu["amount"] == 1250000000 and yunxiu["currency"] == "CNY"
    assert yunxiu["district_code"] == "310114" and yunxiu["stage"] == "signed"
    start, end = yunxiu["evidence"]["start"], yunxiu["evidence"]["end"]
    assert "12.5亿元" in SIGNING_NEWS[start:end]
    assert records[2]["count"] == 15 and records[2]["total"] == 28600000000
    assert records[3]["district_code"] == "310104"  # read from Big5


def test_extract_prints_a_table(articles: Path) -> None:
    out, _err = run("extract", "--format", "table", str(articles / "a01.txt"))
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["doc", "kind", "investor"]
    assert any("云岫智能装备股份有限公司" in line and "1,250,000,000 CNY" in line for line in lines)
    assert any("aggregate" in line and "15 projects" in line for line in lines)


def test_extract_reads_standard_input(monkeypatch: Any) -> None:
    out, _err = run("extract", "-", stdin=SIGNING_NEWS.encode("utf-8"), monkeypatch=monkeypatch)
    assert json.loads(out.splitlines()[0])["document"] == "stdin"


def test_extract_reports_bad_files_and_still_prints_the_good_ones(
    tmp_path: Path, articles: Path
) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blob.txt").write_bytes(b"\x00\xff\x00" * 100)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="3 of 4"):
        call_command(
            "extract",
            str(tmp_path / "empty.txt"),
            str(articles / "a01.txt"),
            str(tmp_path / "blob.txt"),
            str(tmp_path / "missing.txt"),
            stdout=out,
            stderr=err,
        )
    assert len(out.getvalue().splitlines()) == 3


# ---- ingest ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ingest_stores_each_file_once(articles: Path) -> None:
    files = [str(articles / "a01.txt"), str(articles / "a02.txt")]
    out, _err = run("ingest", *files, "--published-on", "2026-03-18")
    assert "stored as document" in out and out.count("stored as") == 2
    assert SourceDocument.objects.count() == 2
    assert Candidate.objects.count() == 4
    doc = SourceDocument.objects.get(file_name="a01.txt")
    assert str(doc.published_on) == "2026-03-18"
    again, _err = run("ingest", str(articles / "a01.txt"))
    assert "already stored as document {}".format(doc.pk) in again
    assert SourceDocument.objects.count() == 2 and Candidate.objects.count() == 4


@pytest.mark.django_db
def test_ingest_writes_in_an_extract_change_context(articles: Path) -> None:
    run("ingest", str(articles / "a01.txt"))
    record = SourceDocument.history.get()
    assert record.change_source == "extract"
    assert record.request_id.startswith("extract-")
    assert Candidate.history.filter(change_source="extract").count() == 3


@pytest.mark.django_db
def test_ingest_reads_standard_input(monkeypatch: Any) -> None:
    out, _err = run("ingest", "-", stdin=HANT_NEWS.encode("utf-8"), monkeypatch=monkeypatch)
    assert "stored as document" in out
    assert SourceDocument.objects.get().text == HANT_NEWS


@pytest.mark.django_db
def test_ingest_refuses_bad_files_without_saving_them(tmp_path: Path, articles: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "huge.txt").write_bytes(b"a" * (20 * 1024 * 1024))
    (tmp_path / "page.html").write_text(
        "<html><script>" + "x=1;" * 10000 + "</script><body><p>" + SIGNING_NEWS + "</p></body>",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 of 4"):
        call_command(
            "ingest",
            str(tmp_path / "empty.txt"),
            str(tmp_path / "huge.txt"),
            str(tmp_path / "page.html"),
            str(articles / "a02.txt"),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "empty" in err.getvalue() and "limit" in err.getvalue()
    assert sorted(SourceDocument.objects.values_list("file_name", flat=True)) == [
        "a02.txt",
        "page.html",
    ]
    assert "x=1" not in SourceDocument.objects.get(file_name="page.html").text


def test_ingest_rejects_a_bad_date(articles: Path) -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("ingest", str(articles / "a01.txt"), "--published-on", "2026-13-01")


# ---- eval ------------------------------------------------------------------------------------


def _gold(tmp_path: Path) -> tuple[Path, Path]:
    gold = tmp_path / "gold.jsonl"
    rows = [
        {"article": "a01", "investor": "云岫智能装备股份有限公司", "amount": 1250000000,
         "currency": "CNY", "location": "嘉定区", "stage": "signed"},
        {"article": "a01", "investor": "青禾生物医药(上海)有限公司", "amount": 300000000,
         "currency": "CNY", "location": "徐汇区", "stage": "planned"},
        {"article": "a02", "investor": "星澜光电科技有限公司", "amount": 900000000,
         "currency": "CNY", "location": "徐汇区", "stage": "signed"},
        {"article": "a02", "investor": "不存在的投资有限公司", "amount": None,
         "currency": None, "location": None, "stage": None},
    ]  # fmt: skip
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    aggs = tmp_path / "aggregates.jsonl"
    aggs.write_text(
        json.dumps({"article": "a01", "count": 15, "total": 28600000000, "currency": "CNY"}),
        encoding="utf-8",
    )
    return gold, aggs


@pytest.mark.skipif(not DEFAULT_SCORER.resolve().is_file(), reason="score.py is not available")
def test_eval_prints_exactly_what_score_py_prints(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    # score.py reads the articles as UTF-8.
    (folder / "a01.txt").write_text(SIGNING_NEWS, encoding="utf-8")
    (folder / "a02.txt").write_text(HANT_NEWS, encoding="utf-8")
    gold, aggs = _gold(tmp_path)
    out, _err = run(
        "eval", "--gold", str(gold), "--aggregates", str(aggs), "--articles", str(folder)
    )
    pred = tmp_path / "pred.jsonl"
    extracted, _err = run("extract", str(folder / "a01.txt"), str(folder / "a02.txt"))
    pred.write_text(extracted, encoding="utf-8")
    official = subprocess.run(
        [sys.executable, str(DEFAULT_SCORER.resolve()), "--gold", str(gold), "--aggregates",
         str(aggs), "--articles", str(folder), "--pred", str(pred)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.strip() == official.stdout.strip()
    # 3 of 4 gold records found, none invented; one amount wrong (9亿 in gold vs 8億 in text).
    assert out.splitlines()[0].startswith("records   P=1.000 R=0.750")
    assert "aggregates P=1.000 R=1.000" in out


def test_eval_names_a_missing_input(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--gold: no such file"):
        call_command("eval", "--gold", str(tmp_path / "nope"), "--articles", str(tmp_path))
    gold, _aggs = _gold(tmp_path)
    with pytest.raises(CommandError, match="--articles: no such folder"):
        call_command("eval", "--gold", str(gold), "--articles", str(tmp_path / "none"))
