from django.db import models
from django.utils.translation import gettext_lazy as _

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
    UNDER_FOLLOW_UP = "under_follow_up", _("稳控中")
    OUT_OF_CONTACT = "out_of_contact", _("失联")
    MOVED_AWAY = "moved_away", _("已迁出")
    RELEASED = "released", _("已解除列管")


# Statuses of a person still on the list (followed up, alerted, counted).
ACTIVE_STATUSES = (KeyPersonStatus.UNDER_FOLLOW_UP, KeyPersonStatus.OUT_OF_CONTACT)


class FollowUpMode(models.TextChoices):
    DOOR = "door", _("入户见面")
    PHONE = "phone", _("电话")
    VIDEO = "video", _("视频")
    RELATIVES = "relatives", _("向家属、邻居了解")
    JOINT = "joint", _("联合走访（派出所、司法所等）")


class Whereabouts(models.TextChoices):
    AT_HOME = "at_home", _("在家")
    LOCAL = "local", _("在本地活动")
    AWAY_KNOWN = "away_known", _("外出（去向明确）")
    INSTITUTION = "institution", _("在押、住院或戒治")
    UNKNOWN = "unknown", _("下落不明")


class PersonState(models.TextChoices):
    """现实表现."""

    STABLE = "stable", _("稳定")
    WATCH = "watch", _("需关注")
    ABNORMAL = "abnormal", _("异常")


class KeyPersonAction(models.TextChoices):
    ENLIST = "enlist", _("列管")
    FOLLOW_UP = "follow_up", _("稳控走访")
    COLOR_CHANGE = "color_change", _("调整风险等级")
    OUT_OF_CONTACT = "out_of_contact", _("失联")
    CONTACT_RESTORED = "contact_restored", _("恢复联系")
    MOVED_AWAY = "moved_away", _("迁出")
    RELEASE = "release", _("解除列管")
    RESPONSIBLE_CHANGE = "responsible_change", _("变更包保责任人")


class AlertKind(models.TextChoices):
    OVERDUE = "overdue", _("稳控逾期")
    OUT_OF_CONTACT = "out_of_contact", _("人员失联")
