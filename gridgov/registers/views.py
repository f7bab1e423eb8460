"""Pages for importing and exporting household registers.

Every page reads through `RegisterImport.objects.for_user` / `Place.objects.for_user`; an import or
place outside the user's scope is 404. Changes go through `actions`.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from gridgov.core.access import scoped_for
from gridgov.core.paging import page_number, page_of
from gridgov.core.replicas import replica_reads
from gridgov.registers import actions, excel
from gridgov.registers.forms import ExportForm, UploadForm
from gridgov.registers.models import RegisterImport

register_roles = scoped_for(*actions.REGISTER_ROLES)

PAGE_SIZE = 30
STALE_AFTER = timedelta(minutes=10)
LIST_FIELDS = (
    "id", "path", "place__name", "uploaded_by__username", "uploaded_by__display_name", "filename", "status",
    "total_rows", "processed_rows", "error_rows", "created_households", "created_residents", "unchanged_residents",
    "created_at", "updated_at", "finished_at",
)  # fmt: skip


def _imports(user):
    return RegisterImport.objects.for_user(user).defer("error_workbook")


def _attachment(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    add_never_cache_headers(response)
    return response


@register_roles
def upload(request):
    """导入户籍: choose a file; it is checked at once (size, type, zip bomb), then imported in the background."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            register_import = actions.create_import(request.user, filename=upload_file.name, data=form.data_bytes)
        except (actions.UploadRejected, actions.ActionRefused) as exc:
            form.add_error("file", str(exc))
        else:
            actions.start_import(register_import, form.data_bytes)
            return redirect("registers:detail", pk=register_import.pk)
    recent = list(_imports(request.user).select_related("place", "uploaded_by")[:5])
    return render(
        request, "registers/upload.html", {"form": form, "recent": recent}, status=400 if form.errors else 200
    )


@register_roles
@require_GET
def import_list(request):
    """导入记录: past imports in the user's scope, newest first."""
    rows = _imports(request.user).select_related("place", "uploaded_by").only(*LIST_FIELDS)
    page = page_of(rows, page_number(request.GET.get("page")), PAGE_SIZE)
    return render(request, "registers/import_list.html", {"page": page})


def _detail_context(request, pk: int) -> dict:
    register_import = get_object_or_404(_imports(request.user).select_related("place", "uploaded_by"), pk=pk)
    stale = register_import.is_running and register_import.updated_at < timezone.now() - STALE_AFTER
    return {"imp": register_import, "stale": stale}


@register_roles
@require_GET
def import_detail(request, pk: int):
    return render(request, "registers/import_detail.html", _detail_context(request, pk))


@register_roles
@require_GET
def import_progress(request, pk: int):
    """The progress panel alone, polled by HTMX every second while the import runs."""
    response = render(request, "registers/_progress.html", _detail_context(request, pk))
    add_never_cache_headers(response)
    return response


@register_roles
@require_GET
def error_workbook(request, pk: int):
    """The rejected rows (ID numbers and phones masked) with the reasons."""
    register_import = get_object_or_404(
        RegisterImport.objects.for_user(request.user).exclude(error_workbook=None), pk=pk
    )
    stem = os.path.splitext(register_import.filename)[0]
    return _attachment(bytes(register_import.error_workbook), f"{stem}-错误清单.xlsx")


@register_roles
@require_GET
def blank_template(request):
    return _attachment(excel.build_template(), "户籍导入模板.xlsx")


@replica_reads
@register_roles
def export(request):
    """导出户籍: the register of a place in scope, masked unless the user may reveal and gives a reason."""
    form = ExportForm(request.user, request.POST or None, requested=request.GET.get("place", "")[:24])
    if request.method == "POST" and form.is_valid():
        place = form.cleaned_data["place"]
        reveal = bool(form.cleaned_data.get("reveal"))
        handle = tempfile.NamedTemporaryFile(prefix="gridgov-export-", suffix=".xlsx")  # removed when closed
        try:
            actions.export_register(
                request.user, place, handle.name, reveal=reveal, reason=form.cleaned_data.get("reason", "")
            )
        except (actions.ActionRefused, ValidationError) as exc:
            handle.close()
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
            return redirect("registers:export")
        handle.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        kind = "完整" if reveal else "脱敏"
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"户籍-{place.name}-{stamp}-{kind}.xlsx",
            content_type=excel.XLSX_CONTENT_TYPE,
        )
        add_never_cache_headers(response)
        return response
    return render(request, "registers/export.html", {"form": form}, status=400 if form.errors else 200)
