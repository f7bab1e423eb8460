"""Open311 intake: the API keys machine clients file with, and what each filed request carried."""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel
from gridgov.matters.choices import SourceChannel

EMAIL_CONTEXT = b"open311.email"


def key_digest(key: str) -> str:
    """SHA-256 of a key: keys are 256-bit random, so a plain digest cannot be guessed back."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKey(BaseModel):
    """接入密钥: one per source channel and area (e.g. a police station's alert push into its town)."""

    path = models.CharField(_("地域路径"), max_length=24)
    name = models.CharField(_("名称"), max_length=100)
    digest = models.CharField(_("密钥摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("密钥前缀"), max_length=8, help_text=_("用于辨认，不足以使用"))
    channel = models.CharField(_("来源渠道"), max_length=16, choices=SourceChannel.choices)
    place = models.ForeignKey("places.Place", verbose_name=_("可报送地域"), on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("启用"), default=True)

    audit_exclude = BaseModel.audit_exclude | {"digest"}

    class Meta:
        verbose_name = _("Open311 接入密钥")
        verbose_name_plural = _("Open311 接入密钥")
        ordering = ["path", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"


class ServiceRequest(BaseModel):
    """A matter filed through Open311, with what the client sent that the matter has no column for.

    Only matters with one of these rows are shown by the public GET requests.
    """

    path = models.CharField(_("地域路径"), max_length=24)
    matter = models.OneToOneField(
        "matters.Matter", verbose_name=_("事项"), on_delete=models.CASCADE, related_name="open311"
    )
    api_key = models.ForeignKey(ApiKey, verbose_name=_("接入密钥"), on_delete=models.PROTECT, related_name="requests")
    requested_at = models.DateTimeField(_("提交时间"), db_index=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    long = models.FloatField(_("经度"), null=True, blank=True)
    address_string = models.CharField(_("地址"), max_length=200, blank=True)
    address_id = models.CharField(_("地址编号"), max_length=64, blank=True)
    routed_by = models.CharField(_("落点依据"), max_length=16, blank=True)
    email_sealed = models.BinaryField(_("邮箱(密文)"), null=True, blank=True)
    device_id = models.CharField(_("设备标识"), max_length=100, blank=True)
    account_id = models.CharField(_("账户标识"), max_length=100, blank=True)
    media_url = models.URLField(_("图片地址"), max_length=500, blank=True)
    idempotency_key = models.CharField(
        _("幂等键"),
        max_length=100,
        blank=True,
        help_text="the client's Idempotency-Key header: a retry files nothing new",
    )

    class Meta:
        verbose_name = _("Open311 报送")
        verbose_name_plural = _("Open311 报送")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["path", "id"], name="open311_request_path_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="open311_request_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"Open311 {self.matter_id}"
