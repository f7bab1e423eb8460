"""Notices to the "good neighbour" chat groups (群通知): composed once, delivered and recorded per group."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.chatnotices.choices import DeliveryMethod, DeliveryStatus, NoticeFormat
from gridgov.core.models import BaseModel


class ChatNotice(BaseModel):
    """群通知: one text sent to many chat groups. ``path`` is the sending unit's place."""

    path = models.CharField(_("地域路径"), max_length=24)
    place = models.ForeignKey("places.Place", verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    format = models.CharField(_("格式"), max_length=16, choices=NoticeFormat.choices, default=NoticeFormat.MARKDOWN)
    payload = models.JSONField(_("群机器人消息体"))
    copy_text = models.TextField(_("手工转发文本"))
    group_count = models.PositiveIntegerField(_("发送群数"), default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_uuid = models.UUIDField(_("客户端记录ID"), unique=True, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("群通知")
        verbose_name_plural = _("群通知")
        ordering = ["-id"]
        indexes = [models.Index(fields=["path", "id"], name="chatnotice_path_idx")]

    def __str__(self) -> str:
        return self.title


class ChatDelivery(BaseModel):
    """群通知送达记录: one notice to one group, by its robot (retried until it answers) or forwarded by hand.

    Written in the notice's transaction, so no group is forgotten; robot deliveries are tried after
    commit and then by the periodic job with exponential backoff until the robot acknowledges them.
    """

    path = models.CharField(_("地域路径"), max_length=24)
    notice = models.ForeignKey(ChatNotice, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="deliveries")
    group = models.ForeignKey(
        "personnel.ChatGroup", verbose_name=_("微信群"), on_delete=models.PROTECT, related_name="notice_deliveries"
    )
    method = models.CharField(_("方式"), max_length=8, choices=DeliveryMethod.choices)
    status = models.CharField(_("状态"), max_length=16, choices=DeliveryStatus.choices)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    lease_until = models.DateTimeField(_("发送占用至"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("手工转发人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("群通知送达记录")
        verbose_name_plural = _("群通知送达记录")
        ordering = ["path", "id"]
        indexes = [
            models.Index(fields=["path", "id"], name="chatdelivery_path_idx"),
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
                name="chatdelivery_due_idx",
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["notice", "group"], name="chatdelivery_once_per_group")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.group_id} {self.get_status_display()}"
