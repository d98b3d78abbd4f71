"""Normalisation at the edge: NFKC + Traditional->Simplified with an offset map.

All rules run on the normalised text; every offset they produce is mapped back to the original
text through :class:`NormText` so evidence spans always index what the user gave us.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def t2s(text: str) -> str:
    """Traditional -> Simplified (OpenCC t2s); used for short strings such as names."""
    return str(_t2s().convert(text))


@dataclass(frozen=True)
class NormText:
    """Normalised text plus, for each normalised character, the index of its source character."""

    original: str
    text: str
    src: tuple[int, ...]

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text onto the original text."""
        n = len(self.text)
        if n == 0 or end <= start:
            s = self.src[start] if 0 <= start < n else len(self.original)
            return s, s
        start = max(0, min(start, n - 1))
        end = max(start + 1, min(end, n))
        return self.src[start], self.src[end - 1] + 1


# Characters NFKC leaves alone but that we want to treat as plain punctuation/space.
_EXTRA = str.maketrans({"\u3000": " ", "\u00a0": " ", "\u200b": " ", "\ufeff": " "})


_NFKC_CACHE: dict[str, str] = {}


def normalise(original: str) -> NormText:
    """NFKC per character (so the map is exact), then OpenCC t2s.

    NFKC can turn one character into several (e.g. "㎡" -> "m2"), so we build the map char by
    char. OpenCC t2s is length-preserving in practice; we assert it and fall back to converting
    character by character when it is not, which keeps the map valid.
    """
    parts: list[str] = []
    src: list[int] = []
    cache = _NFKC_CACHE
    for i, ch in enumerate(original):
        n = cache.get(ch)
        if n is None:
            n = unicodedata.normalize("NFKC", ch).translate(_EXTRA)
            if len(cache) < 50_000:
                cache[ch] = n
        if len(n) == 1:
            parts.append(n)
            src.append(i)
        elif n:
            parts.append(n)
            src.extend([i] * len(n))
    nfkc = "".join(parts)
    simp = t2s(nfkc)
    if len(simp) != len(nfkc):
        conv = _t2s()
        out = []
        for ch in nfkc:
            c = str(conv.convert(ch))
            out.append(c if len(c) == 1 else ch)
        simp = "".join(out)
    return NormText(original=original, text=simp, src=tuple(src))


_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str, sample: int = 4000) -> str:
    """Return 'zh-Hans', 'zh-Hant' or 'en' from character statistics of a sample."""
    s = text[:sample]
    han = len(_HAN.findall(s))
    lat = len(_LATIN.findall(s))
    if han == 0 or lat > han * 3:
        return "en"
    simp = t2s(s)
    changed = sum(1 for a, b in zip(s, simp, strict=False) if a != b)
    # A few converted characters appear in Simplified text too (e.g. 乾/干 variants);
    # require a noticeable share before calling a text Traditional.
    return "zh-Hant" if changed >= max(3, han * 0.03) else "zh-Hans"


@dataclass(frozen=True)
class Span:
    start: int
    end: int


_ABBREV = {
    "inc",
    "ltd",
    "co",
    "corp",
    "mr",
    "ms",
    "mrs",
    "dr",
    "st",
    "gov",
    "sen",
    "rep",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "no",
    "vs",
    "ind",
    "mich",
    "calif",
    "tex",
    "ga",
    "ohio",
    "fla",
    "u.s",
    "u.k",
    "e.g",
    "i.e",
    "approx",
    "jr",
}


def split_sentences(text: str) -> list[Span]:
    """Split normalised text into sentences (Chinese and English rules, linear time)."""
    spans: list[Span] = []
    pos = 0
    n = len(text)
    for line_m in re.finditer(r"[^\n]*", text):
        ls, le = line_m.start(), line_m.end()
        if ls < pos or ls == le:
            continue
        pos = le
        start = ls
        i = ls
        while i < le:
            ch = text[i]
            cut = False
            if ch in "。!?！？;；":
                cut = True
            elif ch == "." and i + 1 < le and text[i + 1] == " ":
                j = i + 1
                while j < le and text[j] == " ":
                    j += 1
                if j < le and (text[j].isupper() or text[j] in "\"“'("):
                    k = i
                    while k > ls and (text[k - 1].isalpha() or text[k - 1] == "."):
                        k -= 1
                    word = text[k:i].lower()
                    if word not in _ABBREV and not (len(word) == 1 and word.isalpha()):
                        cut = True
            if cut:
                j = i + 1
                while j < le and text[j] in '"”’」』)':
                    j += 1
                if text[start:j].strip():
                    spans.append(_trim(text, start, j))
                start = j
                i = j
                continue
            i += 1
        if start < le and text[start:le].strip():
            spans.append(_trim(text, start, le))
    del n
    return spans


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)
