"""Deliberation meetings at villager-group level (议事协商到组, one of the "five things down to the group")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel
from gridgov.deliberations.choices import Subject


class Deliberation(BaseModel):
    """议事协商: a meeting of one villager group: topic, participants, decisions; follow-up matters link to it."""

    path = models.CharField(_("地域路径"), max_length=24)
    group = models.ForeignKey("places.Place", verbose_name=_("村民小组"), on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("日期"))
    subject = models.CharField(_("议事内容"), max_length=20, choices=Subject.choices)
    topic = models.CharField(_("议题"), max_length=200)
    host = models.CharField(_("主持人"), max_length=100)
    participants = models.CharField(_("参加人员"), max_length=1000, blank=True)
    participant_count = models.PositiveIntegerField(_("参加人数"))
    discussion = models.TextField(_("协商情况"), blank=True)
    decisions = models.TextField(_("议定事项"))
    client_uuid = models.UUIDField(_("客户端记录ID"), unique=True, null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("议事协商")
        verbose_name_plural = _("议事协商")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["path", "held_on", "id"], name="deliberation_path_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(participant_count__gte=1, participant_count__lte=10_000),
                name="deliberation_participants_sane",
            )
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


class DeliberationMatter(models.Model):
    """议定后续事项: a matter recorded to carry out (or escalate) what a meeting decided."""

    deliberation = models.ForeignKey(
        Deliberation, verbose_name=_("议事协商"), on_delete=models.CASCADE, related_name="matter_links"
    )
    matter = models.ForeignKey("matters.Matter", verbose_name=_("事项"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("议事后续事项")
        verbose_name_plural = _("议事后续事项")
        constraints = [models.UniqueConstraint(fields=["deliberation", "matter"], name="deliberationmatter_once")]

    def __str__(self) -> str:
        return f"议事 {self.deliberation_id} → 事项 {self.matter_id}"
