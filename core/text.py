"""Text normalisation at the edge: NFKC, Traditional→Simplified, folded for search."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text))  # type: ignore[attr-defined]


def to_traditional(text: str) -> str:
    return str(_s2t().convert(text))  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _s2t() -> object:
    import opencc

    return opencc.OpenCC("s2t")


def fold(text: str) -> str:
    """Search key: NFKC (full-width→half-width), Simplified, lower case, no spaces."""
    if not text:
        return ""
    normal = unicodedata.normalize("NFKC", text)
    return _SPACE.sub("", to_simplified(normal)).lower()
