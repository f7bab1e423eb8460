"""The field app's one table: a receipt per record an offline phone uploaded."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import ScopedManager
from gridgov.field.choices import RecordKind


class SyncReceipt(models.Model):
    """同步回执: the client id of an uploaded record and what it became, so a repeated upload never creates twice.

    Written in the same transaction as the record it names (matters, edits) or right after an
    action that is idempotent by the same client id (visits, follow-ups). Not audited itself:
    the record it names is.
    """

    client_uuid = models.UUIDField(_("客户端记录ID"), unique=True)
    kind = models.CharField(_("记录类型"), max_length=16, choices=RecordKind.choices)
    object_id = models.PositiveBigIntegerField(_("记录ID"))
    path = models.CharField(_("地域路径"), max_length=24)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    scope_path = "path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("同步回执")
        verbose_name_plural = _("同步回执")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id} ← {self.client_uuid}"
