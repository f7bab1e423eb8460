from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitMode(models.TextChoices):
    DOOR = "door", _("入户")
    PHONE = "phone", _("电话")
    VIDEO = "video", _("视频")


class VulnerableCategory(models.TextChoices):
    """一老一小 and the other groups of 解决小困难 (the Wuzhai article)."""

    LIVING_ALONE = "living_alone", _("独居老人")
    EMPTY_NEST = "empty_nest", _("空巢老人")
    LEFT_BEHIND = "left_behind", _("留守老人")
    DISABLED = "disabled", _("失能老人")
    SEVERELY_DISABLED = "severely_disabled", _("重残老人")
    SPECIAL_FAMILY = "special_family", _("计划生育特殊家庭老人")
    CHILD_IN_DIFFICULTY = "child_in_difficulty", _("困境儿童")
    PARTY_MEMBER_IN_DIFFICULTY = "party_member_in_difficulty", _("困难党员")
    VAGRANT = "vagrant", _("流浪乞讨人员")


# Days between two checks of a vulnerable member, by group (each record may set its own).
# The most fragile (alone, disabled, severely disabled, vagrants) weekly; the others fortnightly;
# party members in difficulty and special families monthly. No national standard exists.
DEFAULT_CHECK_DAYS = {
    VulnerableCategory.LIVING_ALONE: 7,
    VulnerableCategory.EMPTY_NEST: 14,
    VulnerableCategory.LEFT_BEHIND: 14,
    VulnerableCategory.DISABLED: 7,
    VulnerableCategory.SEVERELY_DISABLED: 7,
    VulnerableCategory.SPECIAL_FAMILY: 30,
    VulnerableCategory.CHILD_IN_DIFFICULTY: 14,
    VulnerableCategory.PARTY_MEMBER_IN_DIFFICULTY: 30,
    VulnerableCategory.VAGRANT: 7,
}

# The rule used where no place has set one (seeded as the default VisitRule row too):
# every household at least once a quarter, households with vulnerable members or key persons
# monthly, and a household shows as "due" a week before its date.
DEFAULT_EVERY_DAYS = 90
DEFAULT_PRIORITY_EVERY_DAYS = 30
DEFAULT_REMIND_DAYS = 7


class VisitStatus(models.TextChoices):
    """Where a household stands against its visit rule (computed, not stored)."""

    CURRENT = "current", _("周期内已走访")
    DUE = "due", _("即将到期")
    OVERDUE = "overdue", _("逾期未走访")
    NEVER = "never", _("从未走访")
