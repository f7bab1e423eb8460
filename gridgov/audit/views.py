"""The auditor's pages: the log (masked, filtered, paged), the chain's state, a check on demand, the export.

Only the auditor reads the log; no page edits or deletes it.
"""

from __future__ import annotations

import tempfile
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.audit import actions, exporter, queries
from gridgov.audit.forms import LogFilterForm
from gridgov.audit.policy import present
from gridgov.core.access import roles
from gridgov.core.actions import ActionRefused
from gridgov.core.roles import Role
from gridgov.utils.xlsx import XLSX_CONTENT_TYPE

PER_PAGE = 50


@roles(Role.AUDITOR)
def audit_log(request):
    form = LogFilterForm(request.GET or None)
    filters = form.filters() if request.GET else queries.LogFilters()
    page = Paginator(queries.log_rows(filters), PER_PAGE).get_page(request.GET.get("page"))
    rows = [(row, present(row)) for row in page]
    query = urlencode(filters.as_dict())
    return render(
        request,
        "audit/log.html",
        {
            "form": form if request.GET else LogFilterForm(),
            "page": page,
            "rows": rows,
            "query": query,
            "filters": filters.as_dict(),
            "state": queries.chain_state(),
        },
    )


@roles(Role.AUDITOR)
@require_POST
def check(request):
    """Seal what is pending and check the chain (from where the last passed check ended)."""
    try:
        sealed = actions.seal_chain()
    except actions.ChainError as exc:
        messages.error(request, str(exc))
        sealed = 0
    report = actions.check_chain(full=False)
    if report.ok:
        text = _("封存 %(sealed)d 行；%(summary)s") % {"sealed": sealed, "summary": report.summary()}
        messages.success(request, text)
    else:
        messages.error(request, _("审计链已损坏：%(problem)s") % {"problem": report.summary()})
    return redirect("audit:log")


@roles(Role.AUDITOR)
@require_POST
def export(request):
    """导出审计日志 (the page's filters; masked, formula-safe xlsx); audited."""
    form = LogFilterForm(request.POST)
    filters = form.filters()
    handle = tempfile.NamedTemporaryFile(prefix="gridgov-audit-", suffix=".xlsx")  # removed when closed
    try:
        exporter.write_log(request.user, filters, handle.name)
    except ActionRefused as exc:
        handle.close()
        messages.error(request, str(exc))
        query = urlencode(filters.as_dict())
        return redirect(f"{reverse('audit:log')}?{query}")
    handle.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(
        handle, as_attachment=True, filename=f"审计日志-{stamp}.xlsx", content_type=XLSX_CONTENT_TYPE
    )
    add_never_cache_headers(response)
    return response
