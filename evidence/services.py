"""The review queue's writes: ingest a document, accept or reject what the extractor proposed.

Every write that changes a Project, Company, Event or Evidence from news goes through here,
so the web pages, the commands and tests share one set of rules:

* `ingest_document` stores a SourceDocument and one Candidate per extracted record, in one
  transaction, idempotently by the content hash of the text;
* `accept_candidate` turns a project candidate into a Project (via projects.services) or
  updates the existing project it duplicates, links or creates the investor Company, and
  writes an Evidence row with character offsets for every field the news supports;
* `attach_aggregate` attaches an aggregate statement ("21个项目…总投资524亿元") to an Event as
  its announced figures;
* `reject_candidate` records a rejection.

Permission checks go through `Model.objects.restrict(user, action)` (or
`accounts.policy.restrict` for models without the restricted manager); a write that would
leave a row outside the user's scope is refused and rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import may
from accounts.policy import restrict as policy_restrict
from companies.models import Company
from core.text import fold, to_simplified
from events.models import Event
from evidence.models import Candidate, Evidence, SourceDocument, content_hash
from geo.models import City, District, Zone
from ingest.extract import (
    Document,
    ExtractionResult,
    KnownCompany,
    extract,
    load_document,
    to_jsonl_records,
)
from ingest.extract.companies import CompanyLinker, norm_key
from projects.models import Project, Stage
from projects.services import create_project, move_stage
from taxonomy.models import BusinessActivity, Industry, ProjectType

EXTRACTOR = "zhaoshang-rules-1"
TITLE_LENGTH = 200
MONEY = Decimal("0.01")

# Extractor stage (score.py vocabulary) -> pipeline stage code. "planned" covers intentions
# not yet signed (计划, 将, 在谈), i.e. an investor evaluating the location.
STAGE_CODES = {
    "signed": "signed",
    "planned": "negotiating",
    "landed": "registered",
    "operating": "operating",
}
# A landed project whose cue is a construction word has started construction.
CONSTRUCTION_CUES = ("开工", "動工", "动工", "施工", "建设", "建設", "construct", "broke ground")

# Extractor project types (score.py vocabulary) -> business activity codes.
ACTIVITY_CODES = {
    "HQ": "headquarters",
    "R&D": "rd_center",
    "manufacturing": "manufacturing",
    "sales": "sales_operations",
    "industrial_park": "industrial_park",
    "industrial_base": "industrial_park",
    "infrastructure": "infrastructure_energy",
    "energy": "infrastructure_energy",
    "logistics": "supply_chain",
    "fund": "financial_institution",
    "residential": "construction_project",
}
# ... and the investment modes among them -> project type codes.
PROJECT_TYPE_CODES = {"capital_increase": "expansion"}

LANGUAGES = {"zh-hans": "zh-hans", "zh-hant": "zh-hant", "en": "en"}


class ReviewError(ValidationError):
    """A review action that cannot be done as asked (already reviewed, wrong kind ...)."""


# ---------------------------------------------------------------------------------------------
# Ingest


@dataclass
class IngestResult:
    """What `ingest_document` did: the stored (or already stored) document."""

    document: SourceDocument
    created: bool
    projects: int = 0
    aggregates: int = 0


def read_input(*, data: bytes | None = None, text: str | None = None, name: str = "") -> Document:
    """Load bytes (a file) or pasted text through the extractor's loader.

    Pasted text goes through the same checks as files (empty, binary, size, HTML stripped),
    so the web form and the command give the same errors. Raises ExtractError.
    """
    if data is None:
        if text is None:
            raise ValueError("read_input needs data or text")
        data = text.encode("utf-8", errors="surrogatepass")
        name = name or "pasted.txt"
    return load_document(data, name or "document.txt")


def known_companies_for(names: Iterable[str], *, per_name: int = 200) -> list[KnownCompany]:
    """KnownCompany entries for Company records that could match any of `names`.

    The company table may hold a million rows, so only companies whose folded names contain
    the name's key (or its first four characters, for fuzzy matches) are read.
    """
    found: dict[int, KnownCompany] = {}
    for name in dict.fromkeys(n for n in names if n):
        key = fold(norm_key(name))
        if len(key) < 2:
            continue
        cond = Q(search_key__contains=key)
        if len(key) >= 5:
            cond |= Q(search_key__contains=key[:4])
        rows = (
            Company.objects.filter(cond, duplicate_of__isnull=True)
            .only("pk", "name_zh_hans", "name_zh_hant", "name_en", "aliases")
            .order_by("pk")[:per_name]
        )
        for company in rows:
            found.setdefault(company.pk, KnownCompany(company.pk, company.all_names()))
    return list(found.values())


def run_extractor(document: Document, name: str = "") -> ExtractionResult:
    """Extract, then extract again with the existing companies that the names may refer to.

    The second pass lets the extractor link investors to Company records (aliases,
    Traditional/Simplified, fuzzy) and find later mentions of those companies by short name.
    """
    first = extract(document.text, document=name, language=document.language)
    names = [p.investor for p in first.projects if p.investor]
    known = known_companies_for(names) if names else []
    if not known:
        return first
    return extract(document.text, document=name, known_companies=known, language=document.language)


def _decimal_str(value: Decimal | None) -> str | None:
    """An exact JSON-safe amount: "1250000000", "12.5" (never a float)."""
    if value is None:
        return None
    number = Decimal(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return str(number.normalize())


def _find(text: str, needle: str | None, start: int, end: int) -> list[int] | None:
    """Offsets of `needle` (a cue the extractor reports in Simplified) inside text[start:end].

    The cue may be written in Traditional characters in the text; Traditional→Simplified
    keeps the length for single characters, so a match in the converted slice maps back.
    """
    if not needle:
        return None
    at = text.find(needle, start, end)
    if at < 0:
        segment = text[start:end]
        simplified = to_simplified(segment)
        if len(simplified) != len(segment):
            return None
        found = simplified.find(needle)
        if found < 0:
            return None
        at = start + found
    return [at, at + len(needle)]


# Words that name what is being set up, per extractor project type (Simplified and English;
# Traditional text is matched through its Simplified form).
TYPE_CUES: dict[str, tuple[str, ...]] = {
    "HQ": ("总部", "headquarters", "HQ"),
    "R&D": ("研发", "研究院", "创新中心", "R&D", "research"),
    "manufacturing": ("制造", "生产", "工厂", "产线", "基地", "plant", "factory", "manufactur"),
    "sales": ("销售", "营运", "运营中心", "sales"),
    "industrial_park": ("产业园", "园区", "科技园", "综合体", "park"),
    "industrial_base": ("产业基地", "基地", "base"),
    "infrastructure": ("基础设施", "数据中心", "算力", "infrastructure", "data center"),
    "energy": ("储能", "光伏", "风电", "能源", "energy", "solar", "wind"),
    "logistics": ("物流", "仓储", "供应链", "logistics", "warehouse"),
    "fund": ("基金", "fund"),
    "capital_increase": ("增资", "追加投资", "扩建", "扩产", "expan"),
    "residential": ("住宅", "residential"),
}


def _type_cue(text: str, project_type: str | None, start: int, end: int) -> list[int] | None:
    """The span of the first word in the evidence that names the project type."""
    best: list[int] | None = None
    for part in (project_type or "").split("+"):
        for cue in TYPE_CUES.get(part, ()):
            found = _find(text, cue, start, end)
            if found and (best is None or found[0] < best[0]):
                best = found
    if best is not None and text[best[0] : best[1]].isascii():
        # An English stem ("manufactur") is widened to the whole word.
        while best[1] < end and text[best[1]].isalpha():
            best[1] += 1
    return best


def candidate_rows(result: ExtractionResult, text: str) -> list[dict[str, Any]]:
    """Candidate field values for every project and aggregate of `result` (offsets into text).

    The record is the score.py record, with amounts as exact decimal strings and each
    field's span; stage, industry and type cues are located inside the evidence sentence.
    """
    records = to_jsonl_records(result, result.document)
    rows: list[dict[str, Any]] = []
    projects = [r for r in records if r["kind"] == "project"]
    aggregates = [r for r in records if r["kind"] == "aggregate"]
    for record, p in zip(projects, result.projects, strict=True):
        start, end = p.evidence
        record["amount"] = _decimal_str(p.amount)
        record["amount_cny"] = record["amount"] if p.currency == "CNY" else None
        record["investor_text"] = text[slice(*p.investor_span)] if p.investor_span else None
        spans = {
            "evidence": [start, end],
            "investor": list(p.investor_span) if p.investor_span else None,
            "amount": list(p.amount_span) if p.amount_span else None,
            "location": list(p.location_span) if p.location_span else None,
            "stage": _find(text, p.stage_text, start, end),
            "industry": _find(text, p.industry_text, start, end),
            "project_type": _type_cue(text, p.project_type, start, end),
        }
        rows.append(
            {
                "kind": Candidate.Kind.PROJECT,
                "record": record,
                "spans": {k: v for k, v in spans.items() if v},
                "start": start,
                "end": end,
                "confidence": p.confidence,
            }
        )
    for record, a in zip(aggregates, result.aggregates, strict=True):
        start, end = a.span
        record["total"] = _decimal_str(a.total)
        rows.append(
            {
                "kind": Candidate.Kind.AGGREGATE,
                "record": record,
                "spans": {"evidence": [start, end]},
                "start": start,
                "end": end,
                "confidence": a.confidence,
            }
        )
    rows.sort(key=lambda r: (r["start"], r["kind"] != Candidate.Kind.AGGREGATE))
    return rows


def _title_of(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:TITLE_LENGTH]
    return ""


def ingest_document(
    *,
    data: bytes | None = None,
    text: str | None = None,
    name: str = "",
    title: str = "",
    url: str = "",
    publisher: str = "",
    published_on: dt.date | None = None,
) -> IngestResult:
    """Store a document and its candidates; the same text again returns the stored document.

    Raises ExtractError (empty, binary, undecodable, too large, unsupported) before anything
    is written; the document and its candidates are saved in one transaction.
    """
    document = read_input(data=data, text=text, name=name)
    digest = content_hash(document.text)
    existing = SourceDocument.objects.filter(content_hash=digest).first()
    if existing is not None:
        return IngestResult(existing, created=False)
    base = PurePath(name).name if name else ""
    stem = PurePath(base).stem if base else ""
    result = run_extractor(document, stem)
    rows = candidate_rows(result, document.text)
    try:
        with transaction.atomic():
            source = SourceDocument(
                title=(title or _title_of(document.text))[:TITLE_LENGTH],
                text=document.text,
                url=url,
                publisher=publisher[:200],
                published_on=published_on,
                language=LANGUAGES.get(document.language.lower(), SourceDocument.Language.OTHER),
                file_name=base[:300] if data is not None else "",
            )
            source.full_clean(exclude=["content_hash"])
            source.save()
            for ordinal, row in enumerate(rows):
                Candidate.objects.create(
                    document=source, ordinal=ordinal, extractor=EXTRACTOR, **row
                )
    except IntegrityError:
        # Another run stored the same text between our check and our insert.
        existing = SourceDocument.objects.filter(content_hash=digest).first()
        if existing is None:
            raise
        return IngestResult(existing, created=False)
    kinds = [r["kind"] for r in rows]
    return IngestResult(
        source,
        created=True,
        projects=kinds.count(Candidate.Kind.PROJECT),
        aggregates=kinds.count(Candidate.Kind.AGGREGATE),
    )


# ---------------------------------------------------------------------------------------------
# From a candidate to project fields


@dataclass
class Proposal:
    """Project field values proposed by a candidate, resolved against the reference data."""

    fields: dict[str, Any]
    investor_name: str | None
    company: Company | None
    stage_on: dt.date
    notes: list[str] = field(default_factory=list)


def review_day(document: SourceDocument) -> dt.date:
    """The date a stage taken from this document happened: its publication date, else today."""
    today = timezone.localdate()
    if document.published_on and document.published_on <= today:
        return document.published_on
    return today


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0:
        return None
    return number.quantize(MONEY)


def _zone_named(place: str | None) -> Zone | None:
    """The zone or park whose name or short form is `place` (Traditional or Simplified)."""
    if not place:
        return None
    key = fold(place)
    for zone in Zone.objects.prefetch_related("districts"):
        names = [zone.name_zh_hans, zone.name_zh_hant, zone.name_en]
        names += list(zone.short_forms or []) + list(zone.short_forms_hant or [])
        if any(n and fold(n) == key for n in names):
            return zone
    return None


def _place_named(place: str | None) -> tuple[District | None, City | None]:
    """The current district, else the city, whose name or short form is `place`."""
    if not place:
        return None, None
    key = fold(place)
    for district in District.objects.filter(code__isnull=False):
        names = [district.name_zh_hans, district.name_zh_hant, district.name_en]
        names += list(district.short_forms or []) + list(district.short_forms_hant or [])
        if any(n and fold(n) == key for n in names):
            return district, None
    for city in City.objects.all():
        names = [city.name_zh_hans, city.name_zh_hant, city.name_en]
        names += list(city.short_forms or []) + list(city.short_forms_hant or [])
        if any(n and fold(n) == key for n in names):
            return None, city
    return None, None


def _zone_fits(zone: Zone, district: District | None) -> bool:
    if district is None:
        return True
    spanned = {d.pk for d in zone.districts.all()} | {zone.district_id}
    return district.pk in spanned


def link_company(name: str | None, known_id: Any = None) -> Company | None:
    """The existing Company a mention refers to (alias, Trad/Simp, fuzzy), merges followed."""
    company: Company | None = None
    if known_id not in (None, ""):
        try:
            company = Company.objects.filter(pk=int(known_id)).first()
        except (TypeError, ValueError):
            company = None
    if company is None and name:
        known = known_companies_for([name])
        linked = CompanyLinker(known).link(name) if known else None
        if linked is not None:
            company = Company.objects.filter(pk=int(linked)).first()
    seen: set[int] = set()
    while company is not None and company.duplicate_of_id and company.pk not in seen:
        seen.add(company.pk)
        company = Company.objects.filter(pk=company.duplicate_of_id).first()
    return company


def _stage_code(record: Mapping[str, Any]) -> str:
    code = STAGE_CODES.get(str(record.get("stage") or ""), "lead")
    cue = str(record.get("stage_text") or "").lower()
    if code == "registered" and any(c in cue for c in CONSTRUCTION_CUES):
        return "construction"
    return code


def project_name(investor: str | None, place: str | None, activity: BusinessActivity | None) -> str:
    """A working name for a project from news: investor · place · activity (editable later)."""
    activity_name = activity.name_zh_hans if activity else ""
    parts = [investor or _("unnamed investor"), place or "", activity_name]
    return " · ".join(p for p in parts if p)[:300]


def propose(candidate: Candidate) -> Proposal:
    """The Project fields a project candidate proposes (nothing is written)."""
    record = candidate.record or {}
    document = candidate.document
    day = review_day(document)
    notes: list[str] = []
    investor = record.get("investor") or None
    if investor and document.language != SourceDocument.Language.EN:
        investor = to_simplified(investor)
    company = link_company(investor, record.get("known_company_id"))

    district = city = zone = None
    code = str(record.get("district_code") or "")
    if code:
        district = District.objects.filter(code=code).first()
        if district is None:
            city = City.objects.filter(code=code).first()
    if district is None and city is None:
        # The extractor gives no code for some spellings (English names, for one); look the
        # place up by name among current districts, then cities.
        district, city = _place_named(record.get("location"))
    zone = _zone_named(record.get("location"))
    if zone is not None and district is None and zone.district_id:
        district = zone.district
    if zone is not None and not _zone_fits(zone, district):
        zone = None

    industry = None
    if record.get("industry"):
        industry = Industry.objects.filter(code=record["industry"]).first()
    types = [t for t in str(record.get("project_type") or "").split("+") if t]
    activity = next(
        (
            a
            for a in (
                BusinessActivity.objects.filter(code=ACTIVITY_CODES[t]).first()
                for t in types
                if t in ACTIVITY_CODES
            )
            if a is not None
        ),
        None,
    )
    project_type = next(
        (
            ProjectType.objects.filter(code=PROJECT_TYPE_CODES[t]).first()
            for t in types
            if t in PROJECT_TYPE_CODES
        ),
        None,
    )
    stage = Stage.objects.get(code=_stage_code(record))

    currency = str(record.get("currency") or "CNY").upper()
    amount = _money(record.get("amount"))
    fields: dict[str, Any] = {
        "name": project_name(
            company.name_zh_hans if company else investor,
            str(record.get("location") or "") or None,
            activity,
        ),
        "investor": company,
        "amount_original": amount,
        "currency": currency if amount is not None else "CNY",
        "amount_cny": amount if currency == "CNY" else None,
        "amount_text": str(record.get("amount_text") or "")[:100],
        "amount_is_estimated": bool(record.get("amount_qualifier")),
        "district": district,
        "zone": zone,
        "city": city,
        "industry": industry,
        "business_activity": activity,
        "project_type": project_type,
        "stage": stage,
        "lead_source": "news",
        "description": candidate.evidence_text().strip()[:2000],
    }
    if stage.date_field:
        fields[stage.date_field] = day
    if amount is not None and currency != "CNY":
        notes.append(
            _("The amount is in {currency}; enter the yuan amount when you know it.").format(
                currency=currency
            )
        )
    events = list(
        Event.objects.filter(
            candidates__document=document, candidates__kind=Candidate.Kind.AGGREGATE
        ).distinct()[:2]
    )
    if stage.is_won and len(events) == 1:
        fields["signing_event"] = events[0]
    return Proposal(fields, investor, company, day, notes)


# ---------------------------------------------------------------------------------------------
# Accept, attach, reject


@dataclass
class AcceptOutcome:
    """What accepting did, or the existing projects the reviewer must choose between."""

    candidate: Candidate
    project: Project | None = None
    created: bool = False
    company_created: bool = False
    duplicates: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def needs_choice(self) -> bool:
        return self.project is None and bool(self.duplicates)


def _lock_candidate(candidate: Candidate | int, user: Any, kind: str) -> Candidate:
    pk = candidate.pk if isinstance(candidate, Candidate) else int(candidate)
    if not Candidate.objects.restrict(user, "change").filter(pk=pk).exists():
        raise PermissionDenied(_("You may not review this document."))
    locked = Candidate.objects.select_for_update().select_related("document").get(pk=pk)
    if locked.status != Candidate.Status.NEW:
        raise ReviewError(
            _("This candidate was already reviewed ({status}).").format(
                status=locked.get_status_display()
            )
        )
    if locked.kind != kind:
        raise ReviewError(_("This action does not apply to a candidate of this kind."))
    return locked


def _finish(candidate: Candidate, user: Any, status: str, note: str = "") -> None:
    candidate.status = status
    candidate.reviewed_by = user if getattr(user, "is_authenticated", False) else None
    candidate.reviewed_at = timezone.now()
    candidate.review_note = note[:300]
    candidate.save()
    document = candidate.document
    if (
        document.status == SourceDocument.Status.NEW
        and not document.candidates.filter(status=Candidate.Status.NEW).exists()
    ):
        document.status = SourceDocument.Status.REVIEWED
        document.save(update_fields=["status"])


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence holding [start, end): from the previous to the next full stop or line."""
    stops = "。！？!?\n"
    left = max((text.rfind(c, max(0, start - 400), start) for c in stops), default=-1)
    rights = [i for i in (text.find(c, end, end + 400) for c in stops) if i >= 0]
    right = min(rights) + 1 if rights else min(len(text), end + 400)
    return text[left + 1 : right].strip() or text[start:end]


def _same(a: Any, b: Any) -> bool:
    if hasattr(a, "pk") or hasattr(b, "pk"):
        return getattr(a, "pk", a) == getattr(b, "pk", b)
    return bool(a == b)


def _write_evidence(
    candidate: Candidate,
    rows: Sequence[tuple[str, Any, tuple[int, int] | None]],
    *,
    project: Project | None = None,
    company: Company | None = None,
    event: Event | None = None,
) -> int:
    text = candidate.document.text
    made = 0
    for name, value, span in rows:
        if span is None or not (0 <= span[0] < span[1] <= len(text)):
            continue
        sentence = (
            text[candidate.start : candidate.end]
            if candidate.start <= span[0] and span[1] <= candidate.end
            else _sentence_around(text, *span)
        )
        evidence = Evidence(
            document=candidate.document,
            project=project,
            company=company if name == "investor" else None,
            event=event,
            field=name,
            value=str(value if value is not None else "")[:500],
            start=span[0],
            end=span[1],
            sentence=sentence,
            extractor=candidate.extractor,
            confidence=min(max(candidate.confidence, 0.0), 1.0),
        )
        evidence.full_clean(exclude=["document"])
        evidence.save()
        made += 1
    return made


def _project_evidence(
    candidate: Candidate, project: Project, proposed: Mapping[str, Any]
) -> list[tuple[str, Any, tuple[int, int] | None]]:
    """(field, value, span) for each project value the news supports (kept by the reviewer)."""
    record = candidate.record or {}

    def kept(name: str) -> bool:
        return proposed.get(name) is not None and _same(getattr(project, name), proposed[name])

    rows: list[tuple[str, Any, tuple[int, int] | None]] = [
        ("project", project.name, (candidate.start, candidate.end))
    ]
    if kept("investor"):
        rows.append(("investor", project.investor, candidate.span("investor")))
    amount_field = "amount_cny" if record.get("currency") == "CNY" else "amount_original"
    if kept(amount_field):
        value = "{} {}".format(getattr(project, amount_field), record.get("currency") or "")
        rows.append((amount_field, value.strip(), candidate.span("amount")))
    for name in ("district", "zone", "city"):
        if kept(name):
            rows.append((name, getattr(project, name), candidate.span("location")))
    if kept("industry"):
        rows.append(("industry", project.industry, candidate.span("industry")))
    for name in ("business_activity", "project_type"):
        if kept(name):
            span = candidate.span("project_type") or (candidate.start, candidate.end)
            rows.append((name, getattr(project, name), span))
    if proposed.get("stage") is not None and project.stage.sequence >= proposed["stage"].sequence:
        rows.append(("stage", proposed["stage"].code, candidate.span("stage")))
    return rows


def _create_company(name: str, document: SourceDocument, user: Any) -> Company:
    if not may(user, Company, "add"):
        raise PermissionDenied(_("You may not register new companies."))
    company = Company(name_zh_hans=name[:200])
    if document.language == SourceDocument.Language.EN or name.isascii():
        company.name_en = name[:200]
    company.full_clean()
    company.save()
    return company


# Fields an update fills when the existing project has no value yet.
FILL_FIELDS = (
    "investor",
    "district",
    "zone",
    "city",
    "industry",
    "business_activity",
    "project_type",
    "signing_event",
)
AMOUNT_FIELDS = ("amount_cny", "amount_original", "currency", "amount_text", "amount_is_estimated")


def _update_project(
    project: Project, proposed: Mapping[str, Any], *, user: Any, day: dt.date, source: str
) -> list[str]:
    """Fill the existing project's blanks from the news and advance its stage; report conflicts."""
    notes: list[str] = []
    labels = {f.name: str(f.verbose_name) for f in Project._meta.fields}
    for name in FILL_FIELDS:
        new = proposed.get(name)
        if new is None:
            continue
        old = getattr(project, name)
        if old is None:
            setattr(project, name, new)
        elif not _same(old, new):
            notes.append(
                _("{field}: kept {old}; the news says {new}.").format(
                    field=labels.get(name, name), old=old, new=new
                )
            )
    cny = proposed.get("amount_cny")
    new_amount = cny if cny is not None else proposed.get("amount_original")
    if new_amount is not None:
        if project.amount_cny is None and project.amount_original is None:
            for name in AMOUNT_FIELDS:
                setattr(project, name, proposed.get(name, getattr(project, name)))
        else:
            old_amount = project.amount_cny if cny is not None else project.amount_original
            if old_amount != new_amount:
                notes.append(
                    _("Amount: kept {old}; the news says {new}.").format(
                        old=project.amount_text or old_amount,
                        new=proposed.get("amount_text") or new_amount,
                    )
                )
    project.full_clean()
    project.save()
    target: Stage | None = proposed.get("stage")
    current = project.stage
    if (
        target is not None
        and not target.is_lost
        and not current.is_lost
        and target.sequence > current.sequence
    ):
        try:
            move_stage(project, target, on=day, user=user, note=source)
        except ValidationError as exc:
            notes.append(
                _("Stage not moved to {stage}: {reason}").format(
                    stage=target, reason="; ".join(exc.messages)
                )
            )
    return notes


def accept_candidate(
    candidate: Candidate | int,
    *,
    user: Any,
    fields: Mapping[str, Any] | None = None,
    new_investor_name: str = "",
    into: Project | None = None,
    allow_duplicate: bool = False,
) -> AcceptOutcome:
    """Accept a project candidate: create a Project, or update `into` (an existing project).

    `fields` are reviewed Project values (from the edit form); without them the candidate's
    own values are used. When the project looks like an existing one and neither `into` nor
    `allow_duplicate` is given, nothing is written and the outcome lists the duplicates.
    Raises PermissionDenied, ReviewError or ValidationError; all writes are atomic.
    """
    with transaction.atomic():
        locked = _lock_candidate(candidate, user, Candidate.Kind.PROJECT)
        proposal = propose(locked)
        values: dict[str, Any] = dict(proposal.fields)
        edited = False
        if fields is not None:
            edited = any(
                not _same(proposal.fields[k], v) for k, v in fields.items() if k in proposal.fields
            )
            values.update(fields)
        outcome = AcceptOutcome(locked, notes=list(proposal.notes))
        investor_name = (new_investor_name or "").strip() or (
            proposal.investor_name if fields is None or "investor" not in fields else ""
        )

        if into is None and not allow_duplicate and values.get("investor") is not None:
            from projects.duplicates import find_project_duplicates

            found = find_project_duplicates(values)
            visible = set(
                Project.objects.restrict(user, "view")
                .filter(pk__in=[d.project_id for d in found])
                .values_list("pk", flat=True)
            )
            outcome.duplicates = [d for d in found if d.project_id in visible]
            if outcome.duplicates:
                return outcome

        supported = dict(proposal.fields)
        if values.get("investor") is None and investor_name:
            values["investor"] = _create_company(investor_name, locked.document, user)
            outcome.company_created = True
            if investor_name == proposal.investor_name:
                supported["investor"] = values["investor"]
            if fields is None or "name" not in fields:
                values["name"] = project_name(
                    values["investor"].name_zh_hans,
                    str(locked.record.get("location") or "") or None,
                    values.get("business_activity"),
                )

        source = _("From news: {title}").format(title=locked.document)[:300]
        if into is not None:
            if not Project.objects.restrict(user, "change").filter(pk=into.pk).exists():
                raise PermissionDenied(_("You may not change this project."))
            project = Project.objects.select_for_update().get(pk=into.pk)
            outcome.notes += _update_project(
                project, values, user=user, day=proposal.stage_on, source=source
            )
            project.refresh_from_db()
        else:
            stage: Stage = values["stage"]
            stage_on = (
                values.get(stage.date_field) if stage.date_field else None
            ) or proposal.stage_on
            project = create_project(user=user, stage_on=stage_on, **values)
            if not Project.objects.restrict(user, "add").filter(pk=project.pk).exists():
                raise PermissionDenied(
                    _("You may not add a project in this district; the project was not saved.")
                )
            outcome.created = True
        outcome.project = project
        _write_evidence(
            locked,
            _project_evidence(locked, project, supported),
            project=project,
            company=project.investor,
        )
        locked.project = project
        _finish(
            locked,
            user,
            Candidate.Status.EDITED if edited else Candidate.Status.ACCEPTED,
            "; ".join(str(n) for n in outcome.notes),
        )
        outcome.candidate = locked
        return outcome


@dataclass
class AttachOutcome:
    candidate: Candidate
    event: Event
    notes: list[str] = field(default_factory=list)


def attach_aggregate(
    candidate: Candidate | int,
    *,
    user: Any,
    event: Event | None = None,
    new_event: Event | None = None,
    overwrite: bool = False,
) -> AttachOutcome:
    """Attach an aggregate statement to an Event as the figures the event announced.

    Empty announced figures are filled; different ones are kept (and reported) unless
    `overwrite`. `new_event` is an unsaved, validated Event created here.
    """
    with transaction.atomic():
        locked = _lock_candidate(candidate, user, Candidate.Kind.AGGREGATE)
        if new_event is not None:
            if not may(user, Event, "add"):
                raise PermissionDenied(_("You may not create events."))
            new_event.full_clean()
            new_event.save()
            event = new_event
        if event is None:
            raise ReviewError(_("Choose an event or describe a new one."))
        if not Event.objects.restrict(user, "change").filter(pk=event.pk).exists():
            raise PermissionDenied(_("You may not change this event."))
        event = Event.objects.select_for_update().get(pk=event.pk)
        record = locked.record or {}
        notes: list[str] = []
        count = record.get("count")
        total = _money(record.get("total")) if record.get("currency") in (None, "CNY") else None
        if record.get("total") is not None and total is None:
            notes.append(
                _("The total is in {currency}; the announced total in yuan was left as is.").format(
                    currency=record.get("currency")
                )
            )
        rows: list[tuple[str, Any, tuple[int, int] | None]] = []
        span = (locked.start, locked.end)
        if count is not None:
            if event.announced_project_count in (None, count) or overwrite:
                event.announced_project_count = int(count)
                rows.append(("announced_project_count", count, span))
            else:
                notes.append(
                    _("Announced count kept at {old}; this statement says {new}.").format(
                        old=event.announced_project_count, new=count
                    )
                )
        if total is not None:
            if event.announced_total_cny is None or event.announced_total_cny == total or overwrite:
                event.announced_total_cny = total
                event.announced_total_text = str(record.get("text") or "")[:100]
                rows.append(("announced_total_cny", total, span))
            else:
                notes.append(
                    _("Announced total kept at {old}; this statement says {new}.").format(
                        old=event.announced_total_cny, new=total
                    )
                )
        event.full_clean()
        event.save()
        _write_evidence(locked, rows, event=event)
        # Projects already accepted from this article were signed at this event (they count
        # once, at their first signing event, so only those without one are linked).
        signed_here = (
            Project.objects.restrict(user, "change")
            .filter(
                candidates__document=locked.document,
                signing_event__isnull=True,
                stage__is_won=True,
                duplicate_of__isnull=True,
            )
            .distinct()
        )
        linked = 0
        for project in signed_here:
            project.signing_event = event
            project.save(update_fields=["signing_event"])
            linked += 1
        if linked:
            notes.append(
                _("{n} project(s) accepted from this article now name this event.").format(n=linked)
            )
        locked.event = event
        _finish(locked, user, Candidate.Status.ACCEPTED, "; ".join(notes))
        return AttachOutcome(locked, event, notes)


def reject_candidate(candidate: Candidate | int, *, user: Any, note: str = "") -> Candidate:
    """Mark a candidate rejected (nothing else changes)."""
    with transaction.atomic():
        pk = candidate.pk if isinstance(candidate, Candidate) else int(candidate)
        kind = Candidate.objects.filter(pk=pk).values_list("kind", flat=True).first()
        if kind is None:
            raise ReviewError(_("No such candidate."))
        locked = _lock_candidate(pk, user, kind)
        _finish(locked, user, Candidate.Status.REJECTED, note)
        return locked


def set_document_status(document: SourceDocument, status: str, *, user: Any) -> SourceDocument:
    """Mark a document reviewed, ignored or new again (its candidates are left as they are)."""
    if status not in SourceDocument.Status.values:
        raise ReviewError(_("Unknown review status {status}.").format(status=status))
    rows = SourceDocument.objects.restrict(user, "change").filter(pk=document.pk)
    if not rows.exists():
        raise PermissionDenied(_("You may not review this document."))
    with transaction.atomic():
        locked = SourceDocument.objects.select_for_update().get(pk=document.pk)
        locked.status = status
        locked.save(update_fields=["status"])
    return locked


def restricted_evidence(user: Any, action: str = "view") -> Any:
    """Evidence rows the user may see (Evidence has no restricted manager of its own)."""
    return policy_restrict(Evidence, user, action)
