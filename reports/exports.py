"""Exports of project and company lists as XLSX or CSV, in the layout the importer reads.

Headers are the importer's own labels (with the unit in brackets), values are what the
importer resolves back (names or codes, 是/否, dates), so exporting a filtered list and
importing the file again changes nothing. Text that a spreadsheet would run as a formula
(=, +, -, @ at the start) gets a leading ' (OWASP "CSV injection"); the importer removes it.

The caller passes a queryset that already went through ``restrict(user, "export")`` and the
FilterSet; these functions only lay it out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.files import protect_download
from ingest.spreadsheet.cells import FORMULA_TRIGGERS
from ingest.spreadsheet.headers import COMPANY_COLUMNS, PROJECT_COLUMNS

WAN = Decimal(10_000)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Header suffixes the exporter writes (the importer reads the unit from them).
_UNITS = {"amount": "(万元)", "contracted_amount": "(万元)", "foreign_capital_usd": ""}


def escape_formula(value: Any) -> Any:
    """Neutralise text a spreadsheet would evaluate; numbers and dates pass unchanged."""
    if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _wan(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return (value / WAN).normalize()


def _ambiguous_names(model: Any) -> set[str]:
    from django.db.models import Count

    return set(
        model.objects.values("name_zh_hans")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("name_zh_hans", flat=True)
    )


def _ref(obj: Any, ambiguous: set[str]) -> str:
    """A reference cell: the Simplified name, or the code where the name is not unique."""
    if obj is None:
        return ""
    name = obj.name_zh_hans
    if name in ambiguous:
        return str(getattr(obj, "code", None) or getattr(obj, "slug", None) or name)
    return str(name)


def project_headers() -> list[str]:
    return [c.label + _UNITS.get(c.key, "") for c in PROJECT_COLUMNS]


def project_rows(queryset: QuerySet[Any], user: Any = None) -> Iterator[list[Any]]:
    """One list of cell values per project, in PROJECT_COLUMNS order.

    With a `user`, the investor of a confidential project they may not see is written as
    （保密）; the importer leaves the investor unchanged for that placeholder.
    """
    from accounts.policy import can_see_investor
    from ingest.engine import HIDDEN_INVESTOR
    from taxonomy.models import Industry

    ambiguous_industries = _ambiguous_names(Industry)
    qs = queryset.select_related(
        "investor",
        "district",
        "zone",
        "industry",
        "business_activity",
        "project_type",
        "stage",
        "referring_partner",
    ).order_by("pk")
    for p in qs.iterator(chunk_size=2000):
        investor = p.investor
        hidden = user is not None and p.confidential and not can_see_investor(user, p)
        values = {
            "id": p.pk,
            "external_id": p.external_id or "",
            "name": p.name,
            "investor": HIDDEN_INVESTOR[0]
            if hidden
            else (investor.name_zh_hans if investor else ""),
            "investor_credit_code": (investor.credit_code or "") if investor and not hidden else "",
            "amount": _wan(p.amount_cny),
            "currency": p.currency,
            "amount_original": p.amount_original.normalize() if p.amount_original else None,
            "amount_text": p.amount_text,
            "amount_is_estimated": _yes_no(p.amount_is_estimated),
            "contracted_amount": _wan(p.contracted_amount_cny),
            "foreign_capital_usd": _wan(p.foreign_capital_usd),
            "district": _ref(p.district, set()),
            "zone": _ref(p.zone, set()),
            "industry": _ref(p.industry, ambiguous_industries),
            "business_activity": _ref(p.business_activity, set()),
            "project_type": _ref(p.project_type, set()),
            "stage": p.stage.name_zh_hans,
            "signed_on": p.signed_on,
            "registered_on": p.registered_on,
            "construction_on": p.construction_on,
            "operating_on": p.operating_on,
            "priority": p.priority,
            "origin": p.get_origin_display() if p.origin else "",
            "source_country": p.source_country,
            "owner_unit": p.owner_unit,
            "lead_source": p.get_lead_source_display() if p.lead_source else "",
            "confidential": _yes_no(p.confidential),
            "counted_in_stats": _yes_no(p.counted_in_stats),
            "exclusion_reason": p.exclusion_reason,
            "on_hold": _yes_no(p.on_hold),
            "withdrawn": _yes_no(p.withdrawn),
            "description": p.description,
        }
        yield [values[c.key] for c in PROJECT_COLUMNS]


def company_headers() -> list[str]:
    return [c.label for c in COMPANY_COLUMNS]


def company_rows(queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    from ingest.models import ExternalRef

    qs = queryset.select_related("parent").order_by("pk")
    for c in qs.iterator(chunk_size=2000):
        ext = (
            ExternalRef.objects.filter(kind="companies", object_id=c.pk)
            .values_list("external_id", flat=True)
            .first()
        )
        values = {
            "id": c.pk,
            "external_id": ext or "",
            "name_zh_hans": c.name_zh_hans,
            "name_zh_hant": c.name_zh_hant,
            "name_en": c.name_en,
            "aliases": "、".join(c.aliases),
            "credit_code": c.credit_code or "",
            "country": c.country,
            "parent": c.parent.name_zh_hans if c.parent else "",
            "website": c.website,
            "notes": c.notes,
        }
        yield [values[col.key] for col in COMPANY_COLUMNS]


# --------------------------------------------------------------------------- writers


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        as_float = float(value)
        # A number cell only when the float holds the exact decimal; else exact text.
        return as_float if Decimal(repr(as_float)) == value else format(value, "f")
    return escape_formula(value)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(escape_formula(value))


def write_xlsx(headers: list[str], rows: Iterator[list[Any]], title: str = "") -> bytes:
    """A workbook with one sheet: the header row and the data rows, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31] or "data")
    ws.append(headers)
    for row in rows:
        cells = []
        for value in row:
            value = _xlsx_value(value)
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            elif isinstance(value, str):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # never a formula, whatever the text
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_csv(headers: list[str], rows: Iterator[list[Any]]) -> bytes:
    """UTF-8 with a BOM, so that Excel opens Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _response(data: bytes, fmt: str, stem: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{stem}-{stamp}.{fmt}"
    content_type = XLSX_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    response = HttpResponse(data, content_type=content_type)
    protect_download(response, name)
    return response


def _check(fmt: str) -> None:
    if fmt not in ("xlsx", "csv"):
        raise ValueError(_("Unknown export format {fmt}; use xlsx or csv.").format(fmt=fmt))


def projects_file(queryset: QuerySet[Any], fmt: str, user: Any = None) -> bytes:
    _check(fmt)
    if fmt == "xlsx":
        return write_xlsx(project_headers(), project_rows(queryset, user), _("projects"))
    return write_csv(project_headers(), project_rows(queryset, user))


def companies_file(queryset: QuerySet[Any], fmt: str) -> bytes:
    _check(fmt)
    if fmt == "xlsx":
        return write_xlsx(company_headers(), company_rows(queryset), _("companies"))
    return write_csv(company_headers(), company_rows(queryset))


def export_projects(queryset: QuerySet[Any], fmt: str, user: Any = None) -> HttpResponse:
    """The download of a (restricted, filtered) project queryset as xlsx or csv.

    Pass the requesting `user` so that confidential investors they may not see are hidden.
    """
    return _response(projects_file(queryset, fmt, user), fmt, "projects")


def export_companies(queryset: QuerySet[Any], fmt: str) -> HttpResponse:
    """The download of a (restricted, filtered) company queryset as xlsx or csv."""
    return _response(companies_file(queryset, fmt), fmt, "companies")
