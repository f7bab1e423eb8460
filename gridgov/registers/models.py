from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel
from gridgov.registers.choices import RUNNING, ImportStatus

SHOWN_WARNINGS = 20  # warnings listed on an import's page (registers/_progress.html)


class RegisterImport(BaseModel):
    """户籍导入批次: one uploaded register file, its validation result and progress."""

    path = models.CharField(_("范围"), max_length=24)
    place = models.ForeignKey("places.Place", verbose_name=_("导入范围"), on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("导入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    status = models.CharField(_("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.VALIDATING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    error_rows = models.PositiveIntegerField(_("错误行数"), default=0)
    created_households = models.PositiveIntegerField(_("新增户数"), default=0)
    created_residents = models.PositiveIntegerField(_("新增人数"), default=0)
    unchanged_residents = models.PositiveIntegerField(_("已存在人数"), default=0)
    existing_households = models.PositiveIntegerField(_("已存在户数"), default=0)
    warning_count = models.PositiveIntegerField(_("提示条数"), default=0)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    error_workbook = models.BinaryField(_("错误清单"), null=True, blank=True)
    error_details = models.JSONField(
        _("错误明细"), default=list, blank=True, help_text="the first bad rows with their reasons, shown on the page"
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("户籍导入")
        verbose_name_plural = _("户籍导入")
        ordering = ["-id"]
        indexes = [models.Index(fields=["path", "id"], name="register_import_path_idx")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    @property
    def errors_not_shown(self) -> int:
        """Bad rows listed in the error workbook but not on the import's page."""
        return max(self.error_rows - len(self.error_details or []), 0)

    @property
    def warnings_not_shown(self) -> int:
        """Warnings the import's page leaves out (it lists the first SHOWN_WARNINGS)."""
        return max(self.warning_count - SHOWN_WARNINGS, 0)

    @property
    def percent(self) -> int:
        if not self.is_running:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)
