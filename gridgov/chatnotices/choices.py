from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeFormat(models.TextChoices):
    """The WeCom group robot's message types used for notices."""

    MARKDOWN = "markdown", _("Markdown（加粗、引用、颜色）")
    TEXT = "text", _("纯文本")


class DeliveryMethod(models.TextChoices):
    ROBOT = "robot", _("群机器人")
    HAND = "hand", _("手工转发")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")  # robot: first attempt or a retry is due (see attempts / last error)
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已送达")  # the robot answered errcode 0
    AWAITING_HAND = "awaiting_hand", _("待手工转发")
    SENT_BY_HAND = "sent_by_hand", _("已手工转发")


DONE_STATUSES = frozenset({DeliveryStatus.SENT, DeliveryStatus.SENT_BY_HAND})
