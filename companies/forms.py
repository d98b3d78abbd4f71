"""Company forms: the API's CompanyForm and its workspace variant (same validation)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from companies.models import Company
from companies.schemas import COMPANY_FORM_FIELDS
from core.forms import ScopedModelForm, id_field_help

# Separators accepted between aliases typed on one line.
ALIAS_SEPARATORS = (";", "；", "，", ",", "|", "\n")


class CompanyForm(ScopedModelForm):
    """Company edit form used by the API (model validation: credit code, country, parent)."""

    website = forms.URLField(required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Company
        fields = COMPANY_FORM_FIELDS


class AliasesLineField(forms.CharField):
    """Aliases typed on one line, separated by 、 ; ， , or |; cleaned to a list of names."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        text = super().to_python(value) or ""
        for sep in ALIAS_SEPARATORS:
            text = text.replace(sep, "、")
        return list(dict.fromkeys(p.strip() for p in text.split("、") if p.strip()))


class CompanyPageForm(CompanyForm):
    """CompanyForm as the workspace shows it.

    The validation is the API's (same fields, same model clean); only the widgets differ:
    aliases are typed on one line instead of as JSON, and the parent group is given by id
    (a <select> of every company would not fit on a page).
    """

    aliases = AliasesLineField(
        label=capfirst(_("aliases")),
        required=False,
        help_text=_("Abbreviations and other names, separated by 、 or commas."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name_zh_hant"].help_text = _(
            "Left empty, it is converted from the Simplified name."
        )
        # The API form declares its own URL field (https by default), which has no label.
        self.fields["website"].label = capfirst(Company._meta.get_field("website").verbose_name)
        self.fields["country"].help_text = _("Two-letter ISO 3166 code, e.g. CN, DE, US.")
        parent = self.fields["parent"]
        parent.widget = forms.NumberInput(attrs={"min": 1, "class": "fk-id"})
        parent.help_text = id_field_help(self, "parent")
        self.fields["notes"].widget = forms.Textarea(attrs={"rows": 3})
