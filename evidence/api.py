"""/api/v1/source-documents: list (SourceDocumentFilterSet), detail, create, update, delete."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from ninja import Router

from core.api.crud import register_crud
from core.forms import ScopedModelForm
from evidence.filtersets import SourceDocumentFilterSet
from evidence.models import SourceDocument, content_hash
from evidence.schemas import (
    DOCUMENT_FORM_FIELDS,
    SourceDocumentIn,
    SourceDocumentOut,
    SourceDocumentPatch,
    SourceDocumentUpdate,
    document_out,
)

router = Router(tags=["source documents"])


class SourceDocumentForm(ScopedModelForm):
    """Source document form used by the API; the same text may be stored only once."""

    url = forms.URLField(required=False, max_length=1000, assume_scheme="https")

    class Meta:
        model = SourceDocument
        fields = DOCUMENT_FORM_FIELDS

    def clean_text(self) -> Any:
        text = self.cleaned_data.get("text") or ""
        duplicates = SourceDocument.objects.filter(content_hash=content_hash(text))
        if self.instance.pk is not None:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise forms.ValidationError(_("This text is already stored as another document."))
        return text


register_crud(
    router,
    model=SourceDocument,
    form_class=SourceDocumentForm,
    filterset_class=SourceDocumentFilterSet,
    out_schema=SourceDocumentOut,
    in_schema=SourceDocumentIn,
    update_schema=SourceDocumentUpdate,
    patch_schema=SourceDocumentPatch,
    render=document_out,
    label="source documents",
)
