from django.db import models

from gridgov.matters.choices import RiskColor

__all__ = [
    "RiskColor",
    "KeyPersonStatus",
    "ACTIVE_STATUSES",
    "FollowUpMode",
    "Whereabouts",
    "PersonState",
    "KeyPersonAction",
    "AlertKind",
]


class KeyPersonStatus(models.TextChoices):
    UNDER_FOLLOW_UP = "under_follow_up", "稳控中"
    OUT_OF_CONTACT = "out_of_contact", "失联"
    MOVED_AWAY = "moved_away", "已迁出"
    RELEASED = "released", "已解除列管"


# Statuses of a person still on the list (followed up, alerted, counted).
ACTIVE_STATUSES = (KeyPersonStatus.UNDER_FOLLOW_UP, KeyPersonStatus.OUT_OF_CONTACT)


class FollowUpMode(models.TextChoices):
    DOOR = "door", "入户见面"
    PHONE = "phone", "电话"
    VIDEO = "video", "视频"
    RELATIVES = "relatives", "向家属、邻居了解"
    JOINT = "joint", "联合走访（派出所、司法所等）"


class Whereabouts(models.TextChoices):
    AT_HOME = "at_home", "在家"
    LOCAL = "local", "在本地活动"
    AWAY_KNOWN = "away_known", "外出（去向明确）"
    INSTITUTION = "institution", "在押、住院或戒治"
    UNKNOWN = "unknown", "下落不明"


class PersonState(models.TextChoices):
    """现实表现."""

    STABLE = "stable", "稳定"
    WATCH = "watch", "需关注"
    ABNORMAL = "abnormal", "异常"


class KeyPersonAction(models.TextChoices):
    ENLIST = "enlist", "列管"
    FOLLOW_UP = "follow_up", "稳控走访"
    COLOR_CHANGE = "color_change", "调整风险等级"
    OUT_OF_CONTACT = "out_of_contact", "失联"
    CONTACT_RESTORED = "contact_restored", "恢复联系"
    MOVED_AWAY = "moved_away", "迁出"
    RELEASE = "release", "解除列管"
    RESPONSIBLE_CHANGE = "responsible_change", "变更包保责任人"


class AlertKind(models.TextChoices):
    OVERDUE = "overdue", "稳控逾期"
    OUT_OF_CONTACT = "out_of_contact", "人员失联"
