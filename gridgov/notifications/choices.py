from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    """Why a notice was sent."""

    ARRIVAL = "arrival", _("新到事项")
    REOPENED = "reopened", _("重新办理")
    SUPERVISION = "supervision", _("督办")
    KEY_PERSON_ALERT = "key_person_alert", _("重点人员预警")


class Channel(models.TextChoices):
    """Where an outbound message goes."""

    WECOM = "wecom", _("企业微信群机器人")


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
