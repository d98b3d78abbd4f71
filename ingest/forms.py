"""Forms of the ingest app: the company form every company row goes through, and the
upload and mapping forms of the import screens.

``CompanyForm`` belongs with the companies app in the long run; it lives here until the
companies UI needs it (then it moves to companies/forms.py unchanged).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from companies.models import Company
from core.files import check_size
from core.forms import ScopedModelForm
from ingest.models import Kind
from ingest.spreadsheet.headers import COLUMNS_BY_KIND
from projects.forms import ProjectForm

COMPANY_FIELDS = (
    "name_zh_hans",
    "name_zh_hant",
    "name_en",
    "aliases",
    "credit_code",
    "country",
    "parent",
    "website",
    "notes",
)


class AliasesField(forms.CharField):
    """Aliases typed as one line: separated by 、 ; ， , or |; stored as a list."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "、".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        text = super().to_python(value) or ""
        for sep in (";", "；", "，", ",", "|", "\n"):
            text = text.replace(sep, "、")
        return list(dict.fromkeys(p.strip() for p in text.split("、") if p.strip()))


class CompanyForm(ScopedModelForm):
    """Validates a company as a whole; shared by the importer and (later) the companies UI."""

    aliases = AliasesField(label=_("aliases"), required=False)

    class Meta:
        model = Company
        fields = COMPANY_FIELDS

    def clean_name_zh_hans(self) -> str:
        name = (self.cleaned_data.get("name_zh_hans") or "").strip()
        if not name:
            raise ValidationError(_("A company needs a name."))
        return name

    def clean_credit_code(self) -> str | None:
        code = (self.cleaned_data.get("credit_code") or "").strip().upper()
        return code or None


# --------------------------------------------------------------------------- importer forms


def _cached_to_python(original: Any, cache: dict[Any, Any], value: Any) -> Any:
    if value in (None, ""):
        return None
    hit = cache.get(value)
    if hit is None and isinstance(value, str) and value.isdigit():
        hit = cache.get(int(value))
    return hit if hit is not None else original(value)


class _MemoryLookups(forms.ModelForm):
    """Serves the form's foreign-key choices from objects the importer already resolved.

    Without this every ModelChoiceField would run one query per row and field; with it a
    100,000-row file validates without touching the database. A value not in the cache
    falls back to the normal (querying) lookup.
    """

    def __init__(self, *args: Any, fk_cache: dict[str, dict[Any, Any]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField) and fk_cache is not None:
                cache = fk_cache.setdefault(name, {})
                field.to_python = partial(_cached_to_python, field.to_python, cache)  # type: ignore[method-assign]

    def _get_validation_exclusions(self) -> set[str]:
        # The model would check again that each foreign key exists (one query per key and
        # row); the form field just took the object from the ones read from the database.
        exclude: set[str] = super()._get_validation_exclusions()  # type: ignore[misc]
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                exclude.add(name)
        return exclude

    def rebind(self, data: dict[str, Any], instance: Any) -> None:
        """Bind this form to another row, keeping its (stateless) fields.

        Building a form deep-copies every field; for 100,000 rows that copying alone took
        longer than everything else. Rebinding resets exactly what __init__ sets per row.
        """
        from django.forms.models import model_to_dict

        opts = self._meta
        self.instance = instance
        self.initial = model_to_dict(instance, opts.fields, opts.exclude)
        self.data = data
        self.is_bound = True
        self._errors = None
        # Bound fields read data through the form, so they can stay; only their cached
        # initial value belongs to the previous row.
        for bound in getattr(self, "_bound_fields_cache", {}).values():
            bound.__dict__.pop("initial", None)
        if hasattr(self, "cleaned_data"):
            del self.cleaned_data

    def validate_unique(self) -> None:
        # The importer checks external ids and credit codes against everything it has read
        # (in memory, in bulk) and the database enforces uniqueness at commit; the per-row
        # query Django would run here is what made imports slow.
        return None


class ImportProjectForm(_MemoryLookups, ProjectForm):
    """ProjectForm as the importer runs it (same fields, same clean(), lookups in memory)."""


class ImportCompanyForm(_MemoryLookups, CompanyForm):
    """CompanyForm as the importer runs it."""


# --------------------------------------------------------------------------- screens


class UploadForm(forms.Form):
    """Step 1: the file and what it holds."""

    file = forms.FileField(label=_("file (XLSX, XLS, ODS or CSV)"))
    kind = forms.ChoiceField(label=_("the file lists"), choices=Kind.choices)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        check_size(upload, settings.IMPORT_MAX_MB, "IMPORT_MAX_MB")
        return upload


class MappingForm(forms.Form):
    """Step 2: which field each column holds (pre-filled from the header synonyms)."""

    skip_errors = forms.BooleanField(
        label=_("import the valid rows and skip rows with errors"), required=False
    )

    def __init__(self, *args: Any, kind: str, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— ignore this column —"))] + [
            (c.key, "{label} ({key})".format(label=c.label, key=c.key))
            for c in COLUMNS_BY_KIND[kind]
        ]
        for i, header in enumerate(headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=header or _("(column {n} has no header)").format(n=i + 1),
                choices=choices,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: dict[str, str] = {}
        for i, _header in enumerate(self.headers):
            key = data.get(f"col_{i}")
            if not key:
                continue
            if key in seen:
                self.add_error(
                    f"col_{i}",
                    _("Field {key} is already taken by column “{other}”.").format(
                        key=key, other=seen[key]
                    ),
                )
            seen[key] = self.headers[i]
        return data

    def mapping(self) -> dict[str, str]:
        return {
            str(i): self.cleaned_data[f"col_{i}"]
            for i in range(len(self.headers))
            if self.cleaned_data.get(f"col_{i}")
        }
