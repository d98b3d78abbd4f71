"""The bulletin: numbers computed from the data, per viewer, in three languages, four formats."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from analytics import counting, rollup
from events.models import Event
from reports import bulletin, renderers
from testing.analytics import TODAY, personas, two_districts

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    people = personas()
    projects = two_districts()
    event = Event.objects.create(
        name="2024年浦东重点项目集中签约",
        kind="signing",
        date=dt.date(2024, 2, 10),
        announced_project_count=4,
        announced_total_cny=counting.YI * 200,
    )
    for key in ("pd_big", "pd_estimated", "pd_expansion"):
        projects[key].signing_event = event
        projects[key].save()
    rollup.rebuild()
    return {**people, **projects, "event": event}


def opts(**kw: Any) -> counting.Options:
    return counting.Options(period=counting.parse_period("2024Q1"), today=TODAY, **kw)


def test_the_municipal_bulletin_states_counts_totals_and_change(world: dict[str, Any]) -> None:
    b = bulletin.build(world["analyst"], opts(), "zh-Hans")
    assert b.title == "2024年一季度招商引资工作简报"
    # 30 + 120 + 5 + 3 (increment of the expansion) = 158亿 in 4 major projects; 0.5亿 is not.
    assert "上海共有4个亿元以上重点招商项目签约落地，总投资158亿元" in b.lead
    assert "全部签约项目5个，总投资158.5亿元" in b.lead
    assert "项目数同比增长400.0%" in b.lead  # 5 against 1 last year
    assert b.facts["signed_count"] == 5
    text = renderers.to_markdown(b)
    assert "浦东新区（3个、128亿元）" in text
    assert "2024年浦东重点项目集中签约" in text


def test_a_district_officers_bulletin_shows_only_their_district(world: dict[str, Any]) -> None:
    b = bulletin.build(world["officer_xuhui"], opts(), "zh-Hans")
    text = renderers.to_markdown(b)
    assert "统计范围：徐汇区" in text
    assert "徐汇区共有1个亿元以上重点招商项目签约落地，总投资30亿元" in b.lead
    assert "浦东" not in text
    assert "百亿" not in text


def test_the_threshold_and_estimated_toggle_change_the_text(world: dict[str, Any]) -> None:
    b = bulletin.build(
        world["analyst"], opts(include_estimated=False, major_threshold=counting.YI * 10), "zh-Hans"
    )
    assert "2个10亿元以上重点招商项目签约落地，总投资150亿元" in b.lead
    assert "估算金额未计入" in b.footnote


def test_traditional_and_english_bulletins(world: dict[str, Any]) -> None:
    hant = bulletin.build(world["analyst"], opts(), "zh-Hant")
    assert hant.title == "2024年一季度招商引資工作簡報"
    assert "總投資158億元" in hant.lead
    en = bulletin.build(world["analyst"], opts(), "en")
    assert en.title == "Investment Promotion Bulletin, Q1 2024"
    assert "Shanghai signed 4 major investment projects" in en.lead
    assert "RMB 15.8 billion" in en.lead
    with pytest.raises(ValueError):
        bulletin.build(world["analyst"], opts(), "fr")


def test_markdown_html_and_docx_render(world: dict[str, Any]) -> None:
    b = bulletin.build(world["analyst"], opts(), "zh-Hans")
    html = renderers.render(b, "html").decode()
    assert '<html lang="zh-CN">' in html and "总投资158亿元" in html
    docx = renderers.render(b, "docx")
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        assert "总投资158亿元" in z.read("word/document.xml").decode()


def poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    """Run one of poppler-utils' tools (pdftotext, pdfinfo, pdffonts) on `pdf`."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: apt-get install poppler-utils (README, requirements)")
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize(
    ("language", "title", "district", "amount", "font"),
    [
        (
            "zh-Hans",
            "2024年一季度招商引资工作简报",
            "浦东新区",
            "总投资158亿元",
            "Noto-Sans-CJK-SC",
        ),
        (
            "zh-Hant",
            "2024年一季度招商引資工作簡報",
            "浦東新區",
            "總投資158億元",
            "Noto-Sans-CJK-TC",
        ),
        ("en", "Investment Promotion Bulletin, Q1 2024", "Pudong", "RMB 15.8 billion", "Noto-Sans"),
    ],
)
def test_the_pdf_is_a4_with_the_text_and_subset_fonts(
    world: dict[str, Any],
    tmp_path: Path,
    language: str,
    title: str,
    district: str,
    amount: str,
    font: str,
) -> None:
    pdf = renderers.render(bulletin.build(world["analyst"], opts(), language), "pdf")
    assert pdf.startswith(b"%PDF")
    text = poppler("pdftotext", pdf, tmp_path, "-enc", "UTF-8")
    flat = " ".join(text.split()) if language == "en" else "".join(text.split())
    for expected in (title, district, amount):
        assert ("".join(expected.split()) if language != "en" else expected) in flat
    info = poppler("pdfinfo", pdf, tmp_path)
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    count = re.search(r"^Pages:\s+(\d+)$", info, re.M)
    assert count is not None, info
    pages = int(count[1])
    for page in range(1, pages + 1):  # "n / pages" in each page's footer
        assert re.search(rf"^\s*{page}\s*/\s*{pages}\s*$", text, re.M), text
    fonts = [line.split() for line in poppler("pdffonts", pdf, tmp_path).splitlines()[2:]]
    assert fonts, "no font in the PDF"
    for row in fonts:
        # name: a subset tag (ABCDEF+) then the font; emb, sub, uni: yes yes yes
        assert re.match(r"^[A-Z]{6}\+", row[0]) and row[-5:-2] == ["yes", "yes", "yes"], row
    assert all(row[0].split("+", 1)[1].startswith(font) for row in fonts), fonts


def test_the_pdf_loads_no_external_resource() -> None:
    html = '<html><body><img src="file:///etc/passwd"><p>x</p></body></html>'
    with pytest.raises(ValueError, match="no external resource"):
        renderers._refuse_fetch("file:///etc/passwd")
    pdf = renderers.html_to_pdf(html)  # the image is dropped, the page still renders
    assert pdf.startswith(b"%PDF")


def test_a_layout_failure_is_a_render_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint

    def broken(self: Any, *args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    with pytest.raises(renderers.RenderError, match="could not be laid out as PDF: no fonts"):
        renderers.html_to_pdf("<p>x</p>")


def test_the_command_writes_a_file_and_rejects_bad_input(
    world: dict[str, Any], tmp_path: Any
) -> None:
    out = tmp_path / "b.md"
    call_command("bulletin", period="2024Q1", lang="zh-Hans", format="md", output=str(out))
    assert "一季度" in out.read_text()
    call_command("bulletin", "--period", "2024Q1", "--user", "officer_xh", "--output", str(out))
    assert "浦东" not in out.read_text()
    with pytest.raises(CommandError, match="unknown period"):
        call_command("bulletin", period="2024Q9")
    with pytest.raises(CommandError, match="unknown user"):
        call_command("bulletin", period="2024Q1", user="ghost")


def test_the_web_page_and_downloads(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["officer_pudong"])
    page = client.get("/reports/", {"period": "2024Q1", "lang": "zh-Hans"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "浦东新区" in body and "徐汇大项目" not in body
    md = client.get("/reports/bulletin/", {"period": "2024Q1", "format": "md"})
    assert '.md"; filename*=UTF-8' in md["Content-Disposition"]
    assert client.get("/reports/", {"period": "nonsense"}).status_code == 400
    assert Client().get("/reports/").status_code == 302  # login first
