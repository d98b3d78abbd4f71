"""Render a Bulletin as Markdown, HTML, DOCX (python-docx) or PDF (WeasyPrint).

The PDF is the same HTML laid out by WeasyPrint on A4 pages (page numbers in the footer),
with Debian's Pango and the system's Noto CJK fonts (fonts-noto-cjk): Noto Sans CJK SC for
simplified Chinese and English, TC for traditional. No browser is involved.
"""

from __future__ import annotations

import io
from typing import Any

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
    """The document could not be produced (e.g. no Pango for PDF)."""


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


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint's URL fetcher for bulletins: the HTML is self-contained (inline style, system
    fonts through fontconfig), so any URL, local file or remote, is refused."""
    raise ValueError("bulletin PDFs load no external resource ({})".format(url[:80]))


def html_to_pdf(html: str) -> bytes:
    """Lay `html` out on A4 pages with WeasyPrint (Pango, fontconfig: Debian's system fonts,
    Noto CJK for Chinese) and return the PDF; the fonts are embedded as subsets."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # the Python package is there, Debian's Pango is not
        raise RenderError(
            "PDF needs Pango (apt-get install libpango-1.0-0 libpangoft2-1.0-0): {}".format(exc)
        ) from exc
    try:
        pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    except Exception as exc:  # WeasyPrint raises many kinds; the caller needs one
        raise RenderError("the bulletin could not be laid out as PDF: {}".format(exc)) from exc
    if not pdf:
        raise RenderError("WeasyPrint wrote no PDF")
    return bytes(pdf)


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
