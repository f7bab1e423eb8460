"""The coverage page (不漏一户、不漏一人): counts per check and the lists, for a place in the user's area."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from gridgov.core.access import scoped
from gridgov.core.paging import PAGE_SIZE, Page, page_number, page_of_list
from gridgov.core.replicas import replica_reads
from gridgov.coverage import queries


def _link(url_name: str, arg) -> str:
    if not url_name:
        return ""
    try:
        return reverse(url_name, args=[arg])
    except NoReverseMatch:  # the page for that kind of row is not installed
        return ""


PREVIEW = 10  # rows of each check on the overview; a check's own view pages all of them
CHILDREN_PAGE = 20


@replica_reads
@scoped
def coverage_page(request):
    """Every check's count and first rows (the overview), or one check's rows paged (``?check=``)."""
    place = queries.report_place(request.user, request.GET.get("place", "").strip())
    only = request.GET.get("check", "")
    only = only if only in queries.LABELS else None
    number = page_number(request.GET.get("page"))
    if only is None:
        report = queries.coverage(place, request.user, limit=PREVIEW)
    else:
        report = queries.coverage(place, request.user, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, only=only)
    query = {"place": place.code} if request.GET.get("place") else {}
    for check in report.checks:
        for row in check.rows:
            row.url = _link(row.url_name, row.url_arg)
        check.url = "?" + urlencode({**query, "check": check.key})
    focus = next((c for c in report.checks if c.key == only), None)
    page = None
    if focus is not None:
        has_next = (number - 1) * PAGE_SIZE + len(focus.rows) < focus.count
        page = Page(rows=focus.rows, number=number, has_next=has_next, query={**query, "check": only})
        page.total = focus.count
    breadcrumbs = [p for p in place.ancestors() if p.code.startswith(request.user.place.code)]
    context = {
        "report": report,
        "place": place,
        "breadcrumbs": breadcrumbs,
        "focus": focus,
        "page": page,
        "children": page_of_list(
            report.breakdown() if focus is None else [],
            page_number(request.GET.get("cpage")),
            CHILDREN_PAGE,
            query=query,
            param="cpage",
        ),  # fmt: skip
        "overview_url": "?" + urlencode(query),
    }
    return render(request, "coverage/coverage.html", context)
