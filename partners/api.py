"""/api/v1/partners: list (PartnerFilterSet), detail, create, update, patch, delete."""

from __future__ import annotations

from ninja import Router

from core.api.crud import register_crud
from core.forms import ScopedModelForm
from partners.filtersets import PartnerFilterSet
from partners.models import Partner
from partners.schemas import (
    PARTNER_FORM_FIELDS,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    PartnerUpdate,
    partner_out,
)

router = Router(tags=["partners"])


class PartnerForm(ScopedModelForm):
    """Partner edit form used by the API."""

    class Meta:
        model = Partner
        fields = PARTNER_FORM_FIELDS


register_crud(
    router,
    model=Partner,
    form_class=PartnerForm,
    filterset_class=PartnerFilterSet,
    out_schema=PartnerOut,
    in_schema=PartnerIn,
    update_schema=PartnerUpdate,
    patch_schema=PartnerPatch,
    render=partner_out,
    label="partners",
)
