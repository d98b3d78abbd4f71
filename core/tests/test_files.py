"""Stored files: served only through the checked download view, never from the media
folder; attachments on an allow-list by name and content; random stored names; upload
size limits; files of failed or cancelled imports deleted; the cleanup command."""

from __future__ import annotations

import importlib
import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import Resolver404, clear_url_caches, resolve, reverse

from core.files import CappedUploadHandler, serve
from ingest.models import ImportBatch
from projects.models import Attachment
from testing.factories import make_project
from testing.personas import XUHUI

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp", "english")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _client(user: Any = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def _body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _attach(client: Client, project: Any, name: str, data: bytes) -> Any:
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(
        reverse("projects:attachment_add", args=[project.pk]), {"file": upload}, follow=True
    )


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


# --------------------------------------------------------------------------- no media route


def test_no_url_serves_the_media_folder_even_with_debug(settings: Any) -> None:
    # Before: config/urls.py added static(MEDIA_URL, document_root=MEDIA_ROOT) with DEBUG,
    # which served every upload to anyone (curl /media/imports/.../ledger.xlsx).
    from django.views.static import serve as static_serve

    import config.urls

    def views(patterns: list[Any]) -> Iterator[Any]:
        for entry in patterns:
            if hasattr(entry, "url_patterns"):
                yield from views(entry.url_patterns)
            else:
                yield entry.callback

    settings.DEBUG = True
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        assert static_serve not in set(views(config.urls.urlpatterns))
        assert resolve(settings.MEDIA_URL + "imports/2026/01/x.xlsx").func is serve
        with pytest.raises(Resolver404):
            resolve("/media/imports/2026/01/ledger.xlsx")
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()


# --------------------------------------------------------------------------- attachments


def test_an_attachment_is_stored_under_a_random_name_and_downloaded_under_its_own(
    personas: dict[str, Any],
) -> None:
    project = make_project("徐汇附件项目", district=XUHUI)
    response = _attach(_client(personas["officer_xuhui"]), project, "签约协议 2024.pdf", PDF)
    assert response.status_code == 200
    attachment = Attachment.objects.get(project=project)
    stored = str(attachment.file)
    assert stored.startswith("attachments/") and stored.endswith(".pdf")
    assert "签约" not in stored and len(os.path.basename(stored)) == 32 + 4
    assert attachment.original_name == "签约协议 2024.pdf"
    assert attachment.file.url == "/files/" + stored

    download = _client(personas["officer_xuhui"]).get(attachment.file.url)
    assert download.status_code == 200 and _body(download) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        "attachment; filename=\"____ 2024.pdf\"; filename*=UTF-8''" + quote("签约协议 2024.pdf")
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download["Cache-Control"] == "private, no-store"
    assert "Cookie" in download["Vary"]


def test_an_attachment_is_downloaded_only_by_those_who_may_see_its_project(
    personas: dict[str, Any],
) -> None:
    project = make_project("徐汇附件项目", district=XUHUI)
    _attach(_client(personas["officer_xuhui"]), project, "a.pdf", PDF)
    url = Attachment.objects.get(project=project).file.url
    expected = {
        "admin": 200,
        "analyst": 200,
        "viewer": 200,
        "officer_xuhui": 200,
        "officer_jiading": 404,
        "partner": 404,
    }
    got = {key: _client(personas[key]).get(url).status_code for key in expected}
    assert got == expected
    anonymous = _client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "cannot be attached"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
            "cannot be attached",
        ),
        ("tool.js", b"fetch('/api/v1/')", "cannot be attached"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "cannot be attached"),
        ("scan.pdf", b"<html><body onload=alert(1)>", "holds HTML/SVG/XML markup"),
        ("photo.png", b"MZ\x90\x00" + b"\x00" * 60, "holds a program"),
        ("notes.txt", b"<script>alert(1)</script>", "holds HTML/SVG/XML markup"),
        ("minutes.docx", PDF, "holds PDF"),
    ],
)
def test_html_svg_scripts_programs_and_mislabelled_files_are_refused(
    personas: dict[str, Any], name: str, data: bytes, message: str
) -> None:
    # Before: any file was stored and served from the app's origin, where an HTML or SVG
    # attachment opened by an administrator ran its script.
    project = make_project("徐汇附件项目", district=XUHUI)
    response = _attach(_client(personas["officer_xuhui"]), project, name, data)
    text = response.content.decode()
    assert "The file was not uploaded" in text and message in text, text[-2000:]
    assert not Attachment.objects.exists()
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "attachments"))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("scan.PDF", PDF),
        ("photo.png", PNG),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64),
        ("photo.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 32),
        ("minutes.docx", _docx()),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64),
        ("list.csv", "项目,金额\nA,1\n".encode("gb18030")),
        ("notes.txt", "会议纪要：a < b\n".encode()),
        ("bundle.zip", _docx()),
    ],
)
def test_documents_pictures_text_and_archives_are_accepted(
    personas: dict[str, Any], name: str, data: bytes
) -> None:
    project = make_project("徐汇附件项目", district=XUHUI)
    response = _attach(_client(personas["officer_xuhui"]), project, name, data)
    assert "File uploaded." in response.content.decode()
    assert Attachment.objects.get().original_name == name


def test_an_attachment_over_the_size_limit_is_refused_before_it_is_stored(
    personas: dict[str, Any], settings: Any
) -> None:
    settings.ATTACHMENT_MAX_MB = 1
    project = make_project("徐汇附件项目", district=XUHUI)
    big = PDF + b"0" * (1024 * 1024)
    response = _attach(_client(personas["officer_xuhui"]), project, "big.pdf", big)
    assert "the limit is 1 MB (ATTACHMENT_MAX_MB)" in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_upload_past_every_limit_is_counted_but_no_longer_written(settings: Any) -> None:
    settings.ATTACHMENT_MAX_MB = settings.IMPORT_MAX_MB = 1
    handler = CappedUploadHandler()
    handler.new_file("file", "big.pdf", "application/pdf", 5 << 20)
    chunk = b"x" * (64 * 1024)
    for start in range(0, 5 << 20, len(chunk)):
        handler.receive_data_chunk(chunk, start)
    upload = handler.file_complete(5 << 20)
    assert isinstance(upload, TemporaryUploadedFile) and upload.size == 5 << 20
    assert os.path.getsize(upload.temporary_file_path()) <= 2 << 20
    upload.close()


@pytest.mark.parametrize(
    ("mode", "header", "value"),
    [("nginx", "X-Accel-Redirect", "/protected-files/"), ("sendfile", "X-Sendfile", "/")],
)
def test_production_hands_the_bytes_to_the_web_server(
    personas: dict[str, Any], settings: Any, mode: str, header: str, value: str
) -> None:
    project = make_project("徐汇附件项目", district=XUHUI)
    _attach(_client(personas["officer_xuhui"]), project, "台账.pdf", PDF)
    attachment = Attachment.objects.get()
    settings.FILE_SERVING = mode
    response = _client(personas["officer_xuhui"]).get(attachment.file.url)
    assert response.status_code == 200 and _body(response) == b""
    expected = (
        value + str(attachment.file)
        if mode == "nginx"
        else default_storage.path(str(attachment.file))
    )
    assert response[header] == expected
    assert response["Content-Disposition"].endswith("filename*=UTF-8''" + quote("台账.pdf"))
    assert response["X-Content-Type-Options"] == "nosniff"
    # Another district's officer still gets nothing, not even the redirect.
    other = _client(personas["officer_jiading"]).get(attachment.file.url)
    assert other.status_code == 404 and header not in other


@pytest.mark.parametrize(
    "path",
    [
        "/files/../config/settings.py",
        "/files/attachments/../../var/zhaoshang.sqlite3",
        "/files/attachments//etc/passwd",
        "/files/elsewhere/x.pdf",
        "/files/attachments/2026/01/none.pdf",
    ],
)
def test_paths_outside_a_known_record_answer_404(personas: dict[str, Any], path: str) -> None:
    assert _client(personas["admin"]).get(path).status_code == 404


# --------------------------------------------------------------------------- import uploads


def _upload_ledger(client: Client, name: str, data: bytes) -> Any:
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(reverse("ingest:index"), {"file": upload, "kind": "projects"}, follow=True)


LEDGER = "项目名称,所属区\n芯片项目,徐汇\n".encode()


def test_an_uploaded_ledger_is_downloaded_only_by_its_uploader_and_administrators(
    personas: dict[str, Any],
) -> None:
    # Before: curl /media/imports/.../ledger.xlsx without login returned the whole ledger.
    _upload_ledger(_client(personas["officer_xuhui"]), "台账 2024.csv", LEDGER)
    batch = ImportBatch.objects.get()
    assert batch.file_name == "台账 2024.csv"
    assert str(batch.file).startswith("imports/") and "台账" not in str(batch.file)
    url = batch.file.url
    got = {
        key: _client(personas[key]).get(url).status_code
        for key in ("officer_xuhui", "admin", "officer_jiading", "analyst", "partner")
    }
    assert got == {
        "officer_xuhui": 200,
        "admin": 200,
        "officer_jiading": 404,
        "analyst": 404,
        "partner": 404,
    }
    assert _client().get(url).status_code == 302
    download = _client(personas["officer_xuhui"]).get(url)
    assert _body(download) == LEDGER
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"].endswith("filename*=UTF-8''" + quote("台账 2024.csv"))
    page = _client(personas["officer_xuhui"]).get(reverse("ingest:batch", args=[batch.pk]))
    assert url in page.content.decode()


def test_an_import_over_the_size_limit_is_refused_and_not_stored(
    personas: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    # Before: 300 MB were accepted and kept, also for a failed import.
    settings.IMPORT_MAX_MB = 1
    big = LEDGER + ("芯片项目,徐汇\n" * 70_000).encode()
    response = _upload_ledger(_client(personas["officer_xuhui"]), "big.csv", big)
    assert "the limit is 1 MB (IMPORT_MAX_MB)" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "imports"))
    path = tmp_path / "big.csv"
    path.write_bytes(big)
    with pytest.raises(CommandError, match="at most 1 MB"):
        call_command("import", str(path), kind="projects", stdout=io.StringIO())


def test_the_file_of_a_failed_import_is_deleted(personas: dict[str, Any]) -> None:
    _upload_ledger(_client(personas["officer_xuhui"]), "scan.csv", PDF)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and "PDF" in batch.message
    assert not batch.file
    assert not os.listdir(os.path.join(settings.MEDIA_ROOT, "imports", *_month()))


def test_a_cancelled_import_loses_its_file_and_rows(personas: dict[str, Any]) -> None:
    client = _client(personas["officer_xuhui"])
    _upload_ledger(client, "台账.csv", LEDGER)
    batch = ImportBatch.objects.get()
    client.post(
        reverse("ingest:batch_mapping", args=[batch.pk]), {"col_0": "name", "col_1": "district"}
    )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PLANNED and batch.rows.count() == 1
    path = default_storage.path(str(batch.file))
    other = _client(personas["officer_jiading"]).post(
        reverse("ingest:batch_cancel", args=[batch.pk])
    )
    assert other.status_code == 404 and os.path.exists(path)
    client.post(reverse("ingest:batch_cancel", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED and not batch.file
    assert not os.path.exists(path) and batch.rows.count() == 0
    again = client.post(reverse("ingest:batch_mapping", args=[batch.pk]), {"col_0": "name"})
    assert again.status_code == 302 and ImportBatch.objects.get().status == "cancelled"


def _month() -> list[str]:
    import datetime as dt

    today = dt.date.today()
    return [f"{today:%Y}", f"{today:%m}"]


# --------------------------------------------------------------------------- cleanup


def test_cleanup_uploads_deletes_old_files_no_record_needs(
    personas: dict[str, Any], tmp_path: Path
) -> None:
    import datetime as dt
    import time

    from django.utils import timezone

    from ingest import engine

    old = timezone.now() - dt.timedelta(days=40)
    done = engine.new_batch(LEDGER, "done.csv", "projects", personas["officer_xuhui"])
    waiting = engine.new_batch(LEDGER, "waiting.csv", "projects", personas["officer_xuhui"])
    fresh = engine.new_batch(LEDGER, "fresh.csv", "projects", personas["officer_xuhui"])
    ImportBatch.objects.filter(pk=done.pk).update(status="committed", created_at=old)
    ImportBatch.objects.filter(pk=waiting.pk).update(status="planned", created_at=old)
    project = make_project("徐汇附件项目", district=XUHUI)
    _attach(_client(personas["officer_xuhui"]), project, "a.pdf", PDF)
    kept_attachment = default_storage.path(str(Attachment.objects.get().file))
    orphans = []
    for name, age_days in (("imports/2020/01/orphan.csv", 40), ("imports/2020/01/new.csv", 1)):
        path = Path(default_storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        stamp = time.time() - age_days * 86400
        os.utime(path, (stamp, stamp))
        orphans.append(path)
    stray = Path(default_storage.path("elsewhere/keep.bin"))
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    os.utime(stray, (time.time() - 90 * 86400,) * 2)
    paths = {b.pk: default_storage.path(str(b.file)) for b in (done, waiting, fresh)}

    out = io.StringIO()
    call_command("cleanup_uploads", days=30, dry_run=True, stdout=out)
    assert all(os.path.exists(p) for p in paths.values()) and orphans[0].exists()
    assert "would delete 3 files" in out.getvalue()

    out = io.StringIO()
    call_command("cleanup_uploads", days=30, stdout=out)
    assert not os.path.exists(paths[done.pk]) and not os.path.exists(paths[waiting.pk])
    assert os.path.exists(paths[fresh.pk]) and os.path.exists(kept_attachment)
    assert not orphans[0].exists() and orphans[1].exists() and stray.exists()
    assert ImportBatch.objects.get(pk=done.pk).status == "committed"
    assert ImportBatch.objects.get(pk=waiting.pk).status == "cancelled"
    assert "deleted 3 files" in out.getvalue() and "elsewhere/keep.bin" in out.getvalue()


def test_the_media_folder_holds_only_registered_places() -> None:
    from core.files import owners

    assert {o.prefix for o in owners()} == {"attachments/", "imports/"}
    assert {o.model for o in owners()} == {Attachment, ImportBatch}


def test_generated_downloads_carry_the_same_protection(personas: dict[str, Any]) -> None:
    client = _client(personas["officer_xuhui"])
    for url in (
        reverse("ingest:template", args=["projects"]),
        reverse("ingest:export_projects", args=["csv"]),
        reverse("reports:bulletin") + "?period=2024Q1&format=md",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment; filename="), url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox", url
        assert response["Cache-Control"] == "private, no-store", url
