from django.db import models


class NoticeKind(models.TextChoices):
    """Why a notice was sent."""

    ARRIVAL = "arrival", "新到事项"
    REOPENED = "reopened", "重新办理"
    SUPERVISION = "supervision", "督办"
    KEY_PERSON_ALERT = "key_person_alert", "重点人员预警"


class Channel(models.TextChoices):
    """Where an outbound message goes."""

    WECOM = "wecom", "企业微信群机器人"


class OutboundStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
