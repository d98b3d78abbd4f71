"""Output helpers: JSONL records in the scorer's format, a text table, and file extraction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from .companies import KnownCompany
from .loader import load_document
from .pipeline import ExtractionResult, extract


def _num(v: Decimal | None) -> int | float | None:
    """JSON number for a Decimal: an int when integral (amounts are whole currency units)."""
    if v is None:
        return None
    if v == v.to_integral_value():
        return int(v)
    return float(v)


def to_jsonl_records(result: ExtractionResult, document: str | None = None) -> list[dict[str, Any]]:
    """Dicts in the format ``score.py`` reads (one per project or aggregate)."""
    doc = document if document is not None else result.document
    out: list[dict[str, Any]] = []
    for p in result.projects:
        out.append(
            {
                "document": doc,
                "kind": "project",
                "investor": p.investor,
                "investor_inferred": p.investor_inferred,
                "known_company_id": p.known_company_id,
                "amount": _num(p.amount),
                "currency": p.currency,
                "amount_text": p.amount_text,
                "amount_qualifier": p.amount_qualifier,
                "amount_cny": _num(p.amount) if p.currency == "CNY" else None,
                "location": p.location,
                "district_code": p.district_code,
                "industry": p.industry,
                "industry_text": p.industry_text,
                "project_type": p.project_type,
                "stage": p.stage,
                "stage_text": p.stage_text,
                "jobs": p.jobs,
                "evidence": {"start": p.evidence[0], "end": p.evidence[1]},
                "spans": {
                    "investor": list(p.investor_span) if p.investor_span else None,
                    "amount": list(p.amount_span) if p.amount_span else None,
                    "location": list(p.location_span) if p.location_span else None,
                },
                "confidence": p.confidence,
            }
        )
    for a in result.aggregates:
        out.append(
            {
                "document": doc,
                "kind": "aggregate",
                "count": a.count,
                "total": _num(a.total),
                "currency": a.currency,
                "qualifier": a.qualifier,
                "scope": a.scope,
                "text": a.text,
                "evidence": {"start": a.span[0], "end": a.span[1]},
                "confidence": a.confidence,
            }
        )
    return out


def extract_files(
    paths: Iterable[str | Path], known_companies: Sequence[KnownCompany] | None = None
) -> Iterator[dict[str, Any]]:
    """Load and extract each file; yields score.py-format records (document = file stem)."""
    for path in paths:
        p = Path(path)
        doc = load_document(p)
        res = extract(
            doc.text, document=p.stem, known_companies=known_companies, language=doc.language
        )
        yield from to_jsonl_records(res, p.stem)


def _fmt_amount(v: Any, cur: Any, q: Any) -> str:
    if v is None:
        return ""
    qs = {"over": ">", "nearly": "~<", "approx": "~", "at_least": ">="}.get(str(q), "")
    return f"{qs}{v:,} {cur or ''}".strip()


def format_table(records: Iterable[dict[str, Any]]) -> str:
    """A plain-text table of records for the terminal (CJK-aware column widths)."""
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

    def pad(s: str, w: int) -> str:
        s = s if width(s) <= w else _cut(s, w)
        return s + " " * (w - width(s))

    def _cut(s: str, w: int) -> str:
        out = ""
        for c in s:
            if width(out + c) > w - 1:
                return out + "…"
            out += c
        return out

    head = ["doc", "kind", "investor / count", "amount", "location", "stage", "conf"]
    widths = [6, 9, 30, 24, 22, 10, 5]
    lines = ["  ".join(pad(h, w) for h, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for r in records:
        if r.get("kind") == "aggregate":
            cells = [
                str(r.get("document", "")),
                "aggregate",
                f"{r.get('count')} projects",
                _fmt_amount(r.get("total"), r.get("currency"), r.get("qualifier")),
                "",
                str(r.get("scope") or ""),
                f"{r.get('confidence', '')}",
            ]
        else:
            cells = [
                str(r.get("document", "")),
                "project",
                str(r.get("investor") or "(unnamed)"),
                _fmt_amount(r.get("amount"), r.get("currency"), r.get("amount_qualifier")),
                str(r.get("location") or ""),
                str(r.get("stage") or ""),
                f"{r.get('confidence', '')}",
            ]
        lines.append("  ".join(pad(c, w) for c, w in zip(cells, widths, strict=True)))
    return "\n".join(lines)
