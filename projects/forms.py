"""Project forms: one edit form shared by the admin, the UI, the API and the importer."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.forms import ScopedModelForm
from projects.models import Project

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
