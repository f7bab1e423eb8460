"""Ledger exports (台账导出): one requested workbook, its progress, and the file while it is kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel, ScopedQuerySet
from gridgov.keypersons.models import holds_grant
from gridgov.ledgers.choices import ExportStatus, LedgerKind


class LedgerExportQuerySet(ScopedQuerySet):
    def for_user(self, user) -> LedgerExportQuerySet:
        """A user's own exports within their scope; exports of the key-population ledger only while the user
        holds the grant (without it, they are not there at all)."""
        own = super().for_user(user).filter(requested_by=user)
        return own if holds_grant(user) else own.exclude(ledger=LedgerKind.KEY_PERSON)


class LedgerExport(BaseModel):
    """台账导出: the ledger, the filters and the place it was asked for, its progress and the finished file.

    Written with bulk_create and update() only, so that the export's one audit row is the export event.
    """

    path = models.CharField(_("地域路径"), max_length=24)
    place = models.ForeignKey("places.Place", verbose_name=_("导出范围"), on_delete=models.PROTECT, related_name="+")
    ledger = models.CharField(_("台账"), max_length=16, choices=LedgerKind.choices)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导出人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.RUNNING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已写行数"), default=0)
    filename = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件"), null=True, blank=True)
    size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = models.Manager.from_queryset(LedgerExportQuerySet)()

    class Meta:
        verbose_name = _("台账导出")
        verbose_name_plural = _("台账导出")
        ordering = ["-id"]
        indexes = [models.Index(fields=["requested_by", "id"], name="ledgerexport_user_idx")]

    def __str__(self) -> str:
        return f"台账导出#{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status == ExportStatus.RUNNING

    @property
    def percent(self) -> int:
        if not self.is_running:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)
