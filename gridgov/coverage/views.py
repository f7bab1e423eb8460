"""The coverage page (不漏一户、不漏一人): counts per check and the lists, for a place in the user's area."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from gridgov.core.access import scoped
from gridgov.core.replicas import replica_reads
from gridgov.coverage import queries


def _link(url_name: str, arg) -> str:
    if not url_name:
        return ""
    try:
        return reverse(url_name, args=[arg])
    except NoReverseMatch:  # the page for that kind of row is not installed
        return ""


@replica_reads
@scoped
def coverage_page(request):
    place = queries.report_place(request.user, request.GET.get("place", "").strip())
    report = queries.coverage(place, request.user)
    for check in report.checks:
        for row in check.rows:
            row.url = _link(row.url_name, row.url_arg)
    breadcrumbs = [p for p in place.ancestors() if p.code.startswith(request.user.place.code)]
    return render(request, "coverage/coverage.html", {"report": report, "place": place, "breadcrumbs": breadcrumbs})
