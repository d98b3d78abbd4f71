"""Chinese/English investment-news extractor (plain Python; imports no Django).

Public API::

    extract(text, *, document="", known_companies=None) -> ExtractionResult
    load_document(path_or_bytes, name="") -> Document
    to_jsonl_records(result, document=None) -> list[dict]
    extract_files(paths) -> Iterator[dict]
    format_table(records) -> str
    run_eval(gold, aggregates, articles, sources=None, scorer=None) -> (dict, str)
"""

from __future__ import annotations

from .companies import KnownCompany
from .errors import (
    BinaryInputError,
    DecodingError,
    EmptyInputError,
    ExtractError,
    InputTooLargeError,
    UnsupportedFormatError,
)
from .evaluate import run_eval
from .loader import Document, load_document
from .pipeline import Aggregate, ExtractionResult, Project, extract
from .records import extract_files, format_table, to_jsonl_records

__all__ = [
    "Aggregate",
    "BinaryInputError",
    "DecodingError",
    "Document",
    "EmptyInputError",
    "ExtractError",
    "ExtractionResult",
    "InputTooLargeError",
    "KnownCompany",
    "Project",
    "UnsupportedFormatError",
    "extract",
    "extract_files",
    "format_table",
    "load_document",
    "run_eval",
    "to_jsonl_records",
]
