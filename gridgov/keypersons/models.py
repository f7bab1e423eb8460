"""Key populations (重点人群): categories, persons on the list, follow-ups, their timeline and alerts.

The most sensitive data in the system. Every queryset here is `KeyPopulationQuerySet`, whose
``for_user`` returns nothing unless the account holds the key-population grant; objects print
as ids only, so the audit log never carries a name or a category in clear.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel, ScopedQuerySet
from gridgov.keypersons.choices import (
    ACTIVE_STATUSES,
    AlertKind,
    FollowUpMode,
    KeyPersonAction,
    KeyPersonStatus,
    PersonState,
    RiskColor,
    Whereabouts,
)

GRANT = "may_view_key_population"


def holds_grant(user) -> bool:
    return bool(user is not None and user.is_authenticated and getattr(user, GRANT, False) is True)


class KeyPopulationQuerySet(ScopedQuerySet):
    def for_user(self, user) -> KeyPopulationQuerySet:
        """Nothing without the key-population grant; with it, the user's place subtree as usual."""
        if not holds_grant(user):
            return self.none()
        return super().for_user(user)


KeyPopulationManager = models.Manager.from_queryset(KeyPopulationQuerySet)


class KeyPersonCategory(models.Model):
    """重点人员类别: administrator-editable, with the follow-up interval of each risk color."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    red_days = models.PositiveSmallIntegerField(_("红色稳控周期（天）"), default=7)
    yellow_days = models.PositiveSmallIntegerField(_("黄色稳控周期（天）"), default=15)
    blue_days = models.PositiveSmallIntegerField(_("蓝色稳控周期（天）"), default=30)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("重点人员类别")
        verbose_name_plural = _("重点人员类别")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(red_days__gte=1, yellow_days__gte=1, blue_days__gte=1), name="keycategory_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def days_for(self, color: str) -> int:
        return {RiskColor.RED: self.red_days, RiskColor.YELLOW: self.yellow_days}.get(color, self.blue_days)


class KeyPerson(BaseModel):
    """重点人员: a resident on the list in one category, with a risk color and a responsible person."""

    ACTIVE_STATUSES = ACTIVE_STATUSES

    path = models.CharField(_("地域路径"), max_length=24)
    resident = models.ForeignKey(
        "households.Resident", verbose_name=_("居民"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(KeyPersonCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="+")
    color = models.CharField(_("风险等级"), max_length=8, choices=RiskColor.choices)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包保责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    control_measures = models.TextField(_("稳控措施"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=KeyPersonStatus.choices, default=KeyPersonStatus.UNDER_FOLLOW_UP
    )
    enlisted_on = models.DateField(_("列管日期"))
    last_follow_up_on = models.DateField(_("最近稳控"), null=True, blank=True)
    next_follow_up_due = models.DateField(_("下次稳控期限"))
    out_of_contact_since = models.DateField(_("失联日期"), null=True, blank=True)
    ended_on = models.DateField(_("迁出或解除日期"), null=True, blank=True)
    end_reason = models.CharField(_("迁出或解除说明"), max_length=300, blank=True)

    objects = KeyPopulationManager()
    # Free text stays out of the audit log; ids, codes and dates are enough to trace a change.
    audit_exclude = BaseModel.audit_exclude | {"control_measures", "end_reason"}

    class Meta:
        verbose_name = _("重点人员")
        verbose_name_plural = _("重点人员")
        ordering = ["path", "id"]
        indexes = [
            models.Index(fields=["path", "id"], name="keyperson_path_idx"),
            models.Index(fields=["status", "next_follow_up_due"], name="keyperson_due_idx"),
            models.Index(fields=["responsible", "status", "next_follow_up_due"], name="keyperson_responsible_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "category"],
                condition=Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                name="keyperson_one_active_per_category",
            ),
        ]

    def __str__(self) -> str:
        return f"重点人员#{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class FollowUp(BaseModel):
    """稳控记录: one follow-up of a key person, with any change of risk color and its reason."""

    path = models.CharField(_("地域路径"), max_length=24)
    key_person = models.ForeignKey(
        KeyPerson, verbose_name=_("重点人员"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    followed_up_at = models.DateTimeField(_("稳控时间"))
    mode = models.CharField(_("方式"), max_length=16, choices=FollowUpMode.choices, default=FollowUpMode.DOOR)
    whereabouts = models.CharField(_("去向"), max_length=16, choices=Whereabouts.choices)
    whereabouts_detail = models.CharField(_("去向说明"), max_length=200, blank=True)
    state = models.CharField(_("现实表现"), max_length=16, choices=PersonState.choices, default=PersonState.STABLE)
    notes = models.TextField(_("稳控情况"), blank=True)
    color_before = models.CharField(_("原风险等级"), max_length=8, choices=RiskColor.choices)
    color_after = models.CharField(_("调整后风险等级"), max_length=8, choices=RiskColor.choices)
    color_reason = models.CharField(_("调整理由"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("稳控人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_uuid = models.UUIDField(_("客户端记录ID"), unique=True, null=True, blank=True, editable=False)

    objects = KeyPopulationManager()
    audit_exclude = BaseModel.audit_exclude | {"notes", "whereabouts_detail", "color_reason"}

    class Meta:
        verbose_name = _("稳控记录")
        verbose_name_plural = _("稳控记录")
        ordering = ["-followed_up_at", "-id"]
        indexes = [models.Index(fields=["key_person", "followed_up_at"], name="followup_person_time_idx")]

    def __str__(self) -> str:
        return f"稳控记录#{self.pk}"

    @property
    def color_changed(self) -> bool:
        return self.color_before != self.color_after


class KeyPersonEvent(models.Model):
    """重点人员动态: the timeline of one key person, one row per action (written by `actions`)."""

    path = models.CharField(_("地域路径"), max_length=24)
    key_person = models.ForeignKey(
        KeyPerson, verbose_name=_("重点人员"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("动作"), max_length=24, choices=KeyPersonAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150)
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)

    scope_path = "path"
    objects = KeyPopulationManager()

    class Meta:
        verbose_name = _("重点人员动态")
        verbose_name_plural = _("重点人员动态")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["key_person", "at"], name="keyevent_person_time_idx")]

    def __str__(self) -> str:
        return f"重点人员动态#{self.pk}"


class KeyPersonAlert(BaseModel):
    """预警: a missed follow-up or a lost contact, addressed to the responsible person and the town.

    One row per (person, kind, reference date): raising alerts again changes nothing.
    """

    path = models.CharField(_("地域路径"), max_length=24)
    key_person = models.ForeignKey(
        KeyPerson, verbose_name=_("重点人员"), on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(_("预警类型"), max_length=16, choices=AlertKind.choices)
    reference_on = models.DateField(_("所涉日期"), help_text=_("逾期的稳控期限，或失联日期"))
    color = models.CharField(_("风险等级"), max_length=8, choices=RiskColor.choices)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包保责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    town = models.ForeignKey(
        "places.Place", verbose_name=_("乡镇"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("预警时间"))
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    closed_reason = models.CharField(_("解除原因"), max_length=100, blank=True)

    objects = KeyPopulationManager()

    class Meta:
        verbose_name = _("重点人员预警")
        verbose_name_plural = _("重点人员预警")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["path", "closed_at", "raised_at"], name="keyalert_path_idx")]
        constraints = [
            models.UniqueConstraint(fields=["key_person", "kind", "reference_on"], name="keyalert_once_per_reference"),
        ]

    def __str__(self) -> str:
        return f"重点人员预警#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
