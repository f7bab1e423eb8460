"""Environment-hygiene responsibility areas and their monthly clean-up rounds (环境卫生责任制, 每月整治).

Every problem a round finds becomes an environment matter (整治小环境) with how it is to be handled:
cleared at once (one-off), put under routine remediation (recurring), or reported up (needs higher help).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel
from gridgov.matters.choices import Recurrence


class ResponsibilityArea(BaseModel):
    """环境卫生责任区: who is responsible for which villages (村庄) of a town or village (community)."""

    path = models.CharField(_("地域路径"), max_length=24)
    place = models.ForeignKey("places.Place", verbose_name=_("所属"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("责任区名称"), max_length=100)
    responsible = models.CharField(_("责任人"), max_length=100)
    members = models.CharField(_("责任人员"), max_length=1000, blank=True)
    covers = models.ManyToManyField("places.Place", verbose_name=_("包含村庄（村、组）"), related_name="+", blank=True)
    notes = models.CharField(_("说明"), max_length=500, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("环境卫生责任区")
        verbose_name_plural = _("环境卫生责任区")
        ordering = ["path", "name", "id"]
        indexes = [models.Index(fields=["path", "id"], name="cleanuparea_path_idx")]
        constraints = [models.UniqueConstraint(fields=["place", "name"], name="cleanuparea_name_unique")]

    def __str__(self) -> str:
        return self.name


class CleanupRound(BaseModel):
    """环境整治: one (monthly) clean-up round of a responsibility area."""

    path = models.CharField(_("地域路径"), max_length=24)
    area = models.ForeignKey(
        ResponsibilityArea, verbose_name=_("责任区"), on_delete=models.PROTECT, related_name="rounds"
    )
    held_on = models.DateField(_("日期"))
    participant_count = models.PositiveIntegerField(_("参与人数"))
    participants = models.CharField(_("参与人员"), max_length=1000, blank=True)
    summary = models.TextField(_("整治情况"), blank=True)
    client_uuid = models.UUIDField(_("客户端记录ID"), unique=True, null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("环境整治")
        verbose_name_plural = _("环境整治")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["path", "held_on", "id"], name="cleanupround_path_date_idx"),
            models.Index(fields=["area", "held_on"], name="cleanupround_area_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(participant_count__gte=1, participant_count__lte=10_000), name="cleanupround_people_sane"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area.name} {self.held_on:%Y-%m-%d}"


class CleanupProblem(BaseModel):
    """整治发现的问题: where, what, how it is to be handled, and the environment matter that tracks it.

    ``matter`` is empty only for problems carried over from paper books (the demo's history before
    the matters year); every problem recorded here gets its matter in the same transaction.
    """

    path = models.CharField(_("地域路径"), max_length=24)
    round = models.ForeignKey(
        CleanupRound, verbose_name=_("环境整治"), on_delete=models.CASCADE, related_name="problems"
    )
    place = models.ForeignKey("places.Place", verbose_name=_("地点"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        "matters.Category", verbose_name=_("问题类别"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("问题描述"), max_length=500)
    recurrence = models.CharField(_("整治方式"), max_length=16, choices=Recurrence.choices)
    matter = models.ForeignKey(
        "matters.Matter", verbose_name=_("事项"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_uuid = models.UUIDField(_("客户端记录ID"), unique=True, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("整治发现问题")
        verbose_name_plural = _("整治发现问题")
        ordering = ["round", "id"]
        indexes = [models.Index(fields=["path", "id"], name="cleanupproblem_path_idx")]

    def __str__(self) -> str:
        return self.description
