"""Ledger exports: the checks, the workbook, the one audit event, and the web's background job with progress.

`export_ledger` writes a book to a path (the command line, the bench). On the web `create_export` checks the
request and records a `LedgerExport` row, `start_export` runs `run_export` in the background machinery the
register import uses (`core.background`), which writes progress to the row and, when done, the file and the
audit event in one transaction. Each export writes exactly one audit row; a refused one writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import tempfile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.core import background
from gridgov.core.actions import ActionRefused
from gridgov.core.models import scope_prefix
from gridgov.core.replicas import reading_from_replica
from gridgov.ledgers import queries, writer
from gridgov.ledgers.books import BOOKS, Book, LedgerFilters
from gridgov.ledgers.choices import ExportStatus
from gridgov.ledgers.models import LedgerExport
from gridgov.places.models import Place
from gridgov.utils.xlsx import FILE_LANGUAGE

log = logging.getLogger(__name__)

KEEP_FILES = dt.timedelta(hours=24)  # a finished export's file is kept this long for download, then dropped
MAX_ROWS = 1_048_576 - 2  # Excel's rows per sheet, less the title and the header


def check_size(rows: int) -> None:
    if rows > MAX_ROWS:
        raise ValidationError(
            f"共 {rows} 条，超过 Excel 单个工作表的上限（{MAX_ROWS} 条），请缩小地域范围或时间段后分次导出"
        )


__all__ = ["ActionRefused", "create_export", "export_ledger", "run_export", "start_export", "write_ledger"]


def check_export(user, kind: str, filters: LedgerFilters) -> tuple[Book, Place | None]:
    """The book and the place of an export ``user`` may make, or `ActionRefused` / `ValidationError`.

    ``user`` None is the operator's command line: any book, any place (or the whole database).
    """
    book = BOOKS.get(kind)
    if book is None:
        raise ValidationError({"kind": f"没有这种台账：{kind}（可选：{'、'.join(BOOKS)}）"})
    if user is not None and not queries.may_open(user, book):
        raise ActionRefused("您没有导出该台账的权限")
    code = filters.place or (scope_prefix(user) or "" if user is not None else "")
    if user is not None and not code:
        raise ActionRefused("您的账号没有管辖范围，不能导出台账")
    if not code:
        return book, None
    place = Place.objects.filter(code=code).first()
    if place is None:
        raise ValidationError({"place": f"地域 {code} 不存在"})
    if user is not None and not Place.objects.for_user(user).filter(pk=place.pk).exists():
        raise ActionRefused("该地域不在您的管辖范围内")
    return book, place


def write_ledger(
    user, book: Book, place: Place | None, filters: LedgerFilters, path: str, progress: writer.Progress | None = None
) -> int:
    """Write the (already checked) book to ``path``, in Chinese whatever the page's language; no audit."""
    with translation.override(FILE_LANGUAGE):
        return writer.write_workbook(
            path,
            sheet_name=book.title,
            title=queries.title_of(book, place, filters),
            columns=book.columns,
            rows=book.rows(book.queryset(user, filters), user, 1),
            progress=progress,
        )


def _audit(kind: str, place: Place | None, rows: int, filters: LedgerFilters) -> None:
    detail = {"ledger": kind, "rows": rows, "masked": True, "format": "xlsx", "filters": filters.as_query()}
    record(AuditAction.EXPORT, place, detail=detail)


def export_ledger(user, kind: str, path: str, filters: LedgerFilters | None = None, progress=None) -> int:
    """Write one ledger to ``path`` (masked, formula-safe) and audit the export; returns the row count."""
    filters = filters or LedgerFilters()
    book, place = check_export(user, kind, filters)
    check_size(book.queryset(user, filters).order_by().count())
    rows = write_ledger(user, book, place, filters, path, progress)
    _audit(kind, place, rows, filters)
    return rows


# ---------------------------------------------------------------- the web's export job


def create_export(user, kind: str, filters: LedgerFilters) -> LedgerExport:
    """Check an export asked for on the web and record it (nothing is written when it is refused)."""
    book, place = check_export(user, kind, filters)
    filters = dataclasses.replace(filters, place=place.code)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    export = LedgerExport(
        path=place.code,
        place=place,
        ledger=kind,
        filters=filters.as_query(),
        requested_by=user,
        status=ExportStatus.RUNNING,
        filename=f"{queries.title_of(book, place, filters)}-{stamp}.xlsx"[-200:],
    )
    # Not save(): the export's one audit row is the export event written when the file is done.
    LedgerExport.objects.bulk_create([export])
    drop_old_files()
    return export


def start_export(export: LedgerExport) -> None:
    """Run the export after the request commits, in a background thread (or at once when those are off)."""
    background.start_after_commit(_run_by_pk, export.pk, name=f"ledger-export-{export.pk}")


def _run_by_pk(pk: int) -> None:
    run_export(LedgerExport.objects.select_related("requested_by__place", "place").get(pk=pk))


def run_export(export: LedgerExport, progress: background.Progress | None = None) -> LedgerExport:
    """Write the export's workbook with progress on its row; store the file and audit it, or mark it failed."""
    user = export.requested_by
    try:
        if user is None:  # the account is gone: nobody's scope to export in
            raise ActionRefused("导出人的账号已不存在")
        with tempfile.TemporaryDirectory(prefix="gridgov-ledger-") as tmp:
            path = os.path.join(tmp, "ledger.xlsx")
            place, filters, rows = _write_export(export, user, path, progress)
            with open(path, "rb") as f:
                content = f.read()
        with transaction.atomic():
            _audit(export.ledger, place, rows, filters)
            _finish(export, status=ExportStatus.DONE, total_rows=rows, processed_rows=rows, content=content,
                    size=len(content), message=f"共 {rows} 条")  # fmt: skip
    except ActionRefused as exc:
        _finish(export, status=ExportStatus.FAILED, message=str(exc))
    except ValidationError as exc:
        _finish(export, status=ExportStatus.FAILED, message="；".join(exc.messages))
    except Exception:
        log.exception("ledger export %s failed", export.pk)
        _finish(export, status=ExportStatus.FAILED, message="导出出错，请稍后重试或联系系统管理员。")
    return export


@reading_from_replica()
def _write_export(export: LedgerExport, user, path: str, progress: background.Progress | None):
    """The export's reads, from a replica where there is one (a moment old is fine for a ledger; on a replica's
    failure the whole file is written again from the primary); the progress is written to the primary."""
    book, place = check_export(user, export.ledger, LedgerFilters(place=export.path))
    filters = LedgerFilters.from_query(export.filters, book)
    total = book.queryset(user, filters).order_by().count()
    check_size(total)
    progress_writer = background.ProgressWriter(LedgerExport, export.pk, progress)
    progress_writer(0, total)
    rows = write_ledger(user, book, place, filters, path, lambda done: progress_writer(done, total))
    return place, filters, rows


def _finish(export: LedgerExport, **fields) -> None:
    now = timezone.now()
    fields.update(finished_at=now, updated_at=now)
    for name, value in fields.items():
        setattr(export, name, value)
    LedgerExport.objects.filter(pk=export.pk).update(**fields)


def drop_old_files(now: dt.datetime | None = None) -> int:
    """Drop the files of exports finished more than KEEP_FILES ago (the rows stay, as the record of who exported
    what); returns how many were dropped."""
    cutoff = (now or timezone.now()) - KEEP_FILES
    return LedgerExport.objects.filter(finished_at__lt=cutoff, content__isnull=False).update(content=None, size=0)
