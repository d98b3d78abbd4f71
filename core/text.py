"""Text normalisation at the edge: names cleaned of invisible characters, Traditional ↔
Simplified, folded for search.

`clean_name` is the one normaliser of names (projects, companies and their aliases, events,
partners, reference data): core.fields.NameField applies it in forms (pages, API, importer),
in model validation and on every save.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")
# Characters that change how a name is displayed or compared without being seen: bidi
# embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), direction marks, and
# zero-width spaces, joiners and the byte-order mark. A name holding them can look like
# another record's name, or reverse the text around it on the page.
INVISIBLE = frozenset(
    [
        *range(0x202A, 0x202F),  # LRE RLE PDF LRO RLO
        *range(0x2066, 0x206A),  # LRI RLI FSI PDI
        0x200E,  # LRM
        0x200F,  # RLM
        0x061C,  # ALM
        0x200B,  # zero-width space
        0x200C,  # zero-width non-joiner
        0x200D,  # zero-width joiner
        0x2060,  # word joiner
        0xFEFF,  # zero-width no-break space / byte-order mark
    ]
)
_DROP_INVISIBLE = dict.fromkeys(INVISIBLE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_name(text: str) -> str:
    """A name as stored: NFC, without invisible characters, control characters turned into
    spaces, runs of white space collapsed, trimmed."""
    if not text:
        return ""
    normal = unicodedata.normalize("NFC", str(text)).translate(_DROP_INVISIBLE)
    return _SPACE.sub(" ", _CONTROL.sub(" ", normal)).strip()


def clean_names(values: object) -> object:
    """clean_name over a list of names (aliases), dropping the ones left empty and repeats;
    anything else is returned as it is (for the model's own validation to refuse)."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return values
    return list(dict.fromkeys(n for n in map(clean_name, values) if n))


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
    normal = _CONTROL.sub("", unicodedata.normalize("NFKC", text).translate(_DROP_INVISIBLE))
    return _SPACE.sub("", to_simplified(normal)).lower()
