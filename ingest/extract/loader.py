"""Loading documents: .txt/.md/.html/.docx in UTF-8, GBK/GB18030 or Big5, with clear errors."""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from charset_normalizer import from_bytes

from .errors import (
    BinaryInputError,
    DecodingError,
    EmptyInputError,
    InputTooLargeError,
    UnsupportedFormatError,
)
from .textnorm import detect_language

MAX_BYTES = 10 * 1024 * 1024  # 10 MB: far above any news article, small enough to stay fast
_TEXT_EXT = {".txt", ".md", ".markdown", ".text", ""}
_HTML_EXT = {".html", ".htm", ".xhtml"}


@dataclass(frozen=True)
class Document:
    text: str
    language: str
    name: str
    encoding: str
    format: str  # txt, html, docx


def load_document(source: str | Path | bytes, name: str = "") -> Document:
    """Read a file path (or raw bytes plus a file name) into a :class:`Document`.

    Raises ``EmptyInputError``, ``BinaryInputError``, ``DecodingError``, ``InputTooLargeError``
    or ``UnsupportedFormatError`` (all ``ExtractError``).
    """
    if isinstance(source, bytes):
        data = source
        name = name or "document.txt"
    else:
        path = Path(source)
        name = name or path.name
        try:
            size = path.stat().st_size
        except OSError as e:
            raise EmptyInputError(f"{path}: cannot read ({e.strerror})") from e
        if size > MAX_BYTES:
            raise InputTooLargeError(f"{path}: {size} bytes; the limit is {MAX_BYTES}")
        data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise InputTooLargeError(f"{name}: {len(data)} bytes; the limit is {MAX_BYTES}")
    if not data.strip():
        raise EmptyInputError(f"{name}: the file is empty")
    ext = Path(name).suffix.lower()
    if ext == ".docx" or data[:4] == b"PK\x03\x04":
        if ext not in (".docx", "") and ext not in _TEXT_EXT:
            raise UnsupportedFormatError(f"{name}: unsupported zip container")
        text, enc, fmt = _docx_text(data, name), "utf-8", "docx"
    elif ext in _TEXT_EXT or ext in _HTML_EXT:
        text, enc = decode_bytes(data, name)
        fmt = "txt"
        if ext in _HTML_EXT or re.match(r"\s*<(?:!doctype html|html|head|body)", text[:200], re.I):
            text, fmt = html_to_text(text), "html"
    else:
        raise UnsupportedFormatError(f"{name}: unsupported file type {ext!r}")
    if not text.strip():
        raise EmptyInputError(f"{name}: no text after extraction")
    return Document(text=text, language=detect_language(text), name=name, encoding=enc, format=fmt)


def decode_bytes(data: bytes, name: str = "input") -> tuple[str, str]:
    """Decode bytes: BOM/UTF-8 first, then charset-normalizer limited to Chinese encodings."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BinaryInputError(f"{name}: binary data (NUL bytes)")
    for bom, enc in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return _check_text(data.decode(enc, errors="strict"), name), enc
    try:
        return _check_text(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "gbk", "big5", "big5hkscs", "utf_8"]).best()
    candidates = [best.encoding] if best is not None else []
    candidates += ["gb18030", "big5"]
    scored: list[tuple[float, str, str]] = []
    for enc in candidates:
        try:
            txt = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        # Prefer the decoding with the larger share of common CJK characters; wrong decodings
        # of Chinese produce many rare characters and symbols.
        cjk = sum(1 for c in txt if "\u4e00" <= c <= "\u9fff")
        common = sum(1 for c in txt if c in _COMMON)
        scored.append((common * 3 + cjk * 0.1, enc, txt))
    if not scored:
        raise DecodingError(f"{name}: not valid UTF-8, GB18030 or Big5")
    scored.sort(key=lambda x: -x[0])
    return _check_text(scored[0][2], name), scored[0][1]


# The most frequent characters of Chinese news (Simplified and Traditional forms).
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过"
    "子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制"
    "机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正"
    "心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党"
    "程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角"
    "期根论运农指几九区强放决西被干做必战先回则任取据处理府研质项目投资億亿萬万元個們國發會進產業區"
    "於與對為這說時來東務開關經濟設總額計劃簽約項"
)


def _check_text(text: str, name: str) -> str:
    sample = text[:8192]
    if not sample:
        return text
    ctrl = sum(1 for c in sample if (ord(c) < 32 and c not in "\n\r\t\f") or c == "\ufffd")
    if ctrl > max(8, len(sample) * 0.02):
        raise BinaryInputError(f"{name}: looks like binary data ({ctrl} control characters)")
    return text


_BLOCK = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|table|section|article|header|footer|"
    r"blockquote|title|pre)\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]{0,2000}>")


_OPEN_BLOCK = re.compile(r"<!--|<(script|style|noscript|template|svg|iframe)\b", re.IGNORECASE)


def _drop_blocks(src: str) -> str:
    """Remove comments and script-like elements with one left-to-right scan (linear time).

    An element that is never closed is cut to the end of the document.
    """
    low = src.lower()
    out: list[str] = []
    pos = 0
    while True:
        m = _OPEN_BLOCK.search(src, pos)
        if m is None:
            out.append(src[pos:])
            break
        out.append(src[pos : m.start()])
        out.append(" ")
        if m.group(0) == "<!--":
            end = src.find("-->", m.end())
            pos = len(src) if end < 0 else end + 3
        else:
            close = "</" + m.group(1).lower()
            end = low.find(close, m.end())
            if end < 0:
                break
            gt = src.find(">", end)
            pos = len(src) if gt < 0 else gt + 1
    return "".join(out)


def html_to_text(src: str) -> str:
    """Strip HTML to text: scripts/styles dropped, block tags become line breaks.

    The regexes use lazy matches bounded by fixed closing tags, so they are linear in practice;
    unclosed scripts are cut at the end of the document rather than scanned repeatedly.
    """
    s = _drop_blocks(src)
    s = _BLOCK.sub("\n", s)
    s = _TAG.sub("", s)
    s = html.unescape(s)
    lines = [re.sub(r"[ \t\u3000]+", " ", ln).strip() for ln in s.splitlines()]
    return "\n".join(ln for ln in lines if ln)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_text(data: bytes, name: str) -> str:
    """Paragraph text of word/document.xml, read with zipfile + ElementTree (no dependency)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo("word/document.xml")
            if info.file_size > MAX_BYTES * 5:
                raise InputTooLargeError(f"{name}: document.xml is {info.file_size} bytes")
            xml = zf.read(info)
    except KeyError as e:
        raise UnsupportedFormatError(f"{name}: a zip file but not a .docx document") from e
    except zipfile.BadZipFile as e:
        raise BinaryInputError(f"{name}: corrupt .docx (bad zip)") from e
    if b"<!DOCTYPE" in xml[:2000] or b"<!ENTITY" in xml[:4000]:
        raise UnsupportedFormatError(f"{name}: DTDs are not allowed in .docx XML")
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as e:
        raise BinaryInputError(f"{name}: corrupt .docx XML ({e})") from e
    paras: list[str] = []
    for p in root.iter(f"{_W}p"):
        parts: list[str] = []
        for node in p.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{_W}tab":
                parts.append("\t")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
        paras.append("".join(parts))
    return "\n".join(paras)
