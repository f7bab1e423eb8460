"""What an uploaded file really is, decided from its bytes (magic numbers and structure), never from its name
or the browser's claimed type. A short allow-list: photos (JPEG, PNG, WebP) and documents (PDF, Word .docx,
Excel .xlsx). Anything else — executables renamed to .jpg, macro-enabled Office files, old binary .doc/.xls,
archives — is refused with a message for the user."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError

from gridgov.matters.choices import AttachmentKind

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ALLOWED_DESCRIPTION = "JPG、PNG、WebP 照片，PDF、Word（.docx）、Excel（.xlsx）文件"


def max_bytes() -> int:
    """The size limit of one attachment (setting ``GRIDGOV_ATTACHMENT_MAX_BYTES``, default 10 MB)."""
    return int(getattr(settings, "GRIDGOV_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    kind: str


JPEG = FileType("jpg", "image/jpeg", AttachmentKind.PHOTO)
PNG = FileType("png", "image/png", AttachmentKind.PHOTO)
WEBP = FileType("webp", "image/webp", AttachmentKind.PHOTO)
PDF = FileType("pdf", "application/pdf", AttachmentKind.DOCUMENT)
OOXML = "application/vnd.openxmlformats-officedocument."
DOCX = FileType("docx", OOXML + "wordprocessingml.document", AttachmentKind.DOCUMENT)
XLSX = FileType("xlsx", OOXML + "spreadsheetml.sheet", AttachmentKind.DOCUMENT)
ALL_TYPES = (JPEG, PNG, WEBP, PDF, DOCX, XLSX)


@dataclass(frozen=True)
class CheckedFile:
    type: FileType
    size: int
    sha256: str
    original_name: str


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _ooxml(stream: IO[bytes]) -> FileType | None:
    """A .docx or .xlsx: a zip with the OOXML content-types part and the main part; no macros."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names or any(n.lower().endswith("vbaproject.bin") for n in names):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _image_ok(stream: IO[bytes]) -> bool:
    """The image decoder accepts the file's structure (not only its first bytes)."""
    try:
        from PIL import Image

        with Image.open(stream) as image:
            image.verify()
    except Exception:  # any decoder complaint means "not a usable photo"
        return False
    return True


def sniff(stream: IO[bytes]) -> FileType | None:
    """The allowed type ``stream`` holds, or None. Reads from the start; leaves the position at 0."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    found: FileType | None = None
    if head.startswith(b"\xff\xd8\xff"):
        found = JPEG
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = PNG
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = WEBP
    elif head.startswith(b"%PDF-"):
        found = PDF
    elif head.startswith(b"PK\x03\x04"):
        found = _ooxml(stream)
        stream.seek(0)
    if found is not None and found.kind == AttachmentKind.PHOTO:
        ok = _image_ok(stream)
        stream.seek(0)
        if not ok:
            return None
    return found


def human_size(size: int) -> str:
    """1536 -> "1.5 KB", 10485760 -> "10 MB"."""
    value, unit = (size / 1048576, "MB") if size >= 1048576 else (size / 1024, "KB")
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {unit}"


def clean_name(name: str) -> str:
    """The uploaded name for display and downloads: no directories, no control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", name).strip(" .")
    return name[-200:] or "附件"


def check_upload(upload) -> CheckedFile:
    """Size and type of an uploaded file (a Django ``UploadedFile``); ValidationError on ``file`` when refused."""
    if upload is None:
        raise _refuse("请选择文件")
    size = int(upload.size or 0)
    if size == 0:
        raise _refuse("文件是空的")
    limit = max_bytes()
    if size > limit:
        raise _refuse(f"文件过大（{human_size(size)}），单个附件不能超过 {human_size(limit)}")
    file_type = sniff(upload)
    if file_type is None:
        raise _refuse(f"不支持此类文件，只能上传{ALLOWED_DESCRIPTION}")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = clean_name(getattr(upload, "name", ""))
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return CheckedFile(file_type, size, digest.hexdigest(), f"{stem}.{file_type.extension}")
