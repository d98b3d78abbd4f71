"""Document loading: encodings, HTML, .docx and bad input."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from ingest.extract import (
    BinaryInputError,
    EmptyInputError,
    ExtractError,
    InputTooLargeError,
    extract,
    load_document,
)
from ingest.extract.loader import MAX_BYTES

ZH = "在集成电路领域，蓝澜微(上海)半导体有限公司拟投资二十亿元，在张江建设功率器件研发中心。"
HANT = "在集成電路領域，藍瀾微(上海)半導體有限公司擬投資二十億元，在張江建設功率器件研發中心。"


def test_utf8_gbk_big5() -> None:
    assert load_document(ZH.encode("utf-8"), "a.txt").text == ZH
    assert load_document(ZH.encode("gbk"), "a.txt").text == ZH
    doc = load_document(HANT.encode("big5"), "a.txt")
    assert doc.text == HANT and doc.language == "zh-Hant"
    assert load_document(ZH.encode("gb18030"), "a.md").language == "zh-Hans"


def test_html_drops_scripts() -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>var x='拟投资99亿元';</script></head>"
        f"<body><p>{ZH}</p><script>alert(1)</script></body></html>"
    )
    doc = load_document(html.encode("utf-8"), "a.html")
    assert "99亿" not in doc.text and "蓝澜微" in doc.text
    assert extract(doc.text).projects[0].amount is not None


@pytest.mark.timeout(30)
def test_html_full_of_scripts_is_fast() -> None:
    html = "<html><body>" + "<script>" + "x<y;" * 200_000 + "</script>" * 3 + ZH + "</body></html>"
    doc = load_document(html.encode(), "b.html")
    assert "蓝澜微" in doc.text


def _docx(paragraphs: list[str]) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", xml)
    return buf.getvalue()


def test_docx() -> None:
    doc = load_document(_docx(["标题", ZH]), "a.docx")
    assert doc.format == "docx" and ZH in doc.text


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(EmptyInputError):
        load_document(b"", "a.txt")
    with pytest.raises(EmptyInputError):
        load_document(b"  \n\t ", "a.txt")
    with pytest.raises(BinaryInputError):
        load_document(b"\x00\x01\x02binary\x00" * 100, "a.txt")
    with pytest.raises(ExtractError):
        load_document(b"PK\x03\x04garbage", "a.docx")
    with pytest.raises(ExtractError):
        load_document(b"abc", "a.pdf")
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (MAX_BYTES + 1))
    with pytest.raises(InputTooLargeError):
        load_document(big)
    with pytest.raises(InputTooLargeError):
        load_document(b"x" * (20 * 1024 * 1024), "huge.txt")


def test_wrong_encoding_never_crashes() -> None:
    data = "投资".encode("utf-16-le") + bytes(range(128, 256))
    try:
        doc = load_document(data, "w.txt")
    except ExtractError:
        return
    extract(doc.text)


def test_random_bytes() -> None:
    import random

    rnd = random.Random(1)
    for _ in range(30):
        data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 400)))
        try:
            doc = load_document(data, "r.txt")
        except ExtractError:
            continue
        extract(doc.text)
