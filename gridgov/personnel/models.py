from __future__ import annotations

import urllib.parse

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel
from gridgov.core.pii import sealer
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus


class PatrolTeam(BaseModel):
    """治安巡逻队: registered to a village or town, covering some grids."""

    path = models.CharField(_("地域路径"), max_length=24)
    place = models.ForeignKey("places.Place", verbose_name=_("所属地域"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    grids = models.ManyToManyField("places.Place", verbose_name=_("巡逻网格"), blank=True, related_name="patrol_teams")

    class Meta:
        verbose_name = _("巡逻队")
        verbose_name_plural = _("巡逻队")
        ordering = ["path", "id"]
        indexes = [models.Index(fields=["path", "id"], name="patrolteam_path_idx")]

    def __str__(self) -> str:
        return self.name


class Appointment(BaseModel):
    """任职: a person in a role at a place for a term, from nomination to the end of term."""

    path = models.CharField(_("地域路径"), max_length=24)
    place = models.ForeignKey("places.Place", verbose_name=_("任职地域"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("职务"), max_length=32, choices=AppointmentRole.choices)
    resident = models.ForeignKey(
        "households.Resident",
        verbose_name=_("居民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    person_name = models.CharField(_("姓名"), max_length=50)
    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("系统账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    patrol_team = models.ForeignKey(
        PatrolTeam, verbose_name=_("巡逻队"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.NOMINATED
    )
    nominated_by = models.CharField(_("提名人/方式"), max_length=100, blank=True)
    nominated_on = models.DateField(_("提名日期"))
    review_note = models.CharField(_("两委评议意见"), max_length=500, blank=True)
    reviewed_on = models.DateField(_("评议日期"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", verbose_name=_("评议人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    term_start = models.DateField(_("任期开始"), null=True, blank=True)
    term_end = models.DateField(_("任期结束"), null=True, blank=True)
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    end_reason = models.CharField(_("离任原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["path", "role", "id"]
        indexes = [
            models.Index(fields=["path", "id"], name="appointment_path_idx"),
            models.Index(fields=["place", "role", "status"], name="appointment_place_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_name}（{self.get_role_display()}）"


class PartyGroup(BaseModel):
    """党小组: one per grid or one for several grids (双网融合)."""

    path = models.CharField(_("地域路径"), max_length=24)
    village = models.ForeignKey(
        "places.Place", verbose_name=_("所属村/社区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    leader_name = models.CharField(_("党小组长"), max_length=50, blank=True)
    grids = models.ManyToManyField("places.Place", verbose_name=_("覆盖网格"), related_name="party_groups")

    class Meta:
        verbose_name = _("网格党小组")
        verbose_name_plural = _("网格党小组")
        ordering = ["path", "id"]
        indexes = [models.Index(fields=["path", "id"], name="partygroup_path_idx")]

    def __str__(self) -> str:
        return self.name


WEBHOOK_CONTEXT = b"chatgroup.webhook"


def redact_webhook(url: str) -> str:
    """A webhook URL for display: its key (which lets anyone post to the group) cut to the last 4 characters."""
    parts = urllib.parse.urlsplit(url)
    key = dict(urllib.parse.parse_qsl(parts.query)).get("key", "")
    query = f"key=***{key[-4:]}" if len(key) > 8 else ("key=***" if parts.query else "")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))[:120]


class ChatGroup(BaseModel):
    """ "好邻居"微信群: registered per grid; optionally with a WeCom group robot (企业微信群机器人) for notices."""

    path = models.CharField(_("地域路径"), max_length=24)
    grid = models.ForeignKey(
        "places.Place", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="chat_groups"
    )
    name = models.CharField(_("群名称"), max_length=100)
    owner_name = models.CharField(_("群主"), max_length=50, blank=True)
    member_count = models.PositiveIntegerField(_("群成员数"), default=0)
    # The robot's webhook URL carries a key that lets anyone post to the group: sealed at rest, shown redacted.
    webhook_sealed = models.BinaryField(_("群机器人Webhook(密文)"), null=True, blank=True)
    webhook_masked = models.CharField(_("群机器人"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("好邻居微信群")
        verbose_name_plural = _("好邻居微信群")
        ordering = ["path", "id"]
        indexes = [models.Index(fields=["path", "id"], name="chatgroup_path_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def has_webhook(self) -> bool:
        return bool(self.webhook_masked)

    def set_webhook(self, url: str) -> None:
        """Seal ``url`` (empty clears it); the caller saves."""
        url = url.strip()
        if not url:
            self.webhook_sealed, self.webhook_masked = None, ""
            return
        self.webhook_sealed = sealer().seal(url, WEBHOOK_CONTEXT)
        self.webhook_masked = redact_webhook(url)

    def webhook_url(self) -> str:
        return sealer().open(self.webhook_sealed, WEBHOOK_CONTEXT) if self.webhook_sealed else ""
