"""Practical deeds done for residents (为群众办实事)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel
from gridgov.deeds.choices import DeedCategory


class Deed(BaseModel):
    """办实事: what was done, for whom (a household or resident, optional), by whom, when."""

    path = models.CharField(_("地域路径"), max_length=24)
    place = models.ForeignKey("places.Place", verbose_name=_("地点"), on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField(_("日期"))
    category = models.CharField(_("类别"), max_length=20, choices=DeedCategory.choices)
    title = models.CharField(_("实事内容"), max_length=200)
    description = models.TextField(_("办理情况"), blank=True)
    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("受益户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resident = models.ForeignKey(
        "households.Resident",
        verbose_name=_("受益人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    beneficiary = models.CharField(_("受益对象"), max_length=200, blank=True, help_text=_("如：五组 12 户村民"))
    done_by = models.CharField(_("办理人"), max_length=200)
    client_uuid = models.UUIDField(_("客户端记录ID"), unique=True, null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("办实事")
        verbose_name_plural = _("办实事")
        ordering = ["-done_on", "-id"]
        indexes = [models.Index(fields=["path", "done_on", "id"], name="deed_path_date_idx")]

    def __str__(self) -> str:
        return f"{self.done_on:%Y-%m-%d} {self.title}"

    @property
    def for_whom(self) -> str:
        if self.beneficiary:
            return self.beneficiary
        if self.resident_id:
            return self.resident.name
        return ""
