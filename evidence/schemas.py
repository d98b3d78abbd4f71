"""API schemas for source documents (news items and files the extractor read)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ninja import Schema
from pydantic import Field

from core.api.crud import MAX_ID
from core.api.schemas import Out, partial_schema
from evidence.models import SourceDocument

DOCUMENT_FORM_FIELDS = (
    "title",
    "text",
    "url",
    "publisher",
    "published_on",
    "language",
    "file_name",
    "status",
)


class SourceDocumentIn(Schema):
    title: str = Field("", max_length=500)
    text: str
    url: str = ""
    publisher: str = ""
    published_on: dt.date | None = None
    language: str
    file_name: str = ""
    status: str = "new"


class SourceDocumentUpdate(SourceDocumentIn):
    version: int = Field(..., ge=1, le=MAX_ID)


if TYPE_CHECKING:  # generated at import time; type checkers see the base
    SourceDocumentPatch = SourceDocumentUpdate
else:
    SourceDocumentPatch = partial_schema(SourceDocumentUpdate, "SourceDocumentPatch")


class SourceDocumentOut(Out):
    id: int
    version: int
    title: str
    text: str
    url: str
    publisher: str
    published_on: dt.date | None
    language: str
    content_hash: str
    file_name: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


def document_out(doc: SourceDocument) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "version": doc.version,
        "title": doc.title,
        "text": doc.text,
        "url": doc.url,
        "publisher": doc.publisher,
        "published_on": doc.published_on,
        "language": doc.language,
        "content_hash": doc.content_hash,
        "file_name": doc.file_name,
        "status": doc.status,
        "created_at": doc.created_at,
        "updated_at": doc.updated_at,
    }
