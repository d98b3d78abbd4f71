"""Exceptions raised by the extractor.

Every failure caused by the input (not by a bug) is an ``ExtractError`` so callers can catch
one class and report a clear message.
"""

from __future__ import annotations


class ExtractError(Exception):
    """Base class for all input-related extraction errors."""


class EmptyInputError(ExtractError):
    """The input has no text (zero bytes or only whitespace)."""


class BinaryInputError(ExtractError):
    """The input looks like binary data (NUL bytes, control characters, unknown container)."""


class DecodingError(ExtractError):
    """The bytes could not be decoded as UTF-8, GB18030 or Big5."""


class InputTooLargeError(ExtractError):
    """The input exceeds the size cap; we refuse rather than risk a slow run."""


class UnsupportedFormatError(ExtractError):
    """The file type is not one of .txt, .md, .html/.htm or .docx."""
