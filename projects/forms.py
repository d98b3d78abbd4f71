"""Project forms: the edit form shared by the admin, the UI, the API and the importer, and the
project page's forms (stage move, activity, follow-up, attachment)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.files import check_attachment, check_size
from core.forms import ScopedModelForm
from projects.models import Activity, Attachment, FollowUp, Project, Stage

EDITABLE_FIELDS = (
    "name",
    "investor",
    "ultimate_parent",
    "origin",
    "source_country",
    "confidential",
    "amount_cny",
    "amount_original",
    "currency",
    "amount_text",
    "amount_is_estimated",
    "contracted_amount_cny",
    "foreign_capital_usd",
    "increment_cny",
    "district",
    "zone",
    "city",
    "industry",
    "business_activity",
    "project_type",
    "stage",
    "signed_on",
    "registered_on",
    "construction_on",
    "operating_on",
    "on_hold",
    "withdrawn",
    "priority",
    "owner",
    "owner_unit",
    "lead_source",
    "referring_partner",
    "referral_registered_on",
    "signing_event",
    "counted_in_stats",
    "exclusion_reason",
    "expands",
    "external_id",
    "description",
)


class ProjectForm(ScopedModelForm):
    """Validates a project as a whole; stage moves after creation use the stage service.

    Built with `user=` the writer: its relations accept only what that user may point at.
    """

    class Meta:
        model = Project
        fields = EDITABLE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "stage" in self.fields:
            self.fields["stage"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stage = data.get("stage")
        if (
            stage is not None
            and stage.requires_date
            and stage.date_field
            and not data.get(stage.date_field)
        ):
            self.add_error(
                stage.date_field if stage.date_field in self.fields else None,
                _("Stage {stage} needs this date.").format(stage=stage),
            )
        if stage is not None and stage.is_lost and self.instance.pk is None:
            self.add_error("stage", _("A new project cannot start as lost."))
        referral_on, signed_on = data.get("referral_registered_on"), data.get("signed_on")
        if referral_on and signed_on and referral_on > signed_on:
            self.add_error(
                "referral_registered_on",
                _("The referral must be registered before the project was signed."),
            )
        if data.get("referring_partner") is None and data.get("referral_registered_on"):
            self.add_error("referring_partner", _("A referral date needs a referring partner."))
        return data


class MoveForm(forms.Form):
    """What a stage move needs: the target, and (depending on the stage) a date or reason."""

    to_stage = forms.ModelChoiceField(
        queryset=Stage.objects.all(), to_field_name="code", label=_("Move to")
    )
    on = forms.DateField(
        label=_("Date it happened"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    origin = forms.CharField(required=False, widget=forms.HiddenInput)
    board_query = forms.CharField(required=False, widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ActivityForm(ScopedModelForm):
    class Meta:
        model = Activity
        fields = ("kind", "happened_on", "summary", "notes")
        widgets = {
            "happened_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_happened_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["happened_on"]
        if day > timezone.localdate():
            raise ValidationError(_("An activity cannot be dated in the future."))
        return day


class FollowUpForm(ScopedModelForm):
    class Meta:
        model = FollowUp
        fields = ("title", "due_on", "owner")
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The owner is one of the users the writer may assign (ScopedModelForm).
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = owner.queryset.order_by("username")  # type: ignore[attr-defined]


class AttachmentForm(ScopedModelForm):
    """A file for the project: at most ATTACHMENT_MAX_MB, of a type on the allow-list
    whose content matches its name (core.files.check_attachment)."""

    class Meta:
        model = Attachment
        fields = ("file", "title")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        check_size(upload, settings.ATTACHMENT_MAX_MB, "ATTACHMENT_MAX_MB")
        check_attachment(upload)
        return upload
