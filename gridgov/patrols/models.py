"""Patrol logs (巡逻日志): a team's patrol by day or night, its route through grids, who went, what was found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel
from gridgov.patrols.choices import Shift


class Patrol(BaseModel):
    """巡逻: one patrol of a team. ``path`` is the lowest place containing its whole route."""

    path = models.CharField(_("地域路径"), max_length=24)
    team = models.ForeignKey(
        "personnel.PatrolTeam", verbose_name=_("巡逻队"), on_delete=models.PROTECT, related_name="patrols"
    )
    date = models.DateField(_("巡逻日期"))
    shift = models.CharField(_("时段"), max_length=8, choices=Shift.choices, default=Shift.NIGHT)
    duration_minutes = models.PositiveSmallIntegerField(_("时长（分钟）"))
    route = models.ManyToManyField("places.Place", verbose_name=_("巡逻网格"), related_name="+")
    members = models.ManyToManyField(
        "personnel.Appointment", verbose_name=_("参加队员"), blank=True, related_name="patrols_joined"
    )
    others = models.CharField(_("其他参加人员"), max_length=200, blank=True, help_text=_("民警、网格员、志愿者等"))
    headcount = models.PositiveSmallIntegerField(_("参加人数"), default=0)
    findings = models.TextField(_("发现情况"), blank=True)
    client_uuid = models.UUIDField(_("客户端记录ID"), unique=True, null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("巡逻记录")
        verbose_name_plural = _("巡逻记录")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["path", "date", "id"], name="patrol_path_date_idx"),
            models.Index(fields=["team", "date"], name="patrol_team_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(duration_minutes__gte=1), name="patrol_duration_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_shift_display()}巡逻"

    @property
    def has_findings(self) -> bool:
        return bool(self.findings.strip())


class PatrolMatter(models.Model):
    """巡逻发现转办事项: a matter recorded from a patrol's findings, so each side shows the other."""

    patrol = models.ForeignKey(Patrol, verbose_name=_("巡逻"), on_delete=models.CASCADE, related_name="matter_links")
    matter = models.ForeignKey("matters.Matter", verbose_name=_("事项"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("巡逻转办事项")
        verbose_name_plural = _("巡逻转办事项")
        constraints = [models.UniqueConstraint(fields=["patrol", "matter"], name="patrolmatter_once")]

    def __str__(self) -> str:
        return f"巡逻 {self.patrol_id} → 事项 {self.matter_id}"
