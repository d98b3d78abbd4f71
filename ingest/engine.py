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

import contextlib
import datetime as dt
import gc
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

import django
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.forms.models import modelform_factory
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from companies.duplicates import CompanyIndex
from companies.models import Company
from core.context import change_context
from core.files import clean_file_name
from core.text import to_traditional
from ingest.bulkwrite import insert_history, insert_objects, insert_values
from ingest.forms import COMPANY_FIELDS, ImportCompanyForm, ImportProjectForm
from ingest.lookups import Lookups, fold
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
#: From this many external ids in a file, the ones on file are found by reading the external
#: ids stored (when there are fewer of those), not by asking for the file's in chunks.
SCAN_EXTERNAL_IDS_FROM = 5000

logger = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------- faster forms
#
# Every row goes through ProjectForm (and every new investor through CompanyForm). The pool
# below binds one form per class and rebinds it row after row; on top of that the loops of
# Django's ModelForm validation are run here with what depends only on the form class
# worked out once per form: which bound field, widget and clean_<name> method each field
# has, which model fields construct_instance() may set. The steps, their order and their
# results are Django's (5.2; other versions use Django's own methods), as the tests check
# against the stock forms.

_HOISTED = django.VERSION[:2] == (5, 2)
#: Values whose equal instances are interchangeable (1 == 1.0 == True and Decimal("1.0") ==
#: Decimal("1") are not: the memo key holds the exact type, and decimals are not kept).
_MEMO_VALUE_TYPES = (str, int, bool, dt.date, type(None))


@lru_cache(maxsize=1)
def _memo_field_classes() -> frozenset[type]:
    from django import forms

    return frozenset(
        {
            forms.CharField,
            forms.ChoiceField,
            forms.TypedChoiceField,
            forms.BooleanField,
            forms.NullBooleanField,
            forms.DateField,
            forms.IntegerField,
        }
    )


class _HoistedValidation:
    """Mixin for the importer's model forms: BaseForm._clean_fields and
    BaseModelForm._post_clean (with construct_instance) with their per-class work hoisted."""

    cleaned_data: dict[str, Any]

    def _hoisted(self) -> tuple[list[Any], list[Any], list[str], set[str], list[Any]]:
        plan = self.__dict__.get("_hoisted_plan")
        if plan is not None:
            return plan
        from django.forms import Field as FormField
        from django.forms import ModelChoiceField, Widget
        from django.forms.boundfield import BoundField
        from django.forms.forms import BaseForm
        from django.forms.models import InlineForeignKeyField
        from django.forms.widgets import ChoiceWidget

        form: Any = self
        plain_form = type(form)._widget_data_value is BaseForm._widget_data_value  # type: ignore[attr-defined]
        fields = []
        for name in form.fields:
            bf = form[name]
            form_field = bf.field
            widget = form_field.widget
            # Widgets whose value_from_datadict() is data.get(name).
            plain_widget = type(widget).value_from_datadict is Widget.value_from_datadict or (
                type(widget).value_from_datadict is ChoiceWidget.value_from_datadict
                and not widget.allow_multiple_selected
            )
            direct = (
                plain_form
                and plain_widget
                and type(bf).data is BoundField.data
                and type(form_field)._clean_bound_field is FormField._clean_bound_field  # type: ignore[attr-defined]
            )
            method = getattr(form, f"clean_{name}") if hasattr(form, f"clean_{name}") else None
            # Field.clean of these classes, with Django's own validators, is a function of
            # the value alone: a ledger's repeated values are cleaned once.
            memo: dict[Any, Any] | None = (
                {}
                if direct
                and type(form_field) in _memo_field_classes()
                and all(
                    type(v).__module__ == "django.core.validators" for v in form_field.validators
                )
                else None
            )
            fields.append((name, bf, form_field, bf.html_name, direct, method, memo))
        opts = form._meta
        construct = []
        for f in opts.model._meta.fields:
            if not f.editable or isinstance(f, models.AutoField):
                continue
            if opts.fields is not None and f.name not in opts.fields:
                continue
            if opts.exclude and f.name in opts.exclude:
                continue
            construct.append((f, f.name, f.has_default(), isinstance(f, models.FileField)))
        inline = [n for n, fld in form.fields.items() if isinstance(fld, InlineForeignKeyField)]
        # _get_validation_exclusions(): Django's, then _MemoryLookups' foreign keys.
        static: set[str] = set()
        dynamic = []
        for f in opts.model._meta.fields:
            if (
                f.name not in form.fields
                or (opts.fields and f.name not in opts.fields)
                or (opts.exclude and f.name in opts.exclude)
            ):
                static.add(f.name)
            else:
                form_field = form.fields[f.name]
                dynamic.append(
                    (f.name, not f.blank and not form_field.required, form_field.empty_values)
                )
        static.update(n for n, fld in form.fields.items() if isinstance(fld, ModelChoiceField))
        plan = (fields, construct, inline, static, dynamic)
        self.__dict__["_hoisted_plan"] = plan
        return plan

    def _exclusions(self) -> set[str]:
        """What self._get_validation_exclusions() returns (the tests compare the two)."""
        form: Any = self
        _fields, _construct, _inline, static, dynamic = self._hoisted()
        exclude = set(static)
        errors = form._errors
        cleaned_data = form.cleaned_data
        for name, check_empty, empty_values in dynamic:
            if name in errors or (check_empty and cleaned_data.get(name) in empty_values):
                exclude.add(name)
        return exclude

    def rebind(self, data: dict[str, Any], instance: Any, *, fresh: bool = False) -> None:
        """ImportProjectForm.rebind; for a `fresh` instance (a new, untouched model
        instance) the initial values, the same for every new row, are worked out once."""
        if not fresh or not _HOISTED:
            return super().rebind(data, instance)  # type: ignore[misc]
        form: Any = self
        initial = self.__dict__.get("_fresh_initial")
        if initial is None:
            super().rebind(data, instance)  # type: ignore[misc]
            self.__dict__["_fresh_initial"] = dict(form.initial)
            return None
        # The steps of _MemoryLookups.rebind, with model_to_dict(instance) taken as known.
        form.instance = instance
        form.initial = dict(initial)
        form.data = data
        form.is_bound = True
        form._errors = None
        for bound in getattr(form, "_bound_fields_cache", {}).values():
            bound.__dict__.pop("initial", None)
        if hasattr(form, "cleaned_data"):
            del form.cleaned_data
        return None

    def _clean_fields(self) -> None:
        if not _HOISTED:
            return super()._clean_fields()  # type: ignore[misc]
        form: Any = self
        data = form.data
        for name, bf, form_field, html_name, direct, method, memo in self._hoisted()[0]:
            try:
                if direct:
                    value = bf.initial if form_field.disabled else data.get(html_name)
                    if memo is not None and type(value) in _MEMO_VALUE_TYPES:
                        key = (type(value), value)
                        try:
                            cleaned = memo[key]
                        except KeyError:
                            cleaned = form_field.clean(value)  # an invalid value raises each time
                            if len(memo) < 4096:
                                memo[key] = cleaned
                    else:
                        cleaned = form_field.clean(value)
                    form.cleaned_data[name] = cleaned
                else:
                    form.cleaned_data[name] = form_field._clean_bound_field(bf)
                if method is not None:
                    form.cleaned_data[name] = method()
            except ValidationError as e:
                form.add_error(name, e)
        return None

    def _construct_instance(self) -> Any:
        """django.forms.models.construct_instance(form, instance, fields, exclude)."""
        form: Any = self
        instance = form.instance
        cleaned_data = form.cleaned_data
        file_field_list = []
        for f, name, has_default, is_file in self._hoisted()[1]:
            if name not in cleaned_data:
                continue
            if has_default:
                form_field = form.fields[name]
                if (
                    form_field.widget.value_omitted_from_data(
                        form.data, form.files, form.add_prefix(name)
                    )
                    and cleaned_data.get(name) in form_field.empty_values
                ):
                    continue
            if is_file:
                file_field_list.append(f)
            else:
                f.save_form_data(instance, cleaned_data[name])
        for f in file_field_list:
            f.save_form_data(instance, cleaned_data[f.name])
        return instance

    def _post_clean(self) -> None:
        form: Any = self
        if not _HOISTED or type(form.instance) is not form._meta.model:
            return super()._post_clean()  # type: ignore[misc]
        exclude = self._exclusions()
        exclude.update(self._hoisted()[2])
        try:
            form.instance = self._construct_instance()
        except ValidationError as e:
            form._update_errors(e)
        try:
            form.instance.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as e:
            form._update_errors(e)
        if form._validate_unique:
            form.validate_unique()
        return None


class _PlannerProjectForm(_HoistedValidation, ImportProjectForm):
    """ImportProjectForm as the planner runs it."""


class _PlannerCompanyForm(_HoistedValidation, ImportCompanyForm):
    """ImportCompanyForm as the planner runs it."""


class _Fresh:
    """``model()``, made by copying one template when __init__ would only set defaults.

    Model.__init__ without arguments sends pre_init/post_init and sets every concrete
    field's attname to its default; with no receivers and no callable default but the ones
    called here again per instance, a copy of the template is the same object state.
    """

    def __init__(self, model: type[models.Model]) -> None:
        from django.db.models import signals

        self.model = model
        self.per_instance = [
            f for f in model._meta.concrete_fields if f.has_default() and callable(f.default)
        ]
        self.plain = (
            model.__init__ is models.Model.__init__
            and not signals.pre_init.has_listeners(model)
            and not signals.post_init.has_listeners(model)
        )
        template = model()
        self.values = dict(template.__dict__)  # "_state" first, then the attnames in order

    def __call__(self) -> Any:
        from django.db.models.base import ModelState

        model = self.model
        if not self.plain:
            return model()
        obj = model.__new__(model)
        d = self.values.copy()
        d["_state"] = ModelState()
        for f in self.per_instance:
            d[f.attname] = f.get_default()
        obj.__dict__ = d
        return obj


class FormPool:
    """One bound form per form class, rebound row after row (see ImportProjectForm.rebind).

    The forms check relations against `user`, the importing user (None: the command line).
    """

    def __init__(self, fk_cache: dict[str, dict[Any, Any]], user: Any) -> None:
        self.fk_cache = fk_cache
        self.user = user
        self.forms: dict[Any, Any] = {}

    def bind(
        self, form_class: Any, data: dict[str, Any], instance: Any, *, fresh: bool = False
    ) -> Any:
        form = self.forms.get(form_class)
        if form is None:
            form = form_class(data=data, instance=instance, fk_cache=self.fk_cache, user=self.user)
            self.forms[form_class] = form
        elif fresh:
            form.rebind(data, instance, fresh=True)
        else:
            form.rebind(data, instance)
        return form


# --------------------------------------------------------------------------- company resolution


_NEW_INVESTOR_FORM = modelform_factory(
    Company, form=_PlannerCompanyForm, fields=("name_zh_hans", "credit_code", "country")
)


class InvestorResolver:
    """Turns an investor name (and credit code) into an existing or a new company."""

    def __init__(self, index: CompanyIndex, user: Any) -> None:
        self.index = index
        self.new: dict[str, Company] = {}
        self.new_warnings: dict[str, list[str]] = {}
        self.pool = FormPool({}, user)
        self.outcome = ""
        self.key: str | None = None
        self.fresh_company = _Fresh(Company)
        self.exact: dict[tuple[str, str], int | None] = {}  # the index does not change

    def resolve(
        self, name: str, code: str, fk_cache: dict[Any, Any]
    ) -> tuple[Company | None, str | None, list[str], list[str]]:
        """(company or None, key of a new company, errors, warnings).

        ``self.outcome`` says afterwards which way the answer was found: ``none`` (no name
        and no code), ``existing`` (a company on file), ``unknown_code``, ``reused`` (a new
        company an earlier row already creates), ``created`` or ``invalid``. Only ``reused``,
        ``created`` and ``invalid`` depend on the rows before (see :func:`_adopt_row`).
        """
        name = name.strip()
        code = code.strip().upper()
        self.key = None
        if not name and not code:
            self.outcome = "none"
            return None, None, [], []
        try:
            pk = self.exact[(name, code)]
        except KeyError:
            pk = self.exact[(name, code)] = self.index.exact(name, code or None)
        if pk is not None:
            self.outcome = "existing"
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
            self.outcome = "unknown_code"
            return None, None, [_("No company has credit code {code}.").format(code=code)], []
        key = self.key = fold(name)
        if key in self.new:
            self.outcome = "reused"
            return None, key, [], self.new_warnings[key]
        self.outcome = "invalid"
        instance = self.fresh_company()
        # Like the project rows: check constraints are enforced by the database at commit
        # (this form's only one, company_not_duplicate_of_itself, names a field the form
        # does not have, so Django skips it anyway, after building a query to find out).
        _skip_db_constraints(instance)
        form = self.pool.bind(
            _NEW_INVESTOR_FORM,
            {"name_zh_hans": name, "credit_code": code, "country": "CN"},
            instance,
            fresh=True,
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
        self.outcome = "created"
        return None, key, [], warnings


# --------------------------------------------------------------------------- projects: plan


_PROJECT_COLUMNS = {c.key: c for c in COLUMNS_BY_KIND["projects"]}
# A ledger repeats its dates and amounts; both parsers are pure (a cell they refuse raises,
# and is not remembered), so each spelling is parsed once. typed: 1, 1.0 and True differ.
_parse_date = lru_cache(maxsize=65536, typed=True)(parse_date)
_ID_KEYS = ("id", "external_id", "investor", "investor_credit_code")
_AMOUNT_KEYS = ("amount", "contracted_amount", "foreign_capital_usd", "amount_original")
_parse_amount = lru_cache(maxsize=65536, typed=True)(parse_amount)
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
    # Amounts, dates and booleans are parsed from the raw cell; the rest from its text.
    if key in _ID_KEYS or not (key in _AMOUNT_KEYS or col.kind in ("date", "bool")):
        text = clean_text(raw)
    if key in _ID_KEYS:
        extra[key] = text
        if key == "external_id":
            data["external_id"] = text or None
    elif key in _AMOUNT_KEYS:
        if key == "foreign_capital_usd" and unit is not None and not unit.explicit:
            unit = None
        amount = _parse_amount(raw, unit)
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
        data[key] = _parse_date(raw)  # a date object: the form field takes it as it is
    elif col.kind == "bool":
        value = parse_bool(raw)
        if value is not None:
            data[key] = value
    elif key in ("priority", "origin", "lead_source"):
        if not text:
            data[key] = "B" if key == "priority" else ""
            return
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
        self.lookups = Lookups(user)
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
        self.company_index = CompanyIndex.from_queryset(_visible(Company, user))
        self.resolver = InvestorResolver(self.company_index, user)
        # Possible duplicates are looked for (and named) among the projects the user sees.
        self.project_index = ProjectIndex.from_queryset(_visible(Project, user))
        self.stages_by_pk = {s.pk: s for s in self.lookups.stage.by_pk.values()}
        # Set in the worker processes of a parallel plan (see plan_parallel): the project
        # duplicate check is left to the parent, and each row notes what it read from the
        # state earlier rows leave (repeated ids, new companies) so the parent can check it.
        self.defer_duplicates = False
        self.tracing = False
        self.probe_repeats: tuple[str, int | None, int | None, int | None] | None = None
        self.probe_investor: tuple[str, str | None, int, int] | None = None
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
            Project, form=_PlannerProjectForm, fields=self.update_fields
        )
        self.create_form = modelform_factory(
            Project, form=_PlannerProjectForm, fields=self.create_fields
        )
        self.mapped = mapped
        self.pool = FormPool(self.fk_cache, user)
        self.fresh_project = _Fresh(Project)
        template = Project()
        self.defaults = {
            name: getattr(template, Project._meta.get_field(name).attname)  # type: ignore[union-attr]
            for name in self.create_fields
        }

    def _bound(
        self, form_class: Any, data: dict[str, Any], instance: Project, *, fresh: bool = False
    ) -> Any:
        return self.pool.bind(form_class, data, instance, fresh=fresh)

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
        stored = allowed.filter(external_id__isnull=False)
        if len(ext_list) > SCAN_EXTERNAL_IDS_FROM and stored.count() <= len(ext_list):
            # A large file and fewer projects with an external id on file than it names (a
            # first import): read which of them the file names, then those projects.
            wanted = set(ext_list)
            pks = sorted(pk for pk, ext in stored.values_list("pk", "external_id") if ext in wanted)
            for start in range(0, len(pks), 500):
                for p in allowed.filter(pk__in=pks[start : start + 500]):
                    by_ext[p.external_id] = p
        else:
            for start in range(0, len(ext_list), 500):
                for p in allowed.filter(external_id__in=ext_list[start : start + 500]):
                    by_ext[p.external_id] = p
        # An id the user may not change gets the same message whether or not it exists (no
        # probing for hidden projects). An external id is unique across all projects, so one
        # in use elsewhere cannot be given to a new project: the row is refused, naming nothing.
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
            "hidden_ext": dict.fromkeys(hidden_ext),
        }

    def plan_row(
        self, row: SheetRow, seen_ext: dict[str, int], seen_ids: dict[int, int]
    ) -> RowResult:
        result = RowResult(row.number, row)
        if self.tracing:
            self.probe_repeats = self.probe_investor = None
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
                        _("There is no project #{id} that you may change.").format(id=sys_id)
                    )
        elif ext_id:
            instance = self._existing["ext"].get(ext_id)
            if instance is None and ext_id in self._existing["hidden_ext"]:
                result.errors.append(
                    _(
                        "The external id {ext} is already used by a project you may not "
                        "change; leave it empty or use another one."
                    ).format(ext=ext_id)
                )
        if self.tracing:
            pk = instance.pk if instance is not None else None
            self.probe_repeats = (
                ext_id,
                seen_ext.get(ext_id) if ext_id else None,
                pk,
                seen_ids.get(pk) if pk is not None else None,
            )
        _note_repeats(
            result, row.number, ext_id, instance, seen_ext, seen_ids,
            _("Row {row} already changes this project."),
        )  # fmt: skip
        if result.errors:
            result.action = ImportRow.Action.ERROR
            return result
        if instance is not None and instance.duplicate_of_id:
            survivor = (
                _changeable(Project, self.user)
                .select_related("stage")
                .filter(pk=instance.duplicate_of_id)
                .first()
            )
            if survivor is None:
                result.errors.append(
                    _(
                        "Project #{id} was merged into a project you may not change; the row "
                        "cannot be imported."
                    ).format(id=instance.pk)
                )
                result.action = ImportRow.Action.ERROR
                return result
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
            if self.tracing:
                self.probe_investor = (
                    self.resolver.outcome,
                    self.resolver.key,
                    len(result.warnings),
                    len(warns),
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
        form = self._bound(self.create_form, data, self.fresh_project(), fresh=True)
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
        if not self.defer_duplicates:
            self.check_duplicates(result)

    def check_duplicates(self, result: RowResult) -> None:
        """Possible duplicates of a created row among the projects on file and the rows of
        this file before it (which are added to the index as they are planned)."""
        project: Project = result.instance
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


def _visible(model: Any, user: Any) -> Any:
    """Records a row may name, link or mention: the user's `view` scope (all for the command
    line); warnings and hints never name anything else."""
    if user is None:
        return model.objects.all()
    return model.objects.restrict(user, "view")


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
        self.index = CompanyIndex.from_queryset(_visible(Company, user))
        self.mapped = set(self.mapping.values())
        fields = [f for f in COMPANY_FIELDS if f in self.mapped]
        self.create_fields = list(dict.fromkeys(["name_zh_hans", *fields]))
        self.update_fields = fields
        self.create_form = modelform_factory(
            Company, form=_PlannerCompanyForm, fields=self.create_fields
        )
        self.update_form = modelform_factory(
            Company, form=_PlannerCompanyForm, fields=self.update_fields or ["name_zh_hans"]
        )
        self.refs = dict(
            ExternalRef.objects.filter(kind="companies").values_list("external_id", "object_id")
        )
        self.allowed = _changeable(Company, user)
        self.fk_cache: dict[str, dict[Any, Any]] = {"parent": {}}
        self.new_by_key: dict[str, int] = {}
        self.pool = FormPool(self.fk_cache, user)

    def plan_row(
        self, row: SheetRow, seen_ext: dict[str, int], seen_ids: dict[int, int]
    ) -> RowResult:
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
    workers: int | None = None,
) -> Plan:
    """Decide, for every row, what importing it would do (nothing is written).

    A large project file is planned by `workers` processes (default: the IMPORT_WORKERS
    setting, else the CPUs available, at most 4) when the process may fork; the plan is the
    same row for row as the one planned here in order (see :func:`_plan_parallel`).
    """
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
    workers = plan_workers() if workers is None else workers
    rows: list[RowResult] | None = None
    if (
        isinstance(planner, ProjectPlanner)
        and workers > 1
        and len(table.rows) >= parallel_min_rows()
        and _may_fork()
    ):
        rows = _plan_parallel(planner, workers, seen_ext, seen_ids, progress)
    if rows is None:
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


# --------------------------------------------------------------------------- parallel plan
#
# Planning a project row is pure computation once the planner is set up: cells are parsed,
# natural keys resolved from tables in memory, the ProjectForm validated with foreign keys
# served from memory. Only a few steps depend on the rows before: a repeated external id or
# target record, the first row that creates a new investor (later rows reuse it and repeat
# its warnings) and the duplicate check against earlier rows of the file. So a large file
# is split into chunks planned by forked worker processes, each on its own running copy of
# that state, and the parent takes the results in file order:
#
# * each worker row notes what it read from that state (_adopt_row checks it against the
#   parent's true state and applies the row's effects to it);
# * a new investor that an earlier chunk already creates only changes the warnings the
#   resolver returned (the project form never sees a new company), which are put right;
# * the duplicate check is run by the parent, in order, against its own index;
# * any other difference, a row that would need the database (a merged project's survivor
#   is read from it; workers are cut off from the parent's connection) or any error in a
#   worker sends the row back to the parent, which plans it the ordinary way.
#
# The result is the plan the sequential loop gives, row for row (tests compare them).

DEFAULT_PARALLEL_MIN_ROWS = 4000
PARALLEL_CHUNK = 500  # rows a worker sends back at a time

_WORKER_PLANNER: ProjectPlanner | None = None  # set in the parent only while forking
_WORKER_REFS: dict[str, dict[Any, Any]] = {}
_PARENT_CONNECTIONS: list[Any] = []  # kept alive, never used, in a worker


def plan_workers() -> int:
    configured = getattr(settings, "IMPORT_WORKERS", None)
    if configured is not None:
        return max(1, int(configured))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


def parallel_min_rows() -> int:
    return int(getattr(settings, "IMPORT_PARALLEL_MIN_ROWS", DEFAULT_PARALLEL_MIN_ROWS))


def _may_fork() -> bool:
    """Whether planning workers may be forked: on Linux (macOS' system libraries are not
    fork-safe), and with no other thread running (a threaded web server): forking copies
    only the calling thread, and a lock another thread holds would stay locked in the child.
    Otherwise the plan is made in-process."""
    import sys

    return sys.platform.startswith("linux") and threading.active_count() == 1


class WorkerNeedsDatabase(RuntimeError):
    """A planning worker tried to reach the database; the parent plans that row instead."""


def _refuse_connection(*args: Any, **kwargs: Any) -> None:
    raise WorkerNeedsDatabase("planning workers do not use the database")


def _init_worker(language: str | None) -> None:
    """First thing in a forked worker: cut it off from the database, take the planner.

    The worker inherits the parent's open connection (inside its import transaction). It
    must neither use it nor close it (closing a PostgreSQL connection sends the server a
    goodbye on the shared socket), so the connection object is kept referenced here and
    every attempt to connect raises WorkerNeedsDatabase. Workers end with os._exit, which
    runs no finalizers.
    """
    import signal

    from django.db import connections

    # Handlers inherited from the parent (a web server's, say) are not the worker's.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    for alias in connections:
        conn = connections[alias]
        if conn.connection is not None:
            _PARENT_CONNECTIONS.append(conn.connection)
            conn.connection = None
        conn.connect = _refuse_connection  # type: ignore[method-assign]
    if language:
        translation.activate(language)
    # What the worker inherited stays as it is until it exits: no collection walks it (nor
    # copies its pages by touching them).
    gc.freeze()
    planner = _WORKER_PLANNER
    assert planner is not None
    planner.tracing = True
    planner.defer_duplicates = True


def _worker_main(conn: Any, numbers: list[int], language: str | None) -> None:
    """A forked worker: plan the rows `numbers` (indexes into the table, in file order) and
    send their results back in chunks; None for a row the parent must plan itself."""
    _init_worker(language)
    planner = _WORKER_PLANNER
    assert planner is not None
    rows = planner.table.rows
    seen_ext: dict[str, int] = {}
    seen_ids: dict[int, int] = {}
    for start in range(0, len(numbers), PARALLEL_CHUNK):
        out: list[Any] = []
        for n in numbers[start : start + PARALLEL_CHUNK]:
            try:
                out.append(_pack_result(planner, planner.plan_row(rows[n], seen_ext, seen_ids)))
            except Exception:  # noqa: BLE001 - whatever it is, the parent plans the row again
                planner.pool = FormPool(planner.fk_cache, planner.user)
                planner.resolver.pool = FormPool({}, planner.user)
                out.append(None)
        try:
            conn.send(out)
        except OSError:  # the parent stopped listening (it failed, or gave up on us)
            return
    conn.close()


_ATTNAMES: dict[type, tuple[str, ...]] = {}


def _attnames(cls: type[models.Model]) -> tuple[str, ...]:
    names = _ATTNAMES.get(cls)
    if names is None:
        names = _ATTNAMES[cls] = tuple(f.attname for f in cls._meta.concrete_fields)
    return names


def _pack_model(obj: models.Model) -> tuple[Any, ...]:
    """A model instance as plain values; related objects the parent holds too (reference
    data, read before the fork) go as references to the parent's own objects."""
    cls = type(obj)
    names = _attnames(cls)
    d = obj.__dict__
    skip = "validate_constraints" in d
    try:
        values = tuple([d[n] for n in names])
    except KeyError:
        values = None
    if values is None or len(d) != len(names) + 1 + skip:
        # Deferred or extra attributes: send the instance as it is (minus the lambda).
        raw = cls.__new__(cls)
        raw.__dict__.update({k: v for k, v in d.items() if k != "validate_constraints"})
        return ("raw", raw, skip)
    cache = []
    for name, other in obj._state.fields_cache.items():
        pk = getattr(other, "pk", None)
        if other is not None and _WORKER_REFS.get(name, {}).get(pk) is other:
            cache.append((name, True, pk))
        else:
            cache.append((name, False, other))
    return (cls, values, obj._state.adding, obj._state.db, cache, skip)


def _unpack_model(pack: tuple[Any, ...], refs: dict[str, dict[Any, Any]]) -> Any:
    from django.db.models.base import ModelState

    if pack[0] == "raw":
        _tag, obj, skip = pack
    else:
        cls, values, adding, db, cache, skip = pack
        obj = cls.__new__(cls)
        state = ModelState()
        state.adding = adding
        state.db = db
        state.fields_cache = {
            name: refs[name][ref] if shared else ref for name, shared, ref in cache
        }
        obj.__dict__["_state"] = state
        obj.__dict__.update(zip(_attnames(cls), values, strict=True))
    if skip:
        _skip_db_constraints(obj)
    return obj


def _pack_result(planner: ProjectPlanner, r: RowResult) -> tuple[Any, ...]:
    company = None
    probe = planner.probe_investor
    if probe is not None and probe[0] == "created":
        company = _pack_model(planner.resolver.new[probe[1]])  # type: ignore[index]
    move = None
    if r.stage_move is not None:
        stage, on = r.stage_move
        move = (stage.pk, on)
    return (
        r.action,
        r.errors,
        r.warnings,
        _pack_model(r.instance) if r.instance is not None else None,
        r.before,
        r.changed,
        move,
        r.stage_on,
        r.new_company_key,
        r.external_id,
        r.object_id,
        planner.probe_repeats,
        probe,
        company,
    )


def _adopt_row(
    planner: ProjectPlanner,
    packed: tuple[Any, ...] | None,
    row: SheetRow,
    seen_ext: dict[str, int],
    seen_ids: dict[int, int],
    refs: dict[str, dict[Any, Any]],
) -> RowResult:
    """The result a worker planned for `row`, if what it read from the state earlier rows
    leave agrees with the parent's; else the row planned here. Applies the row's effects."""
    if packed is None:
        return planner.plan_row(row, seen_ext, seen_ids)
    (
        action,
        errors,
        warnings,
        instance,
        before,
        changed,
        move,
        stage_on,
        company_key,
        external_id,
        object_id,
        repeats,
        investor,
        company,
    ) = packed
    if repeats is not None:
        ext, ext_row, pk, pk_row = repeats
        if (ext and seen_ext.get(ext) != ext_row) or (
            pk is not None and seen_ids.get(pk) != pk_row
        ):
            return planner.plan_row(row, seen_ext, seen_ids)
    resolver = planner.resolver
    register = fix = None
    if investor is not None and investor[0] in ("reused", "created", "invalid"):
        outcome, key, start, length = investor
        if key in resolver.new:
            if outcome == "invalid":
                # An earlier row creates the company, so here the row would reuse it.
                return planner.plan_row(row, seen_ext, seen_ids)
            # Reused here: only the warnings (those of the row that creates it) can differ.
            if warnings[start : start + length] != resolver.new_warnings[key]:
                fix = (start, length)
        elif outcome == "created":
            register = key
        elif outcome == "reused":  # no earlier row creates it after all
            return planner.plan_row(row, seen_ext, seen_ids)
        # "invalid" and not created before: the form refuses it here just the same.
    # Accepted: apply what the row does to the state later rows read.
    if repeats is not None:
        if ext:
            seen_ext[ext] = row.number
        if pk is not None:
            seen_ids[pk] = row.number
    if register is not None:
        resolver.new[register] = _unpack_model(company, refs)
        resolver.new_warnings[register] = warnings[start : start + length]
    if fix is not None:
        warnings[fix[0] : fix[0] + fix[1]] = resolver.new_warnings[key]
    result = RowResult(
        row.number,
        row,
        action=action,
        errors=errors,
        warnings=warnings,
        instance=_unpack_model(instance, refs) if instance is not None else None,
        before=before,
        changed=changed,
        stage_move=(planner.stages_by_pk[move[0]], move[1]) if move is not None else None,
        stage_on=stage_on,
        new_company_key=company_key,
        external_id=external_id,
        object_id=object_id,
    )
    if action == ImportRow.Action.CREATE:
        planner.check_duplicates(result)
    return result


#: The parent plans its share of the rows between adopting the workers' results, so it gets
#: a smaller share than a worker.
PARENT_SHARE = 0.8


def _partition(planner: ProjectPlanner, shares: list[float]) -> list[int]:
    """Who plans each row: 0 the parent, 1… the workers, in proportion to `shares`.

    Rows naming the same investor go to the same planner where possible, so that each new
    company is validated (and its near duplicates searched) once, not once per planner; an
    investor on many rows, and rows without one, are spread to even out the shares.
    """
    import heapq

    rows = planner.table.rows
    total = sum(shares)
    targets = [len(rows) * share / total for share in shares]
    column = next((i for i, key in planner.mapping.items() if key == "investor"), None)
    keys: list[str | None] = []
    counts: dict[str, int] = {}
    for row in rows:
        key = None
        if column is not None and column < len(row.values):
            name = clean_text(row.values[column]).strip()
            if name:
                key = fold(name)
                counts[key] = counts.get(key, 0) + 1
        keys.append(key)
    heavy = max(1, len(rows) // (8 * len(shares)))
    load = [0.0] * len(shares)
    heap = [(0.0, w) for w in range(len(shares))]
    owner_of: dict[str, int] = {}
    for key, count in sorted(counts.items(), key=lambda kc: (-kc[1], kc[0])):
        if count > heavy:
            continue
        _fill, w = heapq.heappop(heap)
        owner_of[key] = w
        load[w] += count
        heapq.heappush(heap, (load[w] / targets[w], w))
    owners = []
    for key in keys:
        w = owner_of.get(key, -1) if key is not None else -1
        if w < 0:
            w = max(range(len(shares)), key=lambda v: targets[v] - load[v])
            load[w] += 1
        owners.append(w)
    return owners


def _plan_parallel(
    planner: ProjectPlanner,
    workers: int,
    seen_ext: dict[str, int],
    seen_ids: dict[int, int],
    progress: Callable[[int], None] | None,
) -> list[RowResult] | None:
    """Plan the rows here and in `workers - 1` forked processes, in file order; None if
    no worker could be started.

    The parent plans its own rows the ordinary way (its state is the true one) and adopts
    the workers' results in between (see _adopt_row). Plain processes and pipes rather than
    a pool: a pool starts threads in the parent, and a process forked while other threads
    run can inherit a lock one of them holds.
    """
    import multiprocessing
    from collections import deque

    global _WORKER_PLANNER, _WORKER_REFS
    ctx = multiprocessing.get_context("fork")
    rows = planner.table.rows
    owners = _partition(planner, [PARENT_SHARE] + [1.0] * (workers - 1))
    parts: list[list[int]] = [[] for _ in range(workers)]
    for n, w in enumerate(owners):
        parts[w].append(n)
    # The objects both sides hold at the fork: related objects are sent as references.
    refs = {name: dict(cache) for name, cache in planner.fk_cache.items()}
    language = translation.get_language()
    procs: list[Any] = []
    conns: list[Any] = [None]
    _WORKER_PLANNER, _WORKER_REFS = planner, refs
    try:
        for w in range(1, workers):
            reader, writer = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker_main, args=(writer, parts[w], language), daemon=True)
            proc.start()
            writer.close()
            procs.append(proc)
            conns.append(reader)
    except OSError as exc:  # no fork (out of processes or memory): plan in-process
        logger.warning("Could not start planning workers (%r); planning in-process.", exc)
        _stop_workers(procs, conns)
        return None
    finally:
        _WORKER_PLANNER, _WORKER_REFS = None, {}
    del parts
    results: list[RowResult] = []
    buffers: list[deque[Any]] = [deque() for _ in range(workers)]
    try:
        for n, row in enumerate(rows):
            w = owners[n]
            if w == 0:
                results.append(planner.plan_row(row, seen_ext, seen_ids))
            else:
                if not buffers[w]:
                    buffers[w].extend(conns[w].recv())
                packed = buffers[w].popleft()
                results.append(_adopt_row(planner, packed, row, seen_ext, seen_ids, refs))
            if progress is not None and n % 10000 == 0:
                progress(n)
    except (EOFError, OSError) as exc:
        # A worker died (or its results could not be read): plan the rest here.
        logger.warning("Parallel planning failed (%r); planning the rest in-process.", exc)
        for n in range(len(results), len(rows)):
            results.append(planner.plan_row(rows[n], seen_ext, seen_ids))
            if progress is not None and n % 10000 == 0:
                progress(n)
    finally:
        _stop_workers(procs, conns)
    return results


def _stop_workers(procs: list[Any], conns: list[Any]) -> None:
    """Close the pipes (a worker still sending stops) and reap the workers."""
    for conn in conns:
        if conn is not None:
            conn.close()
    for proc in procs:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()


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
        actor_id = actor.pk if actor is not None else None
        insert_values(
            StageChange,
            (
                "project_id",
                "from_stage_id",
                "to_stage_id",
                "effective_on",
                "changed_by_id",
                "request_id",
            ),
            [
                (
                    r.instance.pk,
                    None,
                    r.instance.stage_id,
                    r.stage_on or timezone.localdate(),
                    actor_id,
                    batch.request_id,
                )
                for r in creates
            ],
        )
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
    # In chunks: 100,000 rows of values at once would add to the import's peak memory.
    texts: dict[str | None, str] = {}
    for start in range(0, len(the_plan.rows), CHUNK):
        _save_row_chunk(batch, the_plan.rows[start : start + CHUNK], texts)
    _count_rows(batch, the_plan)


def _cell_texts(values: list[Any], texts: dict[str | None, str]) -> list[str]:
    """RowResult.values for a row: clean_text of each cell, the text cells (which repeat
    row after row) looked up in `texts` once cleaned."""
    out = []
    for value in values:
        if value is None or type(value) is str:
            text = texts.get(value)
            if text is None:
                text = clean_text(value)
                if len(texts) < 200_000:
                    texts[value] = text
        else:
            text = clean_text(value)
        out.append(text)
    return out


_IMPORT_ROW_FIELDS = (
    "batch_id",
    "number",
    "action",
    "errors",
    "warnings",
    "values",
    "object_id",
    "before",
    "changed_fields",
    "version_after",
    "created_company_id",
)


def _save_row_chunk(
    batch: ImportBatch, chunk: list[RowResult], texts: dict[str | None, str]
) -> None:
    update = ImportRow.Action.UPDATE
    rows = [
        (
            batch.pk,
            r.number,
            r.action,
            r.errors,
            r.warnings,
            _cell_texts(r.row.values, texts),
            r.object_id,
            r.before if r.action == update else None,
            r.changed,
            r.version_after,
            r.created_company_id,
        )
        for r in chunk
    ]
    insert_values(ImportRow, _IMPORT_ROW_FIELDS, rows)


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


def check_size(size: int) -> None:
    """Refuse a file larger than IMPORT_MAX_MB before it is stored."""
    limit = settings.IMPORT_MAX_MB
    if size > limit * 1024 * 1024:
        raise FileRefused(
            _("The file is {size} MB; an import takes at most {limit} MB (IMPORT_MAX_MB).").format(
                size="{:.1f}".format(size / (1024 * 1024)), limit=limit
            )
        )


def new_batch(data: bytes, file_name: str, kind: str, user: Any) -> ImportBatch:
    """Store an uploaded file as a batch (nothing is read or imported yet).

    The file is stored under a random name; `file_name` (cleaned of paths and control
    characters) is what the batch shows and the download is called. Raises FileRefused
    for a file over IMPORT_MAX_MB, which is then not stored at all.
    """
    check_size(len(data))
    name = clean_file_name(file_name, default="upload")
    batch = ImportBatch(
        kind=kind,
        file_name=name[:300],
        file_hash=hashlib.sha256(data).hexdigest(),
        created_by=user if user is not None and getattr(user, "is_authenticated", False) else None,
    )
    batch.file.save(name, ContentFile(data), save=False)
    batch.save()
    return batch


def fail(batch: ImportBatch, message: str) -> None:
    """The batch failed for good: say why and delete its file (nothing will read it again)."""
    batch.status = ImportBatch.Status.FAILED
    batch.message = message
    _discard_file(batch)
    batch.save()


def cancel(batch: ImportBatch) -> None:
    """Drop a batch that was uploaded or dry-run but not imported: its file and the rows
    the dry run kept (copies of the file's cells) are deleted; the batch stays listed."""
    if batch.status not in (ImportBatch.Status.UPLOADED, ImportBatch.Status.PLANNED):
        raise ImportRefused(_("Only a batch that has not been imported can be cancelled."))
    with transaction.atomic():
        batch.rows.all().delete()
        batch.rows_total = batch.rows_created = batch.rows_updated = 0
        batch.rows_skipped = batch.rows_error = batch.companies_created = 0
        batch.status = ImportBatch.Status.CANCELLED
        batch.message = ""
        _discard_file(batch)
        batch.save()


def expire_files(cutoff: dt.datetime, *, dry_run: bool = False) -> list[str]:
    """Delete the files of batches uploaded before `cutoff` (`zhaoshang cleanup_uploads`).

    Imported, rolled-back, failed and cancelled batches keep their record and rows; a batch
    still waiting (uploaded or dry-run) that long is cancelled. Returns the file names.
    """
    old = ImportBatch.objects.filter(created_at__lt=cutoff).exclude(file="")
    names = list(old.values_list("file", flat=True))
    if dry_run:
        return names
    waiting = (ImportBatch.Status.UPLOADED, ImportBatch.Status.PLANNED)
    for batch in old:
        if batch.status in waiting:
            cancel(batch)
        else:
            _discard_file(batch)
            batch.save(update_fields=["file"])
    return names


def _discard_file(batch: ImportBatch) -> None:
    if batch.file:
        batch.file.delete(save=False)


def _batch_bytes(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as fh:
        return fh.read()


def inspect(batch: ImportBatch) -> Table:
    """Read the batch's file, remember its headers and the automatic mapping.

    A file that cannot be read fails the batch (and is deleted) before FileRefused is
    raised again."""
    try:
        table = read(_batch_bytes(batch), batch.kind)
    except FileRefused as exc:
        fail(batch, str(exc))
        raise
    batch.file_format = table.file_format
    batch.sheet_name = table.sheet_name[:200]
    batch.headers = table.headers
    batch.warnings = table.warnings
    if not batch.mapping:
        batch.mapping = default_mapping(batch.kind, table)
    batch.save()
    return table


_GC_LOCK = threading.Lock()
_GC_DEPTH = 0
_GC_THRESHOLDS: tuple[int, int, int] = (0, 0, 0)


@contextlib.contextmanager
def postponed_full_collections() -> Iterator[None]:
    """Let the cyclic garbage collector skip its full collections while an import runs.

    A large import keeps millions of objects alive (cells, planned rows, instances) and a
    full collection walks every one of them: 22 times, about 6 s of a 100,000-row import.
    The young generations are still collected as usual (the garbage a row leaves behind
    is young); the oldest waits until the import is over.
    """
    global _GC_DEPTH, _GC_THRESHOLDS
    with _GC_LOCK:
        if _GC_DEPTH == 0:
            _GC_THRESHOLDS = gc.get_threshold()
            gc.set_threshold(_GC_THRESHOLDS[0], _GC_THRESHOLDS[1], 1 << 30)
        _GC_DEPTH += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_DEPTH -= 1
            if _GC_DEPTH == 0:
                gc.set_threshold(*_GC_THRESHOLDS)


def run(batch: ImportBatch, *, user: Any, dry_run: bool, bulk: bool | None = None) -> Plan | None:
    """Dry run (plan and store the rows) or commit the batch, atomically. Returns the plan,
    or None when the file was refused (the batch then says why)."""
    with postponed_full_collections():
        return _run(batch, user=user, dry_run=dry_run, bulk=bulk)


def _run(batch: ImportBatch, *, user: Any, dry_run: bool, bulk: bool | None) -> Plan | None:
    started = time.monotonic()
    if batch.status in (ImportBatch.Status.COMMITTED, ImportBatch.Status.ROLLED_BACK):
        raise ImportRefused(_("This batch has already been imported."))
    if not batch.file:
        raise ImportRefused(_("This batch was cancelled or failed; upload the file again."))
    try:
        table = read(_batch_bytes(batch), batch.kind)
    except FileRefused as exc:
        fail(batch, str(exc))
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
    if keep_rows is not None:
        with transaction.atomic():
            _save_rows(batch, keep_rows)
    if batch.status != ImportBatch.Status.PLANNED:
        fail(batch, message)  # nothing can be done with it any more: the file goes
        return
    batch.message = message  # the dry run stands: it can be imported with other options
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
            (_("activities"), "activities"),
            (_("follow-ups"), "follow_ups"),
            (_("evidence"), "evidence"),
            (_("paid-in capital"), "paid_in"),
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
