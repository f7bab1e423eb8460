"""The visits ledger (走访信息台账): visits, visit rules per place, each household's visit state, vulnerable members."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel
from gridgov.visits.choices import (
    DEFAULT_EVERY_DAYS,
    DEFAULT_PRIORITY_EVERY_DAYS,
    DEFAULT_REMIND_DAYS,
    VisitMode,
    VulnerableCategory,
)


class VisitRule(BaseModel):
    """走访频次规则: how often every household of a place (and everything below it) must be visited.

    The rule of a household is the one set on the deepest place above it; the row without a
    place is the default everywhere else (seeded: 90 / 30 / 7 days).
    """

    path = models.CharField(_("地域路径"), max_length=24, blank=True)
    place = models.OneToOneField(
        "places.Place", verbose_name=_("地域"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    every_days = models.PositiveSmallIntegerField(_("每户走访周期（天）"), default=DEFAULT_EVERY_DAYS)
    priority_every_days = models.PositiveSmallIntegerField(
        _("重点关注户走访周期（天）"),
        default=DEFAULT_PRIORITY_EVERY_DAYS,
        help_text=_("有关爱对象（一老一小等）或重点人员的户"),
    )
    remind_days = models.PositiveSmallIntegerField(_("提前提醒（天）"), default=DEFAULT_REMIND_DAYS)

    class Meta:
        verbose_name = _("走访频次规则")
        verbose_name_plural = _("走访频次规则")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(every_days__gte=1, priority_every_days__gte=1, every_days__lte=3650),
                name="visitrule_days_positive",
            ),
            models.CheckConstraint(
                condition=Q(priority_every_days__lte=models.F("every_days")), name="visitrule_priority_not_longer"
            ),
        ]

    def __str__(self) -> str:
        where = self.place.name if self.place_id else "默认"
        return f"{where}：每{self.every_days}天，重点户每{self.priority_every_days}天"

    def interval(self, priority: bool) -> int:
        return self.priority_every_days if priority else self.every_days


class VulnerableMember(BaseModel):
    """关爱对象: a resident in one of the vulnerable groups (一老一小 ...), checked by visits at a cadence."""

    path = models.CharField(_("地域路径"), max_length=24)
    resident = models.ForeignKey(
        "households.Resident", verbose_name=_("居民"), on_delete=models.PROTECT, related_name="vulnerable_records"
    )
    household = models.ForeignKey(
        "households.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="vulnerable_members"
    )
    category = models.CharField(_("类别"), max_length=32, choices=VulnerableCategory.choices)
    check_every_days = models.PositiveSmallIntegerField(_("探访周期（天）"))
    notes = models.CharField(_("情况说明"), max_length=500, blank=True)
    since = models.DateField(_("纳入日期"))
    active = models.BooleanField(_("在册"), default=True)
    ended_on = models.DateField(_("移出日期"), null=True, blank=True)
    end_reason = models.CharField(_("移出原因"), max_length=200, blank=True)
    last_checked_at = models.DateTimeField(_("最近探访"), null=True, blank=True)
    next_check_on = models.DateField(_("下次探访"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("关爱对象")
        verbose_name_plural = _("关爱对象")
        ordering = ["path", "id"]
        indexes = [
            models.Index(fields=["path", "id"], name="vulnerable_path_idx"),
            models.Index(fields=["active", "next_check_on", "path"], name="vulnerable_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "category"], condition=Q(active=True), name="vulnerable_one_active_per_category"
            ),
            models.CheckConstraint(condition=Q(check_every_days__gte=1), name="vulnerable_cadence_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.resident.name}（{self.get_category_display()}）"


class Visit(BaseModel):
    """走访: who visited which household, when and how, whom they met and what they found."""

    path = models.CharField(_("地域路径"), max_length=24)
    household = models.ForeignKey(
        "households.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_at = models.DateTimeField(_("走访时间"))
    mode = models.CharField(_("方式"), max_length=8, choices=VisitMode.choices, default=VisitMode.DOOR)
    visitors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("走访人"), related_name="visits_made")
    companions = models.CharField(
        _("其他同行人员"), max_length=200, blank=True, help_text=_("无账号的联户长、志愿者等")
    )
    people_met = models.CharField(_("见到的人"), max_length=200, blank=True)
    findings = models.TextField(_("走访情况"), blank=True)
    point = models.JSONField(_("位置(GeoJSON)"), null=True, blank=True)
    vulnerable_member = models.ForeignKey(
        VulnerableMember,
        verbose_name=_("探访的关爱对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checks",
    )
    client_uuid = models.UUIDField(_("客户端记录ID"), unique=True, null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["path", "visited_at", "id"], name="visit_path_time_idx"),
            models.Index(fields=["household", "visited_at"], name="visit_household_time_idx"),
        ]

    def __str__(self) -> str:
        return f"走访 {self.household_id} {self.visited_at:%Y-%m-%d}"


class HouseholdVisitState(models.Model):
    """One row per visited (or flagged) household: its last visit and when the next one is due.

    Kept by `actions` inside the visit's transaction so the "today" list is one indexed join
    instead of a search through millions of visits. ``due_on`` counts vulnerable members only;
    ``key_due_on`` also counts key persons and is read only for holders of the key-population
    grant, so the plan of anyone else never hints that a household has a key person.
    A household without a row has never been visited.
    """

    household = models.OneToOneField(
        "households.Household",
        verbose_name=_("户"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="visit_state",
    )
    last_visited_at = models.DateTimeField(_("最近走访"), null=True, blank=True)
    last_visit = models.ForeignKey(
        Visit, verbose_name=_("最近一次走访"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visit_count = models.PositiveIntegerField(_("走访次数"), default=0)
    has_vulnerable = models.BooleanField(_("有关爱对象"), default=False)
    has_key_person = models.BooleanField(_("有重点人员"), default=False)
    due_on = models.DateField(_("下次走访"), null=True, blank=True)
    key_due_on = models.DateField(_("下次走访(含重点人员)"), null=True, blank=True)

    class Meta:
        verbose_name = _("户走访状态")
        verbose_name_plural = _("户走访状态")

    def __str__(self) -> str:
        return f"户 {self.household_id} 走访状态"


class VisitMatter(models.Model):
    """走访发现转办事项: a matter recorded from a visit's findings, so each side shows the other."""

    visit = models.ForeignKey(Visit, verbose_name=_("走访"), on_delete=models.CASCADE, related_name="matter_links")
    matter = models.ForeignKey("matters.Matter", verbose_name=_("事项"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("走访转办事项")
        verbose_name_plural = _("走访转办事项")
        constraints = [models.UniqueConstraint(fields=["visit", "matter"], name="visitmatter_once")]

    def __str__(self) -> str:
        return f"走访 {self.visit_id} → 事项 {self.matter_id}"
