"""Pages of the yearly briefing (年度工作简报): the web page, and its PDF and Word downloads (audited).

The content is `gridgov.stats.briefing.build` (reads through `gridgov.stats.queries`: a place outside the
user's area answers 404, and without the key-population grant the briefing has no trace of it).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from gridgov.core.access import roles
from gridgov.core.replicas import replica_reads
from gridgov.stats import briefing as content
from gridgov.stats import queries
from gridgov.stats.periods import PeriodError

stats_roles = roles(*sorted(queries.STATS_ROLES))
YEARS_OFFERED = 10


def _place(request, code: str):
    place = queries.place_for(request.user, code or None)
    if place is None:
        raise Http404("out of scope")
    return place


@replica_reads
@stats_roles
def briefing(request, code: str = ""):
    place = _place(request, code)
    today = timezone.localdate()
    error = ""
    try:
        year = content.parse_year(request.GET.get("year"), today)
    except PeriodError as exc:
        error, year = str(exc), today.year
    made = content.build(request.user, place, year, today)
    links = {fmt: reverse(f"stats:briefing_{fmt}", kwargs={"code": place.code}) + "?" + urlencode({"year": year})
             for fmt in content.FORMATS}  # fmt: skip
    parent = place.parent if place.parent_id and queries.place_for(request.user, place.parent.code) else None
    context = {
        "place": place,
        "briefing": made,
        "year": year,
        "years": [today.year - i for i in range(YEARS_OFFERED)],
        "error": error,
        "pdf_url": links["pdf"],
        "docx_url": links["docx"],
        "url": reverse("stats:briefing", kwargs={"code": place.code}),
        "figures_url": reverse("stats:place_figures", kwargs={"code": place.code})
        + "?"
        + urlencode(made.period.as_query()),
        "parent": parent,
        "children": list(place.children.order_by("code").only("code", "name")[:200]),
    }
    return render(request, "stats/briefing.html", context, status=400 if error else 200)


def _download(request, code: str, fmt: str) -> HttpResponse:
    place = _place(request, code)
    try:
        year = content.parse_year(request.GET.get("year"))
    except PeriodError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    made = content.export(request.user, place, year, fmt)
    response = HttpResponse(made.body, content_type=made.content_type)
    response["Content-Disposition"] = content_disposition_header(True, made.filename)
    response["Cache-Control"] = "private, max-age=0, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@stats_roles
def briefing_pdf(request, code: str):
    return _download(request, code, "pdf")


@stats_roles
def briefing_docx(request, code: str):
    return _download(request, code, "docx")
