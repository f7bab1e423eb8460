"""In-app notices to users, and the outbox of messages to outside receivers (the WeCom group robot)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.notifications.choices import Channel, NoticeKind, OutboundStatus


class NoticeQuerySet(models.QuerySet):
    def for_recipient(self, user) -> NoticeQuerySet:
        """A user's own notices; nobody reads anyone else's."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NoticeQuerySet:
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """站内通知: a matter arrived at the user's unit, came back, or its holding was supervised; a key
    person's follow-up is overdue or the person is out of contact (to grant holders only, no name)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notices"
    )
    matter = models.ForeignKey(
        "matters.Matter", verbose_name=_("事项"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("通知类型"), max_length=20, choices=NoticeKind.choices)
    text = models.CharField(_("内容"), max_length=500)
    created_at = models.DateTimeField(_("通知时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    source = models.CharField(
        _("来源"),
        max_length=64,
        blank=True,
        help_text="what the notice is about (e.g. keyalert:12); once per recipient",
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notice_recipient_idx"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notice_unread_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "source"], condition=~Q(source=""), name="notice_once_per_source"
            )
        ]

    def __str__(self) -> str:
        return self.text


class OutboundMessage(models.Model):
    """待发消息 (outbox): written in the transaction of the event it reports, so it cannot be lost;
    sent after commit and retried with exponential backoff until the receiver acknowledges it."""

    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, default=Channel.WECOM)
    dedupe_key = models.CharField(_("去重键"), max_length=64, unique=True, help_text="one message per event")
    matter = models.ForeignKey(
        "matters.Matter", verbose_name=_("事项"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(_("消息体"))
    status = models.CharField(_("状态"), max_length=16, choices=OutboundStatus.choices, default=OutboundStatus.PENDING)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"))
    lease_until = models.DateTimeField(_("发送占用至"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送成功时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=~Q(status=OutboundStatus.SENT),
                name="outbound_due_idx",
            ),
            models.Index(fields=["channel", "sent_at"], name="outbound_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.dedupe_key} {self.get_status_display()}"


class PeriodicRound(models.Model):
    """定时任务轮次: one row per (job, scheduled time), written by the worker that enqueues that round.

    Several workers (``run_periodic`` on several machines) share the schedule: each round of each
    job starts at the same wall-clock time on all of them, and the unique row lets exactly one of
    them enqueue it. The task itself is then run by exactly one worker (the task backend claims it
    with ``SELECT ... FOR UPDATE SKIP LOCKED``).
    """

    task_path = models.CharField(_("任务"), max_length=200)
    slot = models.DateTimeField(_("计划时间"))
    worker = models.CharField(_("执行者"), max_length=100)
    claimed_at = models.DateTimeField(_("认领时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("定时任务轮次")
        verbose_name_plural = _("定时任务轮次")
        constraints = [models.UniqueConstraint(fields=["task_path", "slot"], name="periodic_round_once")]

    def __str__(self) -> str:
        return f"{self.task_path} @ {self.slot:%Y-%m-%d %H:%M:%S}"
