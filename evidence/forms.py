"""Review-queue forms: add a document, edit a candidate before accepting, attach to an event."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import Event
from ingest.extract.loader import MAX_BYTES
from projects.forms import ProjectForm

MEGABYTE = 1024 * 1024


class DocumentForm(forms.Form):
    """A news item for the queue: a file (.txt .md .html .docx) or pasted text."""

    file = forms.FileField(
        label=_("file"),
        required=False,
        help_text=_(".txt, .md, .html or .docx; UTF-8, GBK/GB18030 or Big5"),
    )
    text = forms.CharField(
        label=_("or paste the text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    title = forms.CharField(label=_("title"), max_length=200, required=False)
    url = forms.URLField(label=_("URL"), max_length=1000, required=False, assume_scheme="https")
    publisher = forms.CharField(label=_("publisher"), max_length=200, required=False)
    published_on = forms.DateField(
        label=_("published on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "file" in self.errors:
            return data  # e.g. an empty upload: Django's own message says so
        upload = data.get("file")
        text = data.get("text") or ""
        if upload and text.strip():
            raise forms.ValidationError(_("Give a file or pasted text, not both."))
        if not upload and not text.strip():
            raise forms.ValidationError(_("Choose a file or paste the text of the article."))
        if upload and upload.size > MAX_BYTES:
            self.add_error(
                "file",
                _("The file is {size:.1f} MB; the limit is {limit} MB.").format(
                    size=upload.size / MEGABYTE, limit=MAX_BYTES // MEGABYTE
                ),
            )
        if text and len(text.encode("utf-8", errors="surrogatepass")) > MAX_BYTES:
            self.add_error(
                "text",
                _("The text is longer than {limit} MB.").format(limit=MAX_BYTES // MEGABYTE),
            )
        return data


# Foreign keys whose tables grow with the data take an id (as on the project edit page).
LARGE_FKS = ("investor", "ultimate_parent", "expands", "signing_event", "referring_partner")


class CandidateProjectForm(ProjectForm):
    """ProjectForm for a candidate, plus the name of a new investor when none is linked."""

    new_investor_name = forms.CharField(
        label=_("New investor (creates a company)"),
        max_length=200,
        required=False,
        help_text=_("Used when no investor id is given."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in LARGE_FKS:
            if name in self.fields:
                self.fields[name].widget = forms.NumberInput(attrs={"min": 1, "class": "fk-id"})
                self.fields[name].help_text = _("id; find it with the search box")
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            if name == "description":
                field.widget = forms.Textarea(attrs={"rows": 4})

    def project_fields(self) -> dict[str, Any]:
        """The cleaned Project values (without the extra field)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "new_investor_name"}


def initial_from(fields: dict[str, Any]) -> dict[str, Any]:
    """Form initial values from proposed Project values (instances become their ids)."""
    return {k: (v.pk if hasattr(v, "pk") else v) for k, v in fields.items()}


class AttachEventForm(forms.Form):
    """Attach an aggregate statement to an existing event, or to a new one."""

    event = forms.TypedChoiceField(label=_("event"), required=False, coerce=int, empty_value=None)
    new_name = forms.CharField(label=_("or a new event: name"), max_length=300, required=False)
    new_kind = forms.ChoiceField(
        label=_("kind"), choices=Event.Kind.choices, initial=Event.Kind.SIGNING, required=False
    )
    new_date = forms.DateField(
        label=_("date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    overwrite = forms.BooleanField(
        label=_("replace the event's announced figures if they differ"), required=False
    )

    def __init__(self, *args: Any, events: list[Event] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, str]] = [("", "—")]
        choices += [(e.pk, str(e)) for e in events or []]
        field = self.fields["event"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("event") and data.get("new_name"):
            raise forms.ValidationError(_("Choose an event or name a new one, not both."))
        if not data.get("event") and not data.get("new_name"):
            raise forms.ValidationError(_("Choose an event or name a new one."))
        if data.get("new_name") and not data.get("new_date"):
            self.add_error("new_date", _("A new event needs its date."))
        if data.get("new_name") and not data.get("new_kind"):
            self.add_error("new_kind", _("A new event needs its kind."))
        return data
