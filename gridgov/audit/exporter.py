"""The audit log for the assessor: the rows of the auditor's filters as an xlsx file, masked exactly like the page
(`gridgov.audit.policy`), every cell written as text (formula-safe), with each row's place in the chain and its
digest so the assessor can match the file against `verify_audit`. The export is itself audited."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation

from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.audit.policy import present
from gridgov.audit.queries import LogFilters, log_rows
from gridgov.core.actions import ActionRefused
from gridgov.utils import xlsx as excel

SHEET = "审计日志"
COLUMNS = (
    excel.Column("at", "时间", width=20, text=True),
    excel.Column("actor", "操作人", width=14),
    excel.Column("actor_id", "操作人ID", width=9, text=True),
    excel.Column("ip", "来源IP", width=16, text=True),
    excel.Column("source", "来源", width=8),
    excel.Column("action", "动作", width=12),
    excel.Column("object_type", "对象类型", width=22, text=True),
    excel.Column("object_id", "对象ID", width=9, text=True),
    excel.Column("object", "对象", width=30),
    excel.Column("change", "变更内容（已脱敏）", width=60),
    excel.Column("request_id", "请求ID", width=34, text=True),
    excel.Column("seq", "链序号", width=9, text=True),
    excel.Column("row_hash", "内容摘要", width=34, text=True),
)


def write_log(user, filters: LogFilters, path: str) -> int:
    """Write the rows matching ``filters`` to ``path``; returns how many. Refused past
    GRIDGOV_AUDIT_EXPORT_MAX_ROWS (a narrower date range is asked for). Audited."""
    rows = log_rows(filters)
    count = rows.count()
    limit = settings.GRIDGOV_AUDIT_EXPORT_MAX_ROWS
    if count > limit:
        raise ActionRefused(f"共 {count} 条，超过一次导出的上限 {limit} 条：请缩小日期范围")
    with translation.override(excel.FILE_LANGUAGE):
        writer = excel.SafeWriter(path, sheet_name=SHEET, columns=COLUMNS)
        writer.workbook.set_properties({"title": "审计日志", "comments": "gridgov"})
        writer.set_columns(list(COLUMNS))
        writer.header([c.header for c in COLUMNS])
        for row in rows.iterator(chunk_size=2000):
            shown = present(row)
            writer.write(
                [
                    timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
                    row.actor_name,
                    row.actor_id,
                    row.ip,
                    row.source,
                    row.get_action_display(),
                    row.object_type,
                    row.object_id,
                    shown.object_label,
                    shown.text(),
                    row.request_id,
                    row.seq,
                    row.row_hash,
                ]
            )
        writer.close()
    record(
        AuditAction.EXPORT,
        None,
        detail={"export": "audit_log", "rows": count, "masked": True, "format": "xlsx", "filters": filters.as_dict()},
        actor_id=user.pk,
        actor_name=user.username,
    )
    return count
