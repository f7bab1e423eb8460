"""The ledgers page (台账): one book at a time, filtered, a page of its rows, and its export with progress.

Reads go through `queries` (which start from `for_user`); a place outside the user's scope, a book the user may
not open (the key-population book without the grant) and another user's export are all 404. Exports are
started by `actions` and run in the background; their page polls the progress.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from gridgov.core.access import scoped_for
from gridgov.core.replicas import replica_reads
from gridgov.households.queries import filter_places, page_number
from gridgov.ledgers import actions, queries
from gridgov.ledgers.books import LedgerFilters
from gridgov.ledgers.choices import LedgerKind
from gridgov.utils.xlsx import XLSX_CONTENT_TYPE

ledger_roles = scoped_for(*queries.LEDGER_ROLES)
STALE_AFTER = dt.timedelta(minutes=10)  # a running export not heard from for this long has died with its process
WIDE = 24  # columns at least this wide take a line of their own on a phone


@ledger_roles
@replica_reads
@require_GET
def ledger(request, kind: str = LedgerKind.VISIT):
    """台账: a book's records in the column layout of its export, filtered, 50 to a page, with the total."""
    book = queries.book_for(request.user, kind)
    filters = LedgerFilters.from_query(request.GET, book)
    place = queries.place_for(request.user, filters.place)
    page = queries.page_of(request.user, book, filters, page_number(request.GET.get("page")))
    context = {
        "book": book,
        "books": queries.books_for(request.user),
        "filters": filters,
        "place": place,
        "title": queries.heading_of(book, place, filters),
        "places": filter_places(request.user, place.code),
        "choices": [(c, getattr(filters, c.name), c.options()) for c in book.choices],
        "headers": book.headers,
        "table": [
            [(v, c.header, c.width >= WIDE) for v, c in zip(row, book.columns, strict=True)] for row in page.rows
        ],
        "page": page,
        "exports": [e for e in queries.exports_for(request.user) if e.ledger == book.kind],
        "too_many": page.total > actions.MAX_ROWS,
    }
    return render(request, "ledgers/ledger.html", context)


@ledger_roles
@require_POST
def export(request, kind: str):
    """导出: record the export of the filtered book and start it; its page shows the progress."""
    book = queries.book_for(request.user, kind)
    filters = LedgerFilters.from_query(request.POST, book)
    queries.place_for(request.user, filters.place)  # out of scope: 404 before anything is written
    try:
        job = actions.create_export(request.user, book.kind, filters)
    except (actions.ActionRefused, ValidationError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        return redirect("ledgers:ledger", kind=book.kind)
    actions.start_export(job)
    return redirect("ledgers:export_detail", pk=job.pk)


def _export_context(request, pk: int) -> dict:
    job = queries.export_for(request.user, pk)
    stale = job.is_running and job.updated_at < timezone.now() - STALE_AFTER
    book = queries.BOOKS[job.ledger]
    filters = LedgerFilters.from_query(job.filters, book)
    return {"job": job, "book": book, "stale": stale, "filters": queries.describe(book, filters)}


@ledger_roles
@require_GET
def export_detail(request, pk: int):
    return render(request, "ledgers/export_detail.html", _export_context(request, pk))


@ledger_roles
@require_GET
def export_progress(request, pk: int):
    """The progress panel alone, polled by HTMX every second while the export runs."""
    response = render(request, "ledgers/_export_progress.html", _export_context(request, pk))
    add_never_cache_headers(response)
    return response


@ledger_roles
@require_GET
def export_download(request, pk: int):
    job, content = queries.export_file(request.user, pk)
    if content is None:
        raise Http404("no file (not finished, failed, or no longer kept)")
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(job.filename)}"
    add_never_cache_headers(response)
    return response
