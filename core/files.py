"""Stored files: random names, upload checks (size, type), and the one view that serves them.

Every file under MEDIA_ROOT belongs to a record — a project attachment, an import upload.
The app that owns the record registers where its files live and who may see them
(:func:`register`, in its AppConfig.ready); ``/files/<name>`` (MEDIA_URL, so ``FileField.url``
points there) serves a file only to a signed-in user who may view that record, through the
owner's ``restrict()`` rule, and always as a download: ``Content-Disposition: attachment``,
``X-Content-Type-Options: nosniff``, ``Content-Security-Policy: default-src 'none'; sandbox``
and ``Cache-Control: private, no-store``. The media folder itself is never served.

``FILE_SERVING`` says who sends the bytes: ``django`` (streamed by the worker), ``nginx``
(``X-Accel-Redirect`` to an internal location) or ``sendfile`` (``X-Sendfile``, Apache
mod_xsendfile, lighttpd). README.md shows the nginx configuration.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import posixpath
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

MB = 1024 * 1024

# --------------------------------------------------------------------------- stored names


@deconstructible
class UploadTo:
    """``upload_to`` that stores a file as <prefix>/<year>/<month>/<random hex><.ext>.

    The uploader's name is kept on the record for the download; on disk only a random name
    (unguessable, no path tricks, no odd characters) and a short lower-case extension.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.strip("/")

    def __call__(self, instance: Any, filename: str) -> str:
        ext = os.path.splitext(filename)[1].lower()
        if not re.fullmatch(r"\.[a-z0-9]{1,8}", ext):
            ext = ""
        today = dt.date.today()
        return f"{self.prefix}/{today:%Y/%m}/{uuid.uuid4().hex}{ext}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadTo) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


def clean_file_name(name: str, default: str = "file") -> str:
    """An uploader's file name fit to keep and to send back: the last path part, without
    control, format (bidi, zero-width) or separator characters, at most 200 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch)[0] not in "CZ" or ch == " "
    ).strip(" .")
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext)] + ext
    return name or default


# --------------------------------------------------------------------------- owners


@dataclass(frozen=True)
class StoredFiles:
    """Where one model keeps its files and who may download them.

    `visible(user)` returns the records whose files the user may download, built on
    ``restrict()``; `download_name(record)` the name the file is sent under.
    """

    prefix: str
    model: type[Model]
    field: str
    visible: Callable[[Any], QuerySet[Any]]
    download_name: Callable[[Any], str]
    content_types: dict[str, str] | None = None
    # For `zhaoshang cleanup_uploads`: delete (or with dry_run only name) the stored files
    # of records older than the cutoff that no longer need them; returns their names.
    expire: Callable[[dt.datetime, bool], list[str]] | None = None


_OWNERS: dict[str, StoredFiles] = {}


def register(owner: StoredFiles) -> None:
    """Declare that files under `owner.prefix` belong to `owner.model` (idempotent)."""
    prefix = owner.prefix.strip("/") + "/"
    _OWNERS[prefix] = dataclasses.replace(owner, prefix=prefix)


def owners() -> list[StoredFiles]:
    return list(_OWNERS.values())


def owner_of(name: str) -> StoredFiles | None:
    for prefix, owner in _OWNERS.items():
        if name.startswith(prefix):
            return owner
    return None


def _safe_name(name: str) -> str | None:
    """A stored name as FileField keeps it (relative, forward slashes), or None."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return None
    normal = posixpath.normpath(name)
    if normal != name or normal.startswith(".."):
        return None
    return name


@login_required
def serve(request: HttpRequest, name: str) -> HttpResponseBase:
    """GET /files/<name>: the file, to a user who may view the record it belongs to.

    Answers 404 alike for a file that does not exist, one outside every registered place
    and one whose record the user may not see; anonymous users go to the login page.
    """
    name = _safe_name(name) or ""
    owner = owner_of(name)
    if owner is None:
        raise Http404
    record = owner.visible(request.user).filter(**{owner.field: name}).first()
    if record is None:
        raise Http404
    download = clean_file_name(owner.download_name(record) or posixpath.basename(name))
    types = owner.content_types or {}
    content_type = types.get(os.path.splitext(download)[1].lower(), "application/octet-stream")
    return file_response(name, download, content_type)


# --------------------------------------------------------------------------- responses


def disposition(filename: str) -> str:
    """``attachment`` with an ASCII name for old clients and the real one as filename*
    (RFC 6266 / RFC 5987), so that 台账.xlsx arrives as 台账.xlsx."""
    fallback = (
        "".join(ch if (" " <= ch <= "~" and ch not in '"\\%;') else "_" for ch in filename).strip()
        or "download"
    )
    return "attachment; filename=\"{}\"; filename*=UTF-8''{}".format(
        fallback, quote(filename, safe="")
    )


_R = TypeVar("_R", bound=HttpResponseBase)


def protect_download(response: _R, filename: str) -> _R:
    """The headers every file the application sends carries, stored or generated: a
    download that browsers neither render nor sniff nor share through caches."""
    response["Content-Disposition"] = disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    patch_vary_headers(response, ["Cookie"])
    return response


def file_response(name: str, filename: str, content_type: str) -> HttpResponseBase:
    """The stored file `name` as a download called `filename`, sent as FILE_SERVING says."""
    path = default_storage.path(name)
    if not os.path.isfile(path):
        raise Http404
    mode = getattr(settings, "FILE_SERVING", "django")
    response: HttpResponseBase
    if mode == "nginx":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.FILE_ACCEL_LOCATION.rstrip("/") + "/" + quote(name)
    elif mode == "sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = path
    else:
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115
    return protect_download(response, filename)


# --------------------------------------------------------------------------- upload checks


def check_size(upload: Any, limit_mb: int, setting: str) -> None:
    """Refuse an upload larger than `limit_mb` (named by its `setting`)."""
    if upload.size > limit_mb * MB:
        raise ValidationError(
            _("The file is {size} MB; the limit is {limit} MB ({setting}).").format(
                size="{:.1f}".format(upload.size / MB), limit=limit_mb, setting=setting
            ),
            code="too_large",
        )


#: Attachment types: extension → (what the content must be, the type it is sent as).
ATTACHMENT_TYPES: dict[str, tuple[str, str]] = {
    ".pdf": ("pdf", "application/pdf"),
    ".png": ("png", "image/png"),
    ".jpg": ("jpeg", "image/jpeg"),
    ".jpeg": ("jpeg", "image/jpeg"),
    ".webp": ("webp", "image/webp"),
    ".doc": ("ole", "application/msword"),
    ".xls": ("ole", "application/vnd.ms-excel"),
    ".ppt": ("ole", "application/vnd.ms-powerpoint"),
    ".docx": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ".xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ".odt": ("odt", "application/vnd.oasis.opendocument.text"),
    ".ods": ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ".odp": ("odp", "application/vnd.oasis.opendocument.presentation"),
    ".txt": ("text", "text/plain; charset=utf-8"),
    ".csv": ("text", "text/csv; charset=utf-8"),
    ".zip": ("zip", "application/zip"),
}
ATTACHMENT_CONTENT_TYPES = {ext: kind[1] for ext, kind in ATTACHMENT_TYPES.items()}
#: Containers a .zip may be: any ZIP-based document is a ZIP archive too.
_ZIP_FAMILY = {"zip", "docx", "xlsx", "pptx", "odt", "ods", "odp"}
_KIND_NAMES = {
    "pdf": "PDF",
    "png": "PNG",
    "jpeg": "JPEG",
    "webp": "WebP",
    "ole": "Word/Excel/PowerPoint 97–2003",
    "docx": "Word (DOCX)",
    "xlsx": "Excel (XLSX)",
    "pptx": "PowerPoint (PPTX)",
    "odt": "OpenDocument text",
    "ods": "OpenDocument spreadsheet",
    "odp": "OpenDocument presentation",
    "text": "text",
    "zip": "ZIP",
    "html": "HTML/SVG/XML markup",
    "executable": "a program",
    "unknown": "an unknown type",
}
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|meta|style|a\s)",
    re.IGNORECASE,
)


def sniff_kind(head: bytes, data: Callable[[], bytes]) -> str:
    """What a file holds, from its first bytes (`data()` gives all of it, for ZIPs)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data())
    if head.startswith((b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")):
        return "executable"
    text = head.removeprefix(b"\xef\xbb\xbf")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = head.decode("utf-16").encode("utf-8", errors="replace")
        except UnicodeDecodeError:
            return "unknown"
    elif b"\x00" in head:
        return "unknown"
    if text.lstrip().startswith(b"<") or _MARKUP.search(text):
        return "html"
    return "text"


def _zip_kind(data: bytes) -> str:
    if data.count(b"PK\x01\x02") > 100_000:
        return "unknown"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as fh:
                    mimetype = fh.read(100)
                for kind in ("text", "spreadsheet", "presentation"):
                    if mimetype == b"application/vnd.oasis.opendocument." + kind.encode():
                        return {"text": "odt", "spreadsheet": "ods", "presentation": "odp"}[kind]
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        return "unknown"
    if "[Content_Types].xml" in names:
        for folder, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(n.startswith(folder) for n in names):
                return kind
    return "zip"


def check_attachment(upload: Any) -> str:
    """Refuse a file whose type is not on the list or whose content is not what its name
    says; returns the content type it will be sent as."""
    name = clean_file_name(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    allowed = ATTACHMENT_TYPES.get(ext)
    if allowed is None:
        raise ValidationError(
            _(
                "Files of type “{ext}” cannot be attached. Allowed: PDF, Word, Excel, "
                "PowerPoint, OpenDocument, PNG, JPEG, WebP, TXT, CSV and ZIP."
            ).format(ext=ext or name),
            code="type",
        )
    upload.seek(0)
    head = upload.read(8192)

    def everything() -> bytes:
        upload.seek(0)
        return bytes(upload.read())

    found = sniff_kind(head, everything)
    upload.seek(0)
    expected = allowed[0]
    if found != expected and not (expected == "zip" and found in _ZIP_FAMILY):
        raise ValidationError(
            _(
                "“{name}” is named {ext} but holds {found}; save it in the format its name "
                "says and attach it again."
            ).format(name=name, ext=ext, found=_KIND_NAMES.get(found, found)),
            code="content",
        )
    return allowed[1]


class CappedUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file upload handler that stops storing an upload once it is
    larger than any upload limit. The size is still counted, so the form can refuse the
    file saying how large it was, and a 300 MB upload never fills the temporary folder."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        cap = max(settings.ATTACHMENT_MAX_MB, settings.IMPORT_MAX_MB) * MB + MB
        if start + len(raw_data) > cap:
            return None  # dropped: the form refuses the file by its size
        return super().receive_data_chunk(raw_data, start)
