"""State changes of register imports and exports. Views, the management commands and the bench call these.

An import is one `RegisterImport` row: created when an upload passes the size/type/zip checks, then
validated with progress written to that row, then either rejected as a whole (with an error workbook)
or written in one transaction. Bulk rows bypass the per-row audit signals, so each import and each
export writes exactly one audit event.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from gridgov.accounts.choices import BUSINESS_ROLES, Role
from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.core import background
from gridgov.core.models import scope_prefix
from gridgov.places.models import Place
from gridgov.registers import errorlist, excel, exporter, importer
from gridgov.registers.choices import ImportStatus
from gridgov.registers.models import RegisterImport

log = logging.getLogger(__name__)

Progress = background.Progress
MIN_REASON = 4


# Who imports and exports whole registers: everyone who keeps a grid's register or more. A household-cluster
# leader looks after about ten households and reports on them; whole registers are not theirs.
REGISTER_ROLES = BUSINESS_ROLES - {Role.CLUSTER_LEADER}


class ActionRefused(Exception):
    """The acting user may not do this; the message is shown to them."""


UploadRejected = excel.UploadRejected


def create_import(user, *, filename: str, data: bytes) -> RegisterImport:
    """Accept an upload for import into the user's scope, or raise `UploadRejected` (nothing is written)."""
    scope = scope_prefix(user)
    if scope is None:
        raise ActionRefused("您的账号没有管辖范围，不能导入户籍")
    if user.role not in REGISTER_ROLES:
        raise ActionRefused("您的账号不能导入户籍")
    excel.check_upload(data)
    register_import = RegisterImport(
        path=scope,  # the import's scope: every grid and cluster in the file must lie under it
        place=user.place,
        uploaded_by=user,
        filename=(filename or "upload.xlsx")[-200:],
        sha256=hashlib.sha256(data).hexdigest(),
        status=ImportStatus.VALIDATING,
    )
    # Not save(): the batch's one audit row is the import event written when it finishes.
    RegisterImport.objects.bulk_create([register_import])
    return register_import


def start_import(register_import: RegisterImport, data: bytes) -> None:
    """Run the import after the current transaction commits, in a background thread (`core.background`), or at
    once when settings.GRIDGOV_IMPORT_BACKGROUND is false (tests, where other connections cannot see the test's
    data)."""
    background.start_after_commit(_run_by_pk, register_import.pk, data, name=f"register-import-{register_import.pk}")


def _run_by_pk(pk: int, data: bytes) -> None:
    run_import(RegisterImport.objects.get(pk=pk), data)


def _finish(register_import: RegisterImport, **fields) -> None:
    fields.setdefault("finished_at", timezone.now())
    fields["updated_at"] = timezone.now()
    for name, value in fields.items():
        setattr(register_import, name, value)
    RegisterImport.objects.filter(pk=register_import.pk).update(**fields)
    record(
        AuditAction.IMPORT,
        register_import,
        detail={
            "filename": register_import.filename,
            "sha256": register_import.sha256,
            "status": register_import.status,
            "scope": register_import.path,
            "counts": {
                "rows": register_import.total_rows,
                "error_rows": register_import.error_rows,
                "created_households": register_import.created_households,
                "existing_households": register_import.existing_households,
                "created_residents": register_import.created_residents,
                "unchanged_residents": register_import.unchanged_residents,
                "warnings": register_import.warning_count,
            },
        },
    )


def run_import(register_import: RegisterImport, data: bytes, progress: Progress | None = None) -> RegisterImport:
    """Validate every row; write all of them in one transaction, or none and keep an error workbook."""
    plan = None
    try:
        progress_writer = background.ProgressWriter(RegisterImport, register_import.pk, progress)
        plan = importer.validate(data, register_import.path, progress_writer)
        if plan.ok:
            try:
                plan.stage_ready()
            except importer.StageLost:
                log.warning("register import %s: the row worker's stage was lost; validating again", register_import.pk)
                plan.close()
                plan = importer.validate(data, register_import.path, progress_writer, parallel=False)
        common = {
            "total_rows": plan.total_rows,
            "processed_rows": plan.total_rows,
            "warnings": plan.warnings,
            "warning_count": plan.warning_count,
        }
        if not plan.ok:
            workbook, shown = errorlist.error_report(data, plan) if plan.errors else (None, [])
            message = (
                plan.file_error or f"{len(plan.errors)} 行有错误，整个文件未导入。请按错误明细改正后重新上传整个文件。"
            )
            with transaction.atomic():
                _finish(
                    register_import,
                    status=ImportStatus.REJECTED,
                    error_rows=len(plan.errors),
                    message=message,
                    error_workbook=workbook,
                    error_details=shown,
                    **common,
                )
            return register_import
        RegisterImport.objects.filter(pk=register_import.pk).update(
            status=ImportStatus.WRITING, updated_at=timezone.now(), **common
        )
        with importer.write_transaction(plan):
            written = importer.write(plan, register_import.pk)
            existing = len(plan.households) - written.households
            _finish(
                register_import,
                status=ImportStatus.IMPORTED,
                created_households=written.households,
                existing_households=existing,
                created_residents=written.residents,
                unchanged_residents=plan.unchanged_residents,
                message=(
                    f"新增 {written.households} 户、{written.residents} 人；"
                    f"已存在 {plan.unchanged_residents} 人未改动。"
                ),
                **common,
            )
        return register_import
    except IntegrityError:
        log.warning("register import %s collided with a concurrent change", register_import.pk)
        with transaction.atomic():
            _finish(
                register_import,
                status=ImportStatus.FAILED,
                message="导入期间有人登记了相同的户或居民，未导入任何数据，请重新导入。",
            )
        return register_import
    except Exception:
        log.exception("register import %s failed", register_import.pk)
        with transaction.atomic():
            _finish(register_import, status=ImportStatus.FAILED, message="导入出错，未导入任何数据。请联系系统管理员。")
        return register_import
    finally:
        if plan is not None:
            plan.close()  # the stage file of a large sheet


def export_register(user, place: Place, path: str, *, reveal: bool = False, reason: str = "") -> int:
    """Write the register of ``place`` to ``path`` (masked unless revealed with permission and a reason); audited.

    ``user`` None is the operator's command line, which has the whole database anyway.
    """
    if user is not None:
        if user.role not in REGISTER_ROLES:
            raise ActionRefused("您的账号不能导出户籍")
        if not Place.objects.for_user(user).filter(pk=place.pk).exists():
            raise ActionRefused("该地域不在您的管辖范围内")
        if reveal and not getattr(user, "may_reveal_pii", False):
            raise ActionRefused("您没有导出完整身份证号和电话的权限")
    reason = reason.strip()
    if reveal and len(reason) < MIN_REASON:
        raise ValidationError({"reason": f"导出完整身份证号和电话须说明理由（至少{MIN_REASON}个字）"})
    rows = exporter.write_register(exporter.queryset_for(place.code, user), path, reveal=reveal)
    record(
        AuditAction.EXPORT,
        place,
        detail={"place": place.code, "rows": rows, "masked": not reveal, "reason": reason[:500], "format": "xlsx"},
    )
    return rows
