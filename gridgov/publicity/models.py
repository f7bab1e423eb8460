"""Publicity events (开展小宣讲): date, place, topic, channel, speaker, attendance, photos."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel
from gridgov.publicity.choices import Channel, Topic


def photo_storage():
    """The default storage (files under MEDIA_ROOT); var/media when the deployment has not set MEDIA_ROOT."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage) and not settings.MEDIA_ROOT:
        return FileSystemStorage(location=settings.VAR_DIR / "media", base_url=None)
    return storage


def photo_name(instance: PublicityPhoto, filename: str) -> str:
    """A random name: nothing of the uploader's file name (or the event) reaches the disk."""
    ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(instance.content_type, "bin")
    return f"publicity/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class PublicityEvent(BaseModel):
    """宣讲活动: one publicity event at a village, villager group or grid."""

    path = models.CharField(_("地域路径"), max_length=24)
    place = models.ForeignKey("places.Place", verbose_name=_("地点"), on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("日期"))
    topic = models.CharField(_("宣讲内容"), max_length=20, choices=Topic.choices)
    title = models.CharField(_("主题"), max_length=200)
    channel = models.CharField(_("宣讲方式"), max_length=20, choices=Channel.choices)
    speaker = models.CharField(_("宣讲人"), max_length=100)
    attendance = models.PositiveIntegerField(_("受众人次"), default=0)
    summary = models.TextField(_("活动情况"), blank=True)
    client_uuid = models.UUIDField(_("客户端记录ID"), unique=True, null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("宣讲活动")
        verbose_name_plural = _("宣讲活动")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["path", "held_on", "id"], name="publicity_path_date_idx")]
        constraints = [models.CheckConstraint(condition=Q(attendance__lte=100_000), name="publicity_attendance_sane")]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class PublicityPhoto(BaseModel):
    """活动照片: an image checked by its content (JPEG, PNG, WebP), served only through a scoped view."""

    path = models.CharField(_("地域路径"), max_length=24)
    event = models.ForeignKey(
        PublicityEvent, verbose_name=_("宣讲活动"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("文件"), upload_to=photo_name, storage=photo_storage, max_length=200)
    content_type = models.CharField(_("类型"), max_length=32)
    size = models.PositiveIntegerField(_("大小（字节）"))
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")
        ordering = ["event", "id"]

    def __str__(self) -> str:
        return f"照片 {self.pk}（宣讲活动 {self.event_id}）"
