"""The import engine: read a file, plan every row through the form, then commit or roll back.

One engine serves the upload screens, ``zhaoshang import`` and the tests:

1. :func:`plan` reads the table, maps columns to fields, converts every row into form data
   (natural keys resolved in memory, amounts and dates parsed), validates it with
   ``ProjectForm`` / ``CompanyForm`` and decides create, update, skip or error. It also
   runs the duplicate checks and notes possible duplicates as warnings.
2. :func:`commit` writes a plan inside one transaction, under
   ``change_context("import", request_id=batch.request_id)``. Small batches go row by row
   through ``projects.services.create_project`` / ``move_stage`` and ``save()``; large ones
   are written with bulk inserts and updates in chunks (history rows in bulk too), with
   the same field values — tests compare both paths.
3. :func:`rollback` undoes a committed batch from the before-images stored per row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.forms.models import modelform_factory
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.duplicates import CompanyIndex
from companies.models import Company
from core.context import change_context
from core.text import to_traditional
from ingest.bulkwrite import insert_history, insert_objects
from ingest.forms import COMPANY_FIELDS, ImportCompanyForm, ImportProjectForm
from ingest.lookups import Lookups
from ingest.models import ExternalRef, ImportBatch, ImportRow
from ingest.spreadsheet.cells import CellError, clean_text, parse_amount, parse_bool, parse_date
from ingest.spreadsheet.headers import COLUMNS_BY_KIND, auto_mapping, column, split_unit
from ingest.spreadsheet.readers import FileRefused, SheetRow, Table, col_letter, read_table
from projects.duplicates import ProjectFacts, ProjectIndex
from projects.forms import EDITABLE_FIELDS
from projects.models import Project, Stage, StageChange
from projects.services import create_project, move_stage

CHUNK = 2000
DEFAULT_BULK_THRESHOLD = 500

# Project fields a rollback restores (everything an import or a stage move can change).
PROJECT_SNAPSHOT = (*EDITABLE_FIELDS, "stage_entered_on", "last_progress_on", "lost_reason")


def bulk_threshold() -> int:
    return int(getattr(settings, "IMPORT_BULK_THRESHOLD", DEFAULT_BULK_THRESHOLD))


class ImportRefused(Exception):
    """The batch as a whole cannot be imported (bad file, rows with errors, changed records)."""


# --------------------------------------------------------------------------- results


@dataclass
class RowResult:
    """What the importer decided for one row, and the record it will write."""

    number: int
    row: SheetRow
    action: str = ImportRow.Action.SKIP
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    instance: Any = None
    before: dict[str, Any] | None = None
    changed: list[str] = field(default_factory=list)
    stage_move: tuple[Stage, dt.date | None] | None = None
    stage_on: dt.date | None = None
    new_company_key: str | None = None
    external_id: str = ""
    object_id: int | None = None
    version_after: int | None = None
    created_company_id: int | None = None

    @property
    def values(self) -> list[str]:
        """The row's cells as text (computed when stored, not kept for every row)."""
        return [clean_text(v) for v in self.row.values]


@dataclass
class Plan:
    """A planned batch: the table read, the mapping used and a result per row."""

    kind: str
    table: Table
    mapping: dict[str, str]
    rows: list[RowResult]
    new_companies: dict[str, Company] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def has_errors(self) -> bool:
        return any(r.action == ImportRow.Action.ERROR for r in self.rows)


# --------------------------------------------------------------------------- helpers


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return list(value)
    return value


def snapshot(instance: models.Model, names: tuple[str, ...]) -> dict[str, Any]:
    """Field attname → JSON-safe value, for change detection and before-images."""
    out = {}
    for name in names:
        f = instance._meta.get_field(name)
        out[f.attname] = _json(getattr(instance, f.attname))  # type: ignore[union-attr]
    return out


def restore(instance: models.Model, image: dict[str, Any]) -> list[str]:
    """Put a before-image back on `instance`; returns the attnames set."""
    names = []
    for attname, raw in image.items():
        f = next(f for f in instance._meta.concrete_fields if f.attname == attname)
        setattr(instance, attname, None if raw is None else f.to_python(raw))
        names.append(f.name)
    return names


def _form_errors(form: Any, labels: dict[str, str]) -> list[str]:
    messages = []
    for name, errs in form.errors.items():
        label = labels.get(name) or (str(form.fields[name].label) if name in form.fields else name)
        for err in errs:
            messages.append(f"{label}: {err}" if name != "__all__" else str(err))
    return messages


def _cell_name(row: SheetRow, index: int) -> str:
    return f"{col_letter(index + 1)}{row.number}"


def _company_stub(pk: int, name: str) -> Company:
    c = Company(pk=pk, name_zh_hans=name)
    c._state.adding = False
    c._state.db = "default"
    return c


def prepare_company_for_bulk(company: Company) -> None:
    """What Company.save() computes, for companies written with bulk_create."""
    if company.credit_code == "":
        company.credit_code = None
    if not company.name_zh_hant and company.name_zh_hans:
        company.name_zh_hant = to_traditional(company.name_zh_hans)
    from core.text import fold

    company.search_key = "|".join(dict.fromkeys(fold(n) for n in company.all_names()))[:1000]


# --------------------------------------------------------------------------- reading


def read(data: bytes, kind: str) -> Table:
    if kind not in COLUMNS_BY_KIND:
        raise FileRefused(_("Unknown kind {kind}; use projects or companies.").format(kind=kind))
    return read_table(data, kind)


def default_mapping(kind: str, table: Table) -> dict[str, str]:
    return {str(i): key for i, key in auto_mapping(kind, table.headers).items()}


class FormPool:
    """One bound form per form class, rebound row after row (see ImportProjectForm.rebind)."""

    def __init__(self, fk_cache: dict[str, dict[Any, Any]]) -> None:
        self.fk_cache = fk_cache
        self.forms: dict[Any, Any] = {}

    def bind(self, form_class: Any, data: dict[str, Any], instance: Any) -> Any:
        form = self.forms.get(form_class)
        if form is None:
            form = form_class(data=data, instance=instance, fk_cache=self.fk_cache)
            self.forms[form_class] = form
        else:
            form.rebind(data, instance)
        return form


# --------------------------------------------------------------------------- company resolution


_NEW_INVESTOR_FORM = modelform_factory(
    Company, form=ImportCompanyForm, fields=("name_zh_hans", "credit_code", "country")
)


class InvestorResolver:
    """Turns an investor name (and credit code) into an existing or a new company."""

    def __init__(self, index: CompanyIndex) -> None:
        self.index = index
        self.new: dict[str, Company] = {}
        self.new_warnings: dict[str, list[str]] = {}
        self.pool = FormPool({})

    def resolve(
        self, name: str, code: str, fk_cache: dict[Any, Any]
    ) -> tuple[Company | None, str | None, list[str], list[str]]:
        """(company or None, key of a new company, errors, warnings)."""
        from core.text import fold

        name = name.strip()
        code = code.strip().upper()
        if not name and not code:
            return None, None, [], []
        pk = self.index.exact(name, code or None)
        if pk is not None:
            entry = self.index.entries[pk]
            warnings = []
            if code and entry.code and entry.code != code:
                # Matched by name while the file gives another code: link, but say so.
                warnings.append(
                    _("Investor “{name}” is on file with credit code {code}.").format(
                        name=name, code=entry.code
                    )
                )
            company = fk_cache.get(pk) or _company_stub(pk, entry.name)
            fk_cache[pk] = company
            return company, None, [], warnings
        if not name:
            return None, None, [_("No company has credit code {code}.").format(code=code)], []
        key = fold(name)
        if key in self.new:
            return None, key, [], self.new_warnings[key]
        form = self.pool.bind(
            _NEW_INVESTOR_FORM,
            {"name_zh_hans": name, "credit_code": code, "country": "CN"},
            Company(),
        )
        if not form.is_valid():
            return None, None, [_("Investor: {e}").format(e=e) for e in _form_errors(form, {})], []
        company = form.instance
        self.new[key] = company
        warnings = [_("New company “{name}” will be created.").format(name=name)]
        for cand in self.index.candidates(name, credit_code=code, fuzzy=True, limit=3):
            warnings.append(
                _("Possible duplicate of company #{id} “{other}” ({score}: {why}).").format(
                    id=cand.company_id,
                    other=cand.name,
                    score=cand.score,
                    why="; ".join(cand.reasons),
                )
            )
        self.new_warnings[key] = warnings
        return None, key, [], warnings


# --------------------------------------------------------------------------- projects: plan


_PROJECT_COLUMNS = {c.key: c for c in COLUMNS_BY_KIND["projects"]}
#: What the exporter writes instead of a confidential investor the user may not see.
HIDDEN_INVESTOR = ("（保密）", "(保密)")


def _project_cell(
    key: str,
    raw: Any,
    unit: Any,
    lookups: Lookups,
    data: dict[str, Any],
    extra: dict[str, Any],
    warnings: list[str],
) -> None:
    """Put one cell's value into the form data (or `extra` for what the form does not take)."""
    col = _PROJECT_COLUMNS[key]
    text = clean_text(raw)
    if key in ("id", "external_id", "investor", "investor_credit_code"):
        extra[key] = text
        if key == "external_id":
            data["external_id"] = text or None
    elif key in ("amount", "contracted_amount", "foreign_capital_usd", "amount_original"):
        if key == "foreign_capital_usd" and unit is not None and not unit.explicit:
            unit = None
        amount = parse_amount(raw, unit)
        target = {
            "amount": "amount_cny",
            "contracted_amount": "contracted_amount_cny",
            "foreign_capital_usd": "foreign_capital_usd",
            "amount_original": "amount_original",
        }[key]
        if amount is None:
            data[target] = None
            return
        if key == "amount":
            if amount.currency != "CNY":
                data["amount_original"] = amount.value
                data["currency"] = amount.currency
                extra["amount_not_cny"] = True
                warnings.append(
                    _("The amount is in {cur}; the yuan amount is left for you to fill.").format(
                        cur=amount.currency
                    )
                )
            else:
                data["amount_cny"] = amount.value
            if amount.text:
                extra["amount_text_from_cell"] = amount.text
            if amount.estimated:
                extra["estimated_from_cell"] = True
        else:
            data[target] = amount.value
    elif col.kind == "date":
        data[key] = parse_date(raw)  # a date object: the form field takes it as it is
    elif col.kind == "bool":
        value = parse_bool(raw)
        if value is not None:
            data[key] = value
    elif key in ("priority", "origin", "lead_source"):
        if not text:
            data[key] = "B" if key == "priority" else ""
            return
        from core.text import fold

        table = lookups.table(key)
        value = table.get(fold(text))
        if value is None:
            raise CellError(_("“{text}” is not a known {field}.").format(text=text, field=key))
        data[key] = value
    elif col.kind == "ref":
        if not text:
            data[key] = None
            return
        table = lookups.table(key)
        obj = table.get(text)
        if obj is None:
            raise CellError(_("Unknown {what} “{text}”.").format(what=table.label, text=text))
        if key == "district" and obj.kind == "former_district":
            if obj.successor_id:
                warnings.append(
                    _("{old} is a former district; the project goes to {new}.").format(
                        old=obj, new=obj.successor
                    )
                )
                obj = obj.successor
            else:
                raise CellError(_("{old} is a former district with no successor.").format(old=obj))
        data[key] = obj.pk
        extra.setdefault("fk_objects", {})[key] = obj
    else:
        data[key] = text


class ProjectPlanner:
    """Plans project rows; everything it needs from the database is read in __init__."""

    def __init__(self, table: Table, mapping: dict[str, str], user: Any) -> None:
        self.table = table
        self.mapping = {int(i): key for i, key in mapping.items()}
        self.user = user
        self.units = {
            key: split_unit(table.headers[i])[1] if i < len(table.headers) else None
            for i, key in self.mapping.items()
        }
        self.lookups = Lookups()
        self.fk_cache: dict[str, dict[Any, Any]] = {}
        for key in (
            "district",
            "zone",
            "industry",
            "business_activity",
            "project_type",
            "stage",
            "referring_partner",
        ):
            self.fk_cache[key] = dict(self.lookups.table(key).by_pk)
        self.company_cache = self.fk_cache.setdefault("investor", {})
        self.company_index = CompanyIndex.from_queryset()
        self.resolver = InvestorResolver(self.company_index)
        self.project_index = ProjectIndex.from_queryset()
        self.stages_by_pk = {s.pk: s for s in self.lookups.stage.by_pk.values()}
        self._existing = self._load_existing()
        mapped = set(self.mapping.values())
        extra_fields = (
            {"amount_cny", "amount_original", "currency", "amount_text", "amount_is_estimated"}
            if "amount" in mapped
            else set()
        )
        if "contracted_amount" in mapped:
            extra_fields.add("contracted_amount_cny")
        if "investor" in mapped or "investor_credit_code" in mapped:
            extra_fields.add("investor")
        fields = [f for f in EDITABLE_FIELDS if f in mapped or f in extra_fields]
        self.update_fields = [f for f in fields if f != "stage"]
        self.create_fields = list(dict.fromkeys([*fields, "name", "stage"]))
        self.update_form = modelform_factory(
            Project, form=ImportProjectForm, fields=self.update_fields
        )
        self.create_form = modelform_factory(
            Project, form=ImportProjectForm, fields=self.create_fields
        )
        self.mapped = mapped
        self.pool = FormPool(self.fk_cache)
        template = Project()
        self.defaults = {
            name: getattr(template, Project._meta.get_field(name).attname)  # type: ignore[union-attr]
            for name in self.create_fields
        }

    def _bound(self, form_class: Any, data: dict[str, Any], instance: Project) -> Any:
        return self.pool.bind(form_class, data, instance)

    def _load_existing(self) -> dict[str, dict[Any, Any]]:
        """Projects the file names by system id or external id, that the user may change."""
        ids: set[int] = set()
        external: set[str] = set()
        for i, key in self.mapping.items():
            if key not in ("id", "external_id"):
                continue
            for row in self.table.rows:
                text = clean_text(row.values[i]) if i < len(row.values) else ""
                if not text:
                    continue
                if key == "id":
                    if text.isdigit():
                        ids.add(int(text))
                else:
                    external.add(text)
        by_id: dict[Any, Project] = {}
        by_ext: dict[Any, Project] = {}
        allowed = _changeable(Project, self.user).select_related("stage")
        id_list, ext_list = sorted(ids), sorted(external)
        for start in range(0, len(id_list), 500):
            for p in allowed.filter(pk__in=id_list[start : start + 500]):
                by_id[p.pk] = p
        for start in range(0, len(ext_list), 500):
            for p in allowed.filter(external_id__in=ext_list[start : start + 500]):
                by_ext[p.external_id] = p
        # Ids that exist but are outside the user's reach get a precise message.
        hidden_ids = (
            set(
                Project.objects.filter(pk__in=id_list)
                .exclude(pk__in=list(by_id))
                .values_list("pk", flat=True)
            )
            if len(id_list) < 5000
            else set()
        )
        hidden_ext = (
            set(
                Project.objects.filter(external_id__in=ext_list)
                .exclude(external_id__in=list(by_ext))
                .values_list("external_id", flat=True)
            )
            if len(ext_list) < 5000
            else set()
        )
        return {
            "id": by_id,
            "ext": by_ext,
            "hidden_id": dict.fromkeys(hidden_ids),
            "hidden_ext": dict.fromkeys(hidden_ext),
        }

    def plan_row(
        self, row: SheetRow, seen_ext: dict[str, int], seen_ids: dict[int, int]
    ) -> RowResult:
        result = RowResult(row.number, row)
        if row.hidden:
            result.warnings.append(_("Hidden row: skipped (unhide it to import it)."))
            return result
        for ref in row.uncomputed:
            result.errors.append(
                _(
                    "Cell {cell} holds a formula whose value was never computed; open the file in "
                    "a spreadsheet program and save it, or type the value."
                ).format(cell=ref)
            )
        data: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for i, key in self.mapping.items():
            raw = row.values[i] if i < len(row.values) else None
            try:
                _project_cell(
                    key, raw, self.units.get(key), self.lookups, data, extra, result.warnings
                )
            except CellError as exc:
                label = column("projects", key).label
                result.errors.append(
                    _("{cell} ({label}): {error}").format(
                        cell=_cell_name(row, i), label=label, error=exc
                    )
                )
        if result.errors:
            result.action = ImportRow.Action.ERROR
            return result
        # Which project the row is about.
        instance: Project | None = None
        sys_id = extra.get("id", "")
        ext_id = extra.get("external_id", "")
        result.external_id = ext_id
        if sys_id:
            if not sys_id.isdigit():
                result.errors.append(_("The id “{id}” is not a number.").format(id=sys_id))
            else:
                instance = self._existing["id"].get(int(sys_id))
                if instance is None:
                    result.errors.append(
                        _("No project #{id} that you may change.").format(id=sys_id)
                        if int(sys_id) in self._existing["hidden_id"]
                        else _("There is no project #{id}.").format(id=sys_id)
                    )
        elif ext_id:
            instance = self._existing["ext"].get(ext_id)
            if instance is None and ext_id in self._existing["hidden_ext"]:
                result.errors.append(
                    _("Project {ext} exists but you may not change it.").format(ext=ext_id)
                )
        _note_repeats(
            result, row.number, ext_id, instance, seen_ext, seen_ids,
            _("Row {row} already changes this project."),
        )  # fmt: skip
        if result.errors:
            result.action = ImportRow.Action.ERROR
            return result
        if instance is not None and instance.duplicate_of_id:
            survivor = Project.objects.select_related("stage").get(pk=instance.duplicate_of_id)
            result.warnings.append(
                _("Project #{old} was merged into #{new}; the row updates #{new}.").format(
                    old=instance.pk, new=survivor.pk
                )
            )
            instance = survivor
            data.pop("external_id", None)
        # Investor.
        hidden_investor = extra.get("investor", "") in HIDDEN_INVESTOR
        if hidden_investor and instance is None:
            result.errors.append(_("The investor is hidden (保密); give the investor's name."))
            result.action = ImportRow.Action.ERROR
            return result
        if hidden_investor:
            pass  # an export that hid a confidential investor: leave the investor as it is
        elif "investor" in self.mapping.values() or "investor_credit_code" in self.mapping.values():
            company, new_key, errs, warns = self.resolver.resolve(
                extra.get("investor", ""),
                extra.get("investor_credit_code", ""),
                self.company_cache,
            )
            result.errors.extend(errs)
            result.warnings.extend(warns)
            data["investor"] = company.pk if company is not None else None
            result.new_company_key = new_key
        if instance is None:
            self._plan_create(result, data, extra)
        else:
            self._plan_update(result, instance, data, extra)
        return result

    def _amount_extras(self, data: dict[str, Any], extra: dict[str, Any], current: Any) -> None:
        if "amount_text" not in self.mapped and "amount" in self.mapped:
            cell_text = extra.get("amount_text_from_cell")
            if cell_text:
                data["amount_text"] = cell_text
            elif current is not None:
                data["amount_text"] = current.amount_text
            else:
                data["amount_text"] = ""
        if "amount_is_estimated" not in self.mapped and "amount" in self.mapped:
            data["amount_is_estimated"] = bool(extra.get("estimated_from_cell")) or bool(
                current is not None
                and current.amount_is_estimated
                and not extra.get("amount_text_from_cell")
            )
        if "amount" in self.mapped and not extra.get("amount_not_cny"):
            if "currency" not in self.mapped:
                data["currency"] = "CNY"
            if "amount_original" not in self.mapped:
                data.setdefault("amount_original", None)
        elif extra.get("amount_not_cny") and current is not None:
            data["amount_cny"] = current.amount_cny

    def _plan_create(self, result: RowResult, data: dict[str, Any], extra: dict[str, Any]) -> None:
        if not data.get("name"):
            result.errors.append(_("A project needs a name (项目名称)."))
        if "stage" not in data or data.get("stage") is None:
            signed = self.lookups.stage.get("signed")
            if data.get("signed_on") and signed is not None:
                data["stage"] = signed.pk
            else:
                first = min(self.stages_by_pk.values(), key=lambda s: s.sequence)
                data["stage"] = first.pk
            result.warnings.append(
                _("No stage given: the project starts at {stage}.").format(
                    stage=self.stages_by_pk[data["stage"]]
                )
            )
        self._amount_extras(data, extra, None)
        for name in self.create_fields:
            if name not in data:
                data[name] = self.defaults[name]
        form = self._bound(self.create_form, data, Project())
        _skip_db_constraints(form.instance)
        if not form.is_valid():
            result.errors.extend(_form_errors(form, _labels()))
        if result.errors:
            result.action = ImportRow.Action.ERROR
            return
        project: Project = form.instance
        stage = project.stage
        day = getattr(project, stage.date_field) if stage.date_field else None
        result.stage_on = day or timezone.localdate()
        result.instance = project
        result.action = ImportRow.Action.CREATE
        facts = ProjectFacts(
            None,
            project.name,
            project.investor_id,
            project.district_id,
            project.amount_cny,
            project.signed_on or result.stage_on,
        )
        for cand in self.project_index.candidates(facts, limit=3):
            if cand.project_id < 0:  # a row of this file (see below)
                message = _("Possible duplicate of row {row} of this file ({score}: {why}).")
            else:
                message = _("Possible duplicate of project #{id} “{name}” ({score}: {why}).")
            result.warnings.append(
                message.format(
                    id=cand.project_id,
                    row=-cand.project_id,
                    name=cand.name,
                    score=cand.score,
                    why="; ".join(cand.reasons),
                )
            )
        if facts.investor_id is not None:
            # Later rows are compared with this one too, under a negative row number.
            self.project_index.add(
                ProjectFacts(
                    -result.number,
                    facts.name,
                    facts.investor_id,
                    facts.district_id,
                    facts.amount,
                    facts.day,
                )
            )

    def _plan_update(
        self, result: RowResult, instance: Project, data: dict[str, Any], extra: dict[str, Any]
    ) -> None:
        before = snapshot(instance, PROJECT_SNAPSHOT)
        result.before = before
        result.object_id = instance.pk
        target_stage = self.stages_by_pk.get(data.pop("stage")) if "stage" in data else None
        self._amount_extras(data, extra, instance)
        for name in self.update_fields:
            if name not in data:
                f = Project._meta.get_field(name)
                data[name] = _json(getattr(instance, f.attname))  # type: ignore[union-attr]
        for key, obj in (extra.get("fk_objects") or {}).items():
            self.fk_cache.setdefault(key, {})[obj.pk] = obj
        if instance.investor_id and instance.investor_id not in self.company_cache:
            self.company_cache[instance.investor_id] = _company_stub(instance.investor_id, "")
        form = self._bound(self.update_form, data, instance)
        _skip_db_constraints(instance)
        if not form.is_valid():
            result.errors.extend(_form_errors(form, _labels()))
            result.action = ImportRow.Action.ERROR
            # The form changed the instance in memory; put the stored values back.
            restore(instance, before)
            return
        after = snapshot(instance, PROJECT_SNAPSHOT)
        result.changed = [k for k in after if after[k] != before[k]]
        if target_stage is not None and target_stage.pk != instance.stage_id:
            on = getattr(instance, target_stage.date_field) if target_stage.date_field else None
            if target_stage.requires_date and on is None:
                result.errors.append(
                    _("Moving to stage {stage} needs its date ({field}).").format(
                        stage=target_stage, field=target_stage.date_field
                    )
                )
            elif target_stage.is_lost:
                result.errors.append(
                    _(
                        "Mark a project as lost on its page, with the reason; the import "
                        "does not do it."
                    )
                )
            else:
                result.stage_move = (target_stage, on)
        current_stage = self.stages_by_pk.get(instance.stage_id)
        if (
            current_stage is not None
            and current_stage.requires_date
            and current_stage.date_field
            and getattr(instance, current_stage.date_field) is None
        ):
            result.errors.append(
                _("The project is at stage {stage}, which needs {field}.").format(
                    stage=current_stage, field=current_stage.date_field
                )
            )
        if result.errors:
            restore(instance, before)
            result.action = ImportRow.Action.ERROR
            return
        if not result.changed and result.stage_move is None and not result.new_company_key:
            result.action = ImportRow.Action.SKIP
            result.warnings.append(_("Unchanged."))
            return
        result.instance = instance
        result.action = ImportRow.Action.UPDATE


def _changeable(model: Any, user: Any) -> Any:
    """Records the importer may update: the user's `change` scope; everything for the command
    line (user None), whose operator has shell access to the database anyway."""
    if user is None:
        return model.objects.all()
    return model.objects.restrict(user, "change")


def _labels() -> dict[str, str]:
    return {f: str(getattr(Project._meta.get_field(f), "verbose_name", f)) for f in EDITABLE_FIELDS}


def _skip_db_constraints(instance: models.Model) -> None:
    """Check constraints are enforced by the database at commit (one atomic batch), not by a
    query per row here; field validators and Project.clean() already cover their rules."""
    instance.validate_constraints = lambda exclude=None: None  # type: ignore[method-assign]


# --------------------------------------------------------------------------- companies: plan


class CompanyPlanner:
    """Plans company rows (a company list): match by id, external id, credit code or name."""

    def __init__(self, table: Table, mapping: dict[str, str], user: Any) -> None:
        self.table = table
        self.mapping = {int(i): key for i, key in mapping.items()}
        self.user = user
        self.index = CompanyIndex.from_queryset()
        self.mapped = set(self.mapping.values())
        fields = [f for f in COMPANY_FIELDS if f in self.mapped]
        self.create_fields = list(dict.fromkeys(["name_zh_hans", *fields]))
        self.update_fields = fields
        self.create_form = modelform_factory(
            Company, form=ImportCompanyForm, fields=self.create_fields
        )
        self.update_form = modelform_factory(
            Company, form=ImportCompanyForm, fields=self.update_fields or ["name_zh_hans"]
        )
        self.refs = dict(
            ExternalRef.objects.filter(kind="companies").values_list("external_id", "object_id")
        )
        self.allowed = _changeable(Company, user)
        self.fk_cache: dict[str, dict[Any, Any]] = {"parent": {}}
        self.new_by_key: dict[str, int] = {}
        self.pool = FormPool(self.fk_cache)

    def plan_row(
        self, row: SheetRow, seen_ext: dict[str, int], seen_ids: dict[int, int]
    ) -> RowResult:
        from core.text import fold

        result = RowResult(row.number, row)
        if row.hidden:
            result.warnings.append(_("Hidden row: skipped (unhide it to import it)."))
            return result
        for ref in row.uncomputed:
            result.errors.append(
                _("Cell {cell} holds a formula whose value was never computed.").format(cell=ref)
            )
        data: dict[str, Any] = {}
        extra: dict[str, str] = {}
        for i, key in self.mapping.items():
            text = clean_text(row.values[i] if i < len(row.values) else None)
            if key in ("id", "external_id"):
                extra[key] = text
            elif key == "parent":
                if not text:
                    data["parent"] = None
                    continue
                pk = self.index.exact(text)
                if pk is None:
                    result.errors.append(
                        _("{cell}: no company named “{name}” to be the parent.").format(
                            cell=_cell_name(row, i), name=text
                        )
                    )
                    continue
                self.fk_cache["parent"][pk] = _company_stub(pk, text)
                data["parent"] = pk
            else:
                data[key] = text
        instance: Company | None = None
        if extra.get("id"):
            if not extra["id"].isdigit():
                result.errors.append(_("The id “{id}” is not a number.").format(id=extra["id"]))
            else:
                instance = self.allowed.filter(pk=int(extra["id"])).first()
                if instance is None:
                    result.errors.append(
                        _("There is no company #{id} that you may change.").format(id=extra["id"])
                    )
        elif extra.get("external_id") and extra["external_id"] in self.refs:
            instance = self.allowed.filter(pk=self.refs[extra["external_id"]]).first()
        if instance is None and not result.errors:
            pk = self.index.exact(data.get("name_zh_hans", ""), data.get("credit_code") or None)
            if pk is not None:
                instance = self.allowed.filter(pk=pk).first()
        ext = extra.get("external_id", "")
        result.external_id = ext
        _note_repeats(
            result, row.number, ext, instance, seen_ext, seen_ids,
            _("Row {row} already changes this company."),
        )  # fmt: skip
        if result.errors:
            result.action = ImportRow.Action.ERROR
            return result
        if instance is None:
            key = fold(data.get("name_zh_hans", ""))
            if key and key in self.new_by_key:
                result.errors.append(
                    _("The same company is already created by row {row}.").format(
                        row=self.new_by_key[key]
                    )
                )
                result.action = ImportRow.Action.ERROR
                return result
            form = self.pool.bind(self.create_form, {"country": "CN", **data}, Company())
            if not form.is_valid():
                result.errors.extend(_form_errors(form, {}))
            code = form.cleaned_data.get("credit_code") if form.is_bound else None
            if code and code in self.index.by_code:
                result.errors.append(
                    _("Credit code {code} belongs to company #{id}.").format(
                        code=code, id=self.index.by_code[code]
                    )
                )
            if result.errors:
                result.action = ImportRow.Action.ERROR
                return result
            company = form.instance
            for cand in self.index.candidates(
                company.name_zh_hans,
                credit_code=company.credit_code or "",
                name_en=company.name_en,
                aliases=company.aliases,
                limit=3,
            ):
                result.warnings.append(
                    _("Possible duplicate of company #{id} “{other}” ({score}: {why}).").format(
                        id=cand.company_id,
                        other=cand.name,
                        score=cand.score,
                        why="; ".join(cand.reasons),
                    )
                )
            if key:
                self.new_by_key[key] = row.number
            result.instance = company
            result.action = ImportRow.Action.CREATE
            return result
        names = tuple(self.update_fields)
        before = snapshot(instance, COMPANY_FIELDS)
        result.before = before
        result.object_id = instance.pk
        full = {
            **{
                f: _json(getattr(instance, instance._meta.get_field(f).attname))  # type: ignore[union-attr]
                for f in names
            },
            **data,
        }
        if instance.parent_id:
            self.fk_cache["parent"].setdefault(
                instance.parent_id, _company_stub(instance.parent_id, "")
            )
        form = self.pool.bind(self.update_form, full, instance)
        if not form.is_valid():
            result.errors.extend(_form_errors(form, {}))
            restore(instance, before)
            result.action = ImportRow.Action.ERROR
            return result
        code = instance.credit_code
        if code and self.index.by_code.get(code, instance.pk) != instance.pk:
            result.errors.append(
                _("Credit code {code} belongs to company #{id}.").format(
                    code=code, id=self.index.by_code[code]
                )
            )
            restore(instance, before)
            result.action = ImportRow.Action.ERROR
            return result
        after = snapshot(instance, COMPANY_FIELDS)
        result.changed = [k for k in after if after[k] != before[k]]
        needs_ref = bool(ext) and self.refs.get(ext) != instance.pk
        if not result.changed and not needs_ref:
            result.action = ImportRow.Action.SKIP
            result.warnings.append(_("Unchanged."))
            return result
        result.instance = instance
        result.action = ImportRow.Action.UPDATE
        return result


# --------------------------------------------------------------------------- plan


def plan(
    table: Table,
    kind: str,
    *,
    mapping: dict[str, str] | None = None,
    user: Any = None,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Decide, for every row, what importing it would do (nothing is written)."""
    mapping = mapping if mapping is not None else default_mapping(kind, table)
    keys = set(mapping.values())
    if kind == "projects" and not keys & {"name", "id", "external_id"}:
        raise FileRefused(
            _("No column holds the project name (项目名称) or an id; check the column mapping.")
        )
    if kind == "companies" and not keys & {"name_zh_hans", "id", "external_id", "credit_code"}:
        raise FileRefused(
            _("No column holds the company name (企业名称); check the column mapping.")
        )
    planner: ProjectPlanner | CompanyPlanner
    planner = (
        ProjectPlanner(table, mapping, user)
        if kind == "projects"
        else CompanyPlanner(table, mapping, user)
    )
    seen_ext: dict[str, int] = {}
    seen_ids: dict[int, int] = {}
    rows = []
    for n, row in enumerate(table.rows):
        rows.append(planner.plan_row(row, seen_ext, seen_ids))
        if progress is not None and n % 10000 == 0:
            progress(n)
    result = Plan(kind, table, mapping, rows)
    if isinstance(planner, ProjectPlanner):
        # Created at commit only for the rows that are written and need them.
        result.new_companies = planner.resolver.new
    return result


# --------------------------------------------------------------------------- commit


def _history_kwargs(batch: ImportBatch, user: Any) -> dict[str, Any]:
    authed = user if user is not None and getattr(user, "is_authenticated", False) else None
    return {
        "default_user": authed,
        "custom_historical_attrs": {"request_id": batch.request_id, "change_source": "import"},
    }


def _insert_with_history(model: Any, objs: list[Any], batch: ImportBatch, user: Any) -> None:
    authed = user if user is not None and getattr(user, "is_authenticated", False) else None
    insert_objects(model, objs)
    insert_history(
        model,
        objs,
        history_type="+",
        user_id=authed.pk if authed is not None else None,
        request_id=batch.request_id,
        source="import",
    )


def commit(the_plan: Plan, batch: ImportBatch, user: Any, *, bulk: bool | None = None) -> None:
    """Write a plan; the caller holds the transaction and the change context."""
    writable = [
        r for r in the_plan.rows if r.action in (ImportRow.Action.CREATE, ImportRow.Action.UPDATE)
    ]
    if bulk is None:
        bulk = len(writable) > bulk_threshold()
    if the_plan.kind == "projects":
        _commit_projects(the_plan, writable, batch, user, bulk)
    else:
        _commit_companies(writable, batch, user, bulk)
    _check_scope(the_plan.kind, writable, user)


def _check_scope(kind: str, rows: list[RowResult], user: Any) -> None:
    """Every record written must lie in the user's `change` scope (an officer cannot import
    into another district); the policy answers, and a refusal undoes the whole batch."""
    if user is None or not rows:
        return
    model: Any = Project if kind == "projects" else Company
    ids = [r.object_id for r in rows if r.object_id is not None]
    allowed: set[int] = set()
    scope = model.objects.restrict(user, "change")
    for start in range(0, len(ids), 1000):
        allowed.update(scope.filter(pk__in=ids[start : start + 1000]).values_list("pk", flat=True))
    outside = [r.number for r in rows if r.object_id not in allowed]
    if outside:
        raise ImportRefused(
            _("You may not write these rows (outside your districts): {rows}.").format(
                rows=", ".join(str(n) for n in outside[:20])
            )
        )


def _create_new_companies(
    the_plan: Plan, rows: list[RowResult], batch: ImportBatch, user: Any, bulk: bool
) -> dict[str, Company]:
    needed = {r.new_company_key for r in rows if r.new_company_key}
    companies = {k: c for k, c in the_plan.new_companies.items() if k in needed}
    if not companies:
        return {}
    if bulk:
        objs = list(companies.values())
        for c in objs:
            prepare_company_for_bulk(c)
        _insert_with_history(Company, objs, batch, user)
    else:
        for c in companies.values():
            c.save()
    return companies


def _commit_projects(
    the_plan: Plan, rows: list[RowResult], batch: ImportBatch, user: Any, bulk: bool
) -> None:
    companies = _create_new_companies(the_plan, rows, batch, user, bulk)
    creates = [r for r in rows if r.action == ImportRow.Action.CREATE]
    updates = [r for r in rows if r.action == ImportRow.Action.UPDATE]
    for r in rows:
        if r.new_company_key:
            company = companies[r.new_company_key]
            r.instance.investor = company
            r.created_company_id = company.pk
    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    if bulk:
        from simple_history.utils import bulk_update_with_history

        objs = []
        for r in creates:
            p = r.instance
            # What create_project does before saving: the stage's day is the first progress.
            day = r.stage_on
            if p.stage.date_field and getattr(p, p.stage.date_field) is None:
                setattr(p, p.stage.date_field, day)
            p.stage_entered_on = p.stage_entered_on or day
            p.last_progress_on = p.last_progress_on or day
            objs.append(p)
        _insert_with_history(Project, objs, batch, user)
        changes = [
            StageChange(
                project=r.instance,
                from_stage=None,
                to_stage=r.instance.stage,
                effective_on=r.stage_on or timezone.localdate(),
                changed_by=actor,
                request_id=batch.request_id,
            )
            for r in creates
        ]
        insert_objects(StageChange, changes)
        if updates:
            now = timezone.now()
            names: set[str] = {"version", "updated_at"}
            objs = []
            for r in updates:
                p = r.instance
                p.version = (p.version or 0) + 1
                p.updated_at = now
                names.update(
                    next(f.name for f in Project._meta.concrete_fields if f.attname == a)
                    for a in r.changed
                )
                objs.append(p)
            for start in range(0, len(objs), CHUNK):
                bulk_update_with_history(
                    objs[start : start + CHUNK],
                    Project,
                    sorted(names),
                    batch_size=CHUNK,
                    **_history_kwargs(batch, user),
                )
    else:
        for r in creates:
            p = r.instance
            values = {
                f.name: getattr(p, f.name)
                for f in Project._meta.concrete_fields
                if f.name in EDITABLE_FIELDS
            }
            r.instance = create_project(user=actor, stage_on=r.stage_on, **values)
        for r in updates:
            if r.changed:
                r.instance.save()
    for r in updates:
        if r.stage_move is not None:
            stage, on = r.stage_move
            try:
                move_stage(r.instance, stage, on=on, user=actor, note=_("import"))
            except ValidationError as exc:
                raise ImportRefused(
                    _("Row {row}: {error}").format(row=r.number, error="; ".join(exc.messages))
                ) from exc
            r.instance.refresh_from_db()
    for r in rows:
        r.object_id = r.instance.pk
        r.version_after = r.instance.version


def _commit_companies(rows: list[RowResult], batch: ImportBatch, user: Any, bulk: bool) -> None:
    creates = [r for r in rows if r.action == ImportRow.Action.CREATE]
    updates = [r for r in rows if r.action == ImportRow.Action.UPDATE]
    if bulk:
        from simple_history.utils import bulk_update_with_history

        objs = [r.instance for r in creates]
        for c in objs:
            prepare_company_for_bulk(c)
        _insert_with_history(Company, objs, batch, user)
        changed = [r for r in updates if r.changed]
        if changed:
            now = timezone.now()
            names = {"version", "updated_at", "search_key", "name_zh_hant"}
            for r in changed:
                r.instance.version += 1
                r.instance.updated_at = now
                prepare_company_for_bulk(r.instance)
                names.update(
                    next(f.name for f in Company._meta.concrete_fields if f.attname == a)
                    for a in r.changed
                )
            objs = [r.instance for r in changed]
            bulk_update_with_history(
                objs, Company, sorted(names), batch_size=CHUNK, **_history_kwargs(batch, user)
            )
    else:
        for r in creates:
            r.instance.save()
        for r in updates:
            if r.changed:
                r.instance.save()
    refs = []
    for r in rows:
        r.object_id = r.instance.pk
        r.version_after = r.instance.version
        if r.external_id:
            refs.append(r)
    for r in refs:
        ExternalRef.objects.update_or_create(
            kind="companies",
            external_id=r.external_id,
            defaults={"object_id": r.instance.pk, "batch": batch},
        )


# --------------------------------------------------------------------------- batches


def _save_rows(batch: ImportBatch, the_plan: Plan) -> None:
    batch.rows.all().delete()
    # In chunks: 100,000 ImportRow instances at once would double the import's memory.
    for start in range(0, len(the_plan.rows), CHUNK):
        _save_row_chunk(batch, the_plan.rows[start : start + CHUNK])
    _count_rows(batch, the_plan)


def _save_row_chunk(batch: ImportBatch, chunk: list[RowResult]) -> None:
    rows = [
        ImportRow(
            batch=batch,
            number=r.number,
            action=r.action,
            errors=r.errors,
            warnings=r.warnings,
            values=r.values,
            object_id=r.object_id,
            before=r.before if r.action == ImportRow.Action.UPDATE else None,
            changed_fields=r.changed,
            version_after=r.version_after,
            created_company_id=r.created_company_id,
        )
        for r in chunk
    ]
    insert_objects(ImportRow, rows)


def _count_rows(batch: ImportBatch, the_plan: Plan) -> None:
    batch.rows_total = len(the_plan.rows)
    batch.rows_created = the_plan.count(ImportRow.Action.CREATE)
    batch.rows_updated = the_plan.count(ImportRow.Action.UPDATE)
    batch.rows_skipped = the_plan.count(ImportRow.Action.SKIP)
    batch.rows_error = the_plan.count(ImportRow.Action.ERROR)
    batch.companies_created = len(
        {r.created_company_id for r in the_plan.rows if r.created_company_id}
    )
    if the_plan.kind == "projects" and batch.status != ImportBatch.Status.COMMITTED:
        batch.companies_created = len(
            {
                r.new_company_key
                for r in the_plan.rows
                if r.new_company_key and r.action in ("create", "update")
            }
        )


def new_batch(data: bytes, file_name: str, kind: str, user: Any) -> ImportBatch:
    """Store an uploaded file as a batch (nothing is read or imported yet)."""
    batch = ImportBatch(
        kind=kind,
        file_name=file_name[:300],
        file_hash=hashlib.sha256(data).hexdigest(),
        created_by=user if user is not None and getattr(user, "is_authenticated", False) else None,
    )
    batch.file.save(file_name[-80:] or "upload", ContentFile(data), save=False)
    batch.save()
    return batch


def _batch_bytes(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as fh:
        return fh.read()


def inspect(batch: ImportBatch) -> Table:
    """Read the batch's file, remember its headers and the automatic mapping."""
    table = read(_batch_bytes(batch), batch.kind)
    batch.file_format = table.file_format
    batch.sheet_name = table.sheet_name[:200]
    batch.headers = table.headers
    batch.warnings = table.warnings
    if not batch.mapping:
        batch.mapping = default_mapping(batch.kind, table)
    batch.save()
    return table


def run(batch: ImportBatch, *, user: Any, dry_run: bool, bulk: bool | None = None) -> Plan | None:
    """Dry run (plan and store the rows) or commit the batch, atomically. Returns the plan,
    or None when the file was refused (the batch then says why)."""
    started = time.monotonic()
    if batch.status in (ImportBatch.Status.COMMITTED, ImportBatch.Status.ROLLED_BACK):
        raise ImportRefused(_("This batch has already been imported."))
    try:
        table = read(_batch_bytes(batch), batch.kind)
    except FileRefused as exc:
        batch.status = ImportBatch.Status.FAILED
        batch.message = str(exc)
        batch.save()
        return None
    batch.headers = table.headers
    batch.file_format = table.file_format
    batch.sheet_name = table.sheet_name[:200]
    batch.warnings = table.warnings
    if not batch.mapping:
        batch.mapping = default_mapping(batch.kind, table)
    with change_context("import", request_id=batch.request_id, user=user):
        try:
            with transaction.atomic():
                the_plan = plan(table, batch.kind, mapping=batch.mapping, user=user)
                if dry_run:
                    batch.status = ImportBatch.Status.PLANNED
                    batch.message = ""
                else:
                    if the_plan.has_errors and not batch.skip_errors:
                        raise ImportRefused(
                            _(
                                "{n} rows have errors; nothing was imported. Fix them (see the "
                                "error file) or choose to skip rows with errors."
                            ).format(n=the_plan.count(ImportRow.Action.ERROR))
                        )
                    commit(the_plan, batch, user, bulk=bulk)
                    batch.status = ImportBatch.Status.COMMITTED
                    batch.committed_at = timezone.now()
                    batch.message = ""
                _save_rows(batch, the_plan)
                batch.duration_ms = int((time.monotonic() - started) * 1000)
                batch.save()
        except FileRefused as exc:
            _fail(batch, str(exc))
            return None
        except ImportRefused as exc:
            _fail(batch, str(exc), keep_rows=the_plan if "the_plan" in dir() else None)
            raise
        except Exception as exc:  # a database error: the transaction is gone, say so
            _fail(
                batch,
                _("The import failed and nothing was written: {error}").format(
                    error=str(exc)[:300]
                ),
            )
            raise
    return the_plan


def _fail(batch: ImportBatch, message: str, keep_rows: Plan | None = None) -> None:
    if batch.status != ImportBatch.Status.PLANNED:
        batch.status = ImportBatch.Status.FAILED
    batch.message = message
    if keep_rows is not None:
        with transaction.atomic():
            _save_rows(batch, keep_rows)
    batch.save()


def import_file(
    data: bytes,
    file_name: str,
    kind: str,
    *,
    user: Any = None,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
    skip_errors: bool = False,
    bulk: bool | None = None,
) -> tuple[ImportBatch, Plan | None]:
    """Store the file as a batch and dry-run or import it in one go (CLI and tests)."""
    batch = new_batch(data, file_name, kind, user)
    batch.skip_errors = skip_errors
    if mapping is not None:
        batch.mapping = mapping
    batch.save()
    the_plan = run(batch, user=user, dry_run=dry_run, bulk=bulk)
    return batch, the_plan


# --------------------------------------------------------------------------- rollback


def rollback(batch: ImportBatch, *, user: Any) -> None:
    """Undo a committed batch: delete what it created, restore what it changed.

    Refused, with the rows named, when a record has been changed since the import (its
    version moved on) or has gathered activities, follow-ups or evidence since.
    """
    if batch.status != ImportBatch.Status.COMMITTED:
        raise ImportRefused(_("Only an imported batch can be rolled back."))
    model: type[models.Model] = Project if batch.kind == "projects" else Company
    rows = list(batch.rows.filter(action__in=["create", "update"]).order_by("number"))
    ids = [r.object_id for r in rows if r.object_id is not None]
    current = {o.pk: o for o in model.objects.filter(pk__in=ids)}  # type: ignore[attr-defined]
    problems = []
    for r in rows:
        obj = current.get(r.object_id)
        if obj is None:
            problems.append(_("row {row}: the record is gone").format(row=r.number))
        elif r.version_after is not None and obj.version != r.version_after:
            problems.append(
                _("row {row}: #{id} was changed after the import").format(
                    row=r.number, id=r.object_id
                )
            )
    if batch.kind == "projects":
        created = [r.object_id for r in rows if r.action == "create" and r.object_id]
        for label, rel in (
            ("activities", "activities"),
            ("follow-ups", "follow_ups"),
            ("evidence", "evidence"),
            ("paid-in capital", "paid_in"),
        ):
            busy = (
                Project.objects.filter(pk__in=created, **{f"{rel}__isnull": False})
                .values_list("pk", flat=True)
                .distinct()
            )
            for pk in busy[:20]:
                problems.append(_("#{id} has {what} now").format(id=pk, what=label))
    if problems:
        raise ImportRefused(
            _("The batch cannot be rolled back: {problems}.").format(
                problems="; ".join(str(p) for p in problems[:20])
            )
        )
    with (
        change_context("import", request_id=f"{batch.request_id}-rollback", user=user),
        transaction.atomic(),
    ):
        for r in rows:
            if r.action == "update" and r.before:
                obj = current[r.object_id]
                names = restore(obj, r.before)
                if batch.kind == "companies":
                    obj.save()  # recomputes the search key from the restored names
                else:
                    obj.save(update_fields=names)
        if batch.kind == "projects":
            StageChange.objects.filter(request_id=batch.request_id).delete()
            created_ids = [r.object_id for r in rows if r.action == "create" and r.object_id]
            for start in range(0, len(created_ids), 500):
                for obj in Project.objects.filter(pk__in=created_ids[start : start + 500]):
                    obj.delete()
            company_ids = {r.created_company_id for r in rows if r.created_company_id}
            for company in Company.objects.filter(pk__in=company_ids):
                if not company.projects.exists():
                    company.delete()
        else:
            created_ids = [r.object_id for r in rows if r.action == "create" and r.object_id]
            ExternalRef.objects.filter(kind="companies", object_id__in=created_ids).delete()
            for company in Company.objects.filter(pk__in=created_ids):
                company.delete()
        batch.status = ImportBatch.Status.ROLLED_BACK
        batch.rolled_back_at = timezone.now()
        batch.rolled_back_by = (
            user if user is not None and getattr(user, "is_authenticated", False) else None
        )
        batch.save()


def _note_repeats(
    result: Any,
    number: int,
    external_id: str,
    instance: Any,
    seen_ext: dict[str, int],
    seen_ids: dict[int, int],
    already_changed: str,
) -> None:
    """Flag a row whose external id or target record an earlier row of the file already used."""
    if external_id:
        if external_id in seen_ext:
            result.errors.append(
                _("External id {ext} already appears in row {row}.").format(
                    ext=external_id, row=seen_ext[external_id]
                )
            )
        seen_ext[external_id] = number
    if instance is not None:
        if instance.pk in seen_ids:
            result.errors.append(already_changed.format(row=seen_ids[instance.pk]))
        seen_ids[instance.pk] = number
