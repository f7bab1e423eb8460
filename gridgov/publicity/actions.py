"""State changes of publicity events: record an event (idempotent by client id), add and remove photos.

Guards raise `ActionRefused`, bad input `ValidationError`; changes happen inside ``transaction.atomic()``
and are audited by `BaseModel`.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.core.actions import ActionRefused
from gridgov.core.models import in_scope
from gridgov.places.models import Place
from gridgov.publicity.choices import EVENT_PLACE_KINDS, Channel, Topic
from gridgov.publicity.common import can_record_at, check_date, create_once, text
from gridgov.publicity.models import PublicityEvent, PublicityPhoto

MAX_PHOTOS = 9
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000
# What a re-saved photo keeps of the original's metadata: colours and PNG transparency, nothing that says
# where, when or with which device it was taken.
KEPT_INFO = ("icc_profile", "transparency")


def photo_max_bytes() -> int:
    return getattr(settings, "GRIDGOV_PHOTO_MAX_BYTES", 5 * 1024 * 1024)


@dataclass
class EventInput:
    place: Place
    held_on: dt.date
    topic: str
    title: str
    channel: str
    speaker: str
    attendance: int = 0
    summary: str = ""
    photos: list[UploadedFile] = field(default_factory=list)
    client_uuid: uuid.UUID | None = None


def _validate(data: EventInput) -> None:
    errors: dict[str, str] = {}
    if data.topic not in Topic.values:
        errors["topic"] = _("宣讲内容无效")
    if data.channel not in Channel.values:
        errors["channel"] = _("宣讲方式无效")
    if not 0 <= data.attendance <= 100_000:
        errors["attendance"] = _("受众人次应在 0 至 100000 之间")
    if len(data.photos) > MAX_PHOTOS:
        errors["photos"] = _("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS}
    if errors:
        raise ValidationError(errors)
    check_date(data.held_on, "held_on")


def record_event(user, data: EventInput) -> tuple[PublicityEvent, bool]:
    """登记宣讲活动. Returns (event, created); the same ``client_uuid`` again returns the first event."""
    can_record_at(user, data.place, EVENT_PLACE_KINDS, _("宣讲活动"))
    _validate(data)
    title = text(data.title, "title", _("主题"))
    speaker = text(data.speaker, "speaker", _("宣讲人"))
    cleaned = [clean_image(f, check_image(f)) for f in data.photos]

    def make() -> PublicityEvent:
        event = PublicityEvent.objects.create(
            path=data.place.code,
            place=data.place,
            held_on=data.held_on,
            topic=data.topic,
            title=title[:200],
            channel=data.channel,
            speaker=speaker[:100],
            attendance=data.attendance,
            summary=data.summary.strip(),
            client_uuid=data.client_uuid,
            recorded_by=user,
        )
        for photo in cleaned:
            _save_photo(user, event, photo)
        return event

    return create_once(PublicityEvent, user, data.client_uuid, make)


def check_image(upload: UploadedFile) -> tuple[str, int, int]:
    """(content type, width, height) of an upload whose bytes are a JPEG, PNG or WebP image within the limits."""
    from PIL import Image, UnidentifiedImageError

    limit = photo_max_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError({"photos": _("照片不能超过 %(mb)s MB") % {"mb": limit // (1024 * 1024)}})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"photos": _("只能上传 JPEG、PNG 或 WebP 图片")}) from None
    finally:
        upload.seek(0)
    if kind not in IMAGE_TYPES:
        raise ValidationError({"photos": _("只能上传 JPEG、PNG 或 WebP 图片")})
    if width * height > MAX_PIXELS:
        raise ValidationError({"photos": _("图片尺寸过大")})
    return IMAGE_TYPES[kind], width, height


@dataclass
class CleanImage:
    content: ContentFile
    content_type: str
    width: int
    height: int


def clean_image(upload: UploadedFile, info: tuple[str, int, int]) -> CleanImage:
    """The checked upload re-saved in its own format without EXIF, XMP or comments (GPS position, device,
    time), its EXIF orientation applied to the pixels first so it still shows the right way up."""
    from PIL import Image, ImageOps

    content_type, _width, _height = info
    kind = next(k for k, v in IMAGE_TYPES.items() if v == content_type)
    upload.seek(0)
    try:
        with Image.open(upload) as original:
            image = ImageOps.exif_transpose(original)
            image.info = {k: v for k, v in original.info.items() if k in KEPT_INFO}
            options = {"quality": 90} if kind in ("JPEG", "WEBP") else {}
            out = io.BytesIO()
            image.save(out, format=kind, exif=b"", **options)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"photos": _("只能上传 JPEG、PNG 或 WebP 图片")}) from None
    finally:
        upload.seek(0)
    return CleanImage(ContentFile(out.getvalue()), content_type, image.width, image.height)


def _save_photo(user, event: PublicityEvent, clean: CleanImage) -> PublicityPhoto:
    photo = PublicityPhoto(
        path=event.path,
        event=event,
        content_type=clean.content_type,
        size=clean.content.size,
        width=clean.width,
        height=clean.height,
        uploaded_by=user,
    )
    photo.file.save("photo", clean.content, save=False)
    try:
        photo.save()
    except Exception:
        photo.file.delete(save=False)
        raise
    return photo


def can_change_event(user, event: PublicityEvent) -> None:
    can_record_at(user, event.place, EVENT_PLACE_KINDS, _("宣讲活动"))


def _check_photo_count(event: PublicityEvent, adding: int) -> None:
    if event.photos.count() + adding > MAX_PHOTOS:
        raise ValidationError({"photos": _("每场活动最多 %(n)s 张照片") % {"n": MAX_PHOTOS}})


def add_photos(user, event: PublicityEvent, uploads: list[UploadedFile]) -> list[PublicityPhoto]:
    """上传活动照片 (at most MAX_PHOTOS per event)."""
    can_change_event(user, event)
    if not uploads:
        raise ValidationError({"photos": _("请选择照片")})
    # Counted before any upload is decoded (cheap refusal of a batch that cannot fit), and again under the
    # event's lock, where it is authoritative.
    _check_photo_count(event, len(uploads))
    cleaned = [clean_image(f, check_image(f)) for f in uploads]
    with transaction.atomic():
        locked = PublicityEvent.objects.select_for_update().get(pk=event.pk)
        _check_photo_count(locked, len(uploads))
        return [_save_photo(user, locked, photo) for photo in cleaned]


def remove_photo(user, photo: PublicityPhoto) -> None:
    """删除照片 (the file goes once the row is gone)."""
    if not in_scope(user, photo.path):
        raise ActionRefused(_("该照片不在您的管辖范围内"))
    can_change_event(user, photo.event)
    with transaction.atomic():
        name, storage = photo.file.name, photo.file.storage
        photo.delete()
        transaction.on_commit(lambda: storage.delete(name))
