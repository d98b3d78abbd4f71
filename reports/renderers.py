"""Render a Bulletin as Markdown, HTML, DOCX (python-docx) or PDF (Chromium headless).

The PDF is the HTML printed by Debian's Chromium, so Chinese text uses the system's Noto CJK
fonts (fonts-noto-cjk); no browser is downloaded.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.template.loader import render_to_string

from reports.bulletin import Bulletin

FORMATS = ("md", "html", "docx", "pdf")
CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


class RenderError(RuntimeError):
    """The document could not be produced (e.g. no Chromium for PDF)."""


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(b: Bulletin) -> str:
    out = ["# {}".format(b.title), "", "*{}*".format(b.subtitle), "", b.lead, ""]
    for section in b.sections:
        out += ["## {}".format(section.heading), ""]
        for paragraph in section.paragraphs:
            out += [paragraph, ""]
        for table in section.tables:
            out += ["**{}**".format(table.title), ""]
            out.append("| " + " | ".join(_md_cell(c) for c in table.columns) + " |")
            out.append("|" + "---|" * len(table.columns))
            for row in table.rows:
                out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
            out.append("")
    out += ["---", "", "<small>{}</small>".format(b.footnote), ""]
    return "\n".join(out)


def html_lang(b: Bulletin) -> str:
    return {"zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "en": "en"}[b.language]


def to_html(b: Bulletin, standalone: bool = True) -> str:
    return render_to_string(
        "reports/bulletin_document.html",
        {"b": b, "lang": html_lang(b), "standalone": standalone},
    )


def to_docx(b: Bulletin) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.font.size = Pt(11)
    # East Asian text needs its own font slot or Word falls back to a Latin font.
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(
        qn("w:eastAsia"), "Noto Sans CJK TC" if b.language == "zh-Hant" else "Noto Sans CJK SC"
    )
    doc.add_heading(b.title, level=0)
    doc.add_paragraph().add_run(b.subtitle).italic = True
    doc.add_paragraph(b.lead)
    for section in b.sections:
        doc.add_heading(section.heading, level=1)
        for paragraph in section.paragraphs:
            doc.add_paragraph(paragraph)
        for table in section.tables:
            doc.add_paragraph(table.title).runs[0].bold = True
            grid = doc.add_table(rows=1, cols=len(table.columns))
            grid.style = "Light Grid Accent 1"
            for cell, text in zip(grid.rows[0].cells, table.columns, strict=True):
                cell.text = text
            for row in table.rows:
                cells = grid.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
    foot = doc.add_paragraph(b.footnote)
    for run in foot.runs:
        run.font.size = Pt(8)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RenderError("PDF needs Chromium (apt-get install chromium fonts-noto-cjk)")


def html_to_pdf(html: str, timeout: int = 90) -> bytes:
    """Print `html` to PDF with Chromium headless (no network: the HTML is self-contained)."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="bulletin-") as tmp:
        src = Path(tmp) / "bulletin.html"
        out = Path(tmp) / "bulletin.pdf"
        src.write_text(html, encoding="utf-8")
        cmd = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-pdf-header-footer",
            "--user-data-dir={}".format(Path(tmp) / "profile"),
            "--print-to-pdf={}".format(out),
            src.as_uri(),
        ]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            stderr = getattr(exc, "stderr", b"") or b""
            raise RenderError(
                "Chromium could not print the bulletin: {}".format(stderr.decode()[-500:])
            ) from exc
        if not out.exists() or out.stat().st_size == 0:
            raise RenderError("Chromium wrote no PDF")
        return out.read_bytes()


def to_pdf(b: Bulletin) -> bytes:
    return html_to_pdf(to_html(b))


def render(b: Bulletin, fmt: str) -> bytes:
    if fmt == "md":
        return to_markdown(b).encode("utf-8")
    if fmt == "html":
        return to_html(b).encode("utf-8")
    if fmt == "docx":
        return to_docx(b)
    if fmt == "pdf":
        return to_pdf(b)
    raise ValueError("unknown format {!r}; expected one of {}".format(fmt, ", ".join(FORMATS)))
