"""Campaigns (摸排): a check of every household in scope against a checklist of typed questions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from gridgov.campaigns.choices import CampaignStatus, QuestionKind
from gridgov.core.models import BaseModel, ScopedQuerySet, scope_prefix
from gridgov.places.choices import CODE_LENGTH


def ancestor_codes(code: str) -> list[str]:
    """``code`` and the codes of every place level above it."""
    return [code[:n] for n in sorted(set(CODE_LENGTH.values())) if n <= len(code)]


class CampaignQuerySet(ScopedQuerySet):
    def for_user(self, user) -> CampaignQuerySet:
        """Campaigns whose scope overlaps the user's subtree (a town campaign reaches its grid workers);
        drafts only for those who own them (the campaign's place lies within the user's)."""
        prefix = scope_prefix(user)
        if prefix is None:
            return self.none()
        overlapping = CampaignPlace.objects.filter(campaign=OuterRef("pk")).filter(
            Q(path__within=prefix) | Q(path__in=ancestor_codes(prefix))
        )
        return self.filter(Exists(overlapping)).filter(~Q(status=CampaignStatus.DRAFT) | Q(path__within=prefix))

    def managed_by(self, user) -> CampaignQuerySet:
        """Campaigns the user may edit: wholly within the user's subtree."""
        prefix = scope_prefix(user)
        if prefix is None:
            return self.none()
        return self.within(prefix)


class Campaign(BaseModel):
    """摸排: a scope (places), a period, a checklist; its target is every household in scope."""

    path = models.CharField(_("地域路径"), max_length=24, help_text=_("摸排范围各地域的最近共同上级"))
    title = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    places = models.ManyToManyField("places.Place", through="CampaignPlace", verbose_name=_("范围"), related_name="+")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = models.Manager.from_queryset(CampaignQuerySet)()

    class Meta:
        verbose_name = _("摸排")
        verbose_name_plural = _("摸排")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["path", "id"], name="campaign_path_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_period_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_running(self) -> bool:
        return self.status == CampaignStatus.RUNNING

    @property
    def is_draft(self) -> bool:
        return self.status == CampaignStatus.DRAFT


class CampaignPlace(models.Model):
    """One place of a campaign's scope; every household under it is a target."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("摸排"), on_delete=models.CASCADE, related_name="scope")
    place = models.ForeignKey("places.Place", verbose_name=_("地域"), on_delete=models.PROTECT, related_name="+")
    path = models.CharField(_("地域代码"), max_length=24)

    class Meta:
        verbose_name = _("摸排范围")
        verbose_name_plural = _("摸排范围")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "place"], name="campaignplace_once")]
        indexes = [models.Index(fields=["path", "campaign"], name="campaignplace_path_idx")]

    def __str__(self) -> str:
        return self.path


class CampaignQuestion(models.Model):
    """摸排项: one typed question of a campaign's checklist; answers are stored under its ``key``."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("摸排"), on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    key = models.SlugField(_("标识"), max_length=32, help_text=_("答案的键，如 returned_from；同一摸排内唯一"))
    text = models.CharField(_("问题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=8, choices=QuestionKind.choices, default=QuestionKind.TEXT)
    required = models.BooleanField(_("必答"), default=False)
    options = models.JSONField(_("选项"), default=list, blank=True, help_text=_("单选、多选题的选项"))
    help_text = models.CharField(_("填写说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("摸排项")
        verbose_name_plural = _("摸排项")
        ordering = ["campaign", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="campaignquestion_key_once")]

    def __str__(self) -> str:
        return self.text


class HouseholdCheck(BaseModel):
    """摸排记录: one household's answers in one campaign; a re-check updates it and bumps ``version``."""

    path = models.CharField(_("地域路径"), max_length=24)
    campaign = models.ForeignKey(Campaign, verbose_name=_("摸排"), on_delete=models.CASCADE, related_name="checks")
    household = models.ForeignKey(
        "households.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="campaign_checks"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("摸排人账号"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checker_name = models.CharField(_("摸排人"), max_length=50)
    checked_at = models.DateTimeField(_("摸排时间"))
    answers = models.JSONField(_("答案"), default=dict)
    notes = models.CharField(_("备注"), max_length=1000, blank=True)
    client_uuid = models.UUIDField(_("客户端记录ID"), unique=True, null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("摸排记录")
        verbose_name_plural = _("摸排记录")
        ordering = ["path", "id"]
        indexes = [models.Index(fields=["campaign", "path"], name="householdcheck_campaign_idx")]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="householdcheck_one_per_household")
        ]

    def __str__(self) -> str:
        return f"摸排 {self.campaign_id} 户 {self.household_id}"
