"""Pages of the statistics: a place's figures in the articles' terms, for a period.

Reads go through `gridgov.stats.queries` (scope: a place outside the user's area answers 404; grants:
key-population figures only for holders of the grant, and without it no trace of them).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.access import roles
from gridgov.core.replicas import replica_reads
from gridgov.stats import queries
from gridgov.stats.catalogue import ARTICLE, SIX_ACTIONS
from gridgov.stats.periods import Period, PeriodError

stats_roles = roles(*sorted(queries.STATS_ROLES))


def _place(request, code: str):
    place = queries.place_for(request.user, code or None)
    if place is None:
        raise Http404("out of scope")
    return place


def period_choices(url: str, today: dt.date) -> list[tuple[str, str]]:
    """Quick periods for the picker: (label, url)."""
    quarter = (today.month + 2) // 3
    named = [
        (_("本月"), Period.month(today.year, today.month)),
        (_("本季度"), Period.quarter(today.year, quarter)),
        (_("本年"), Period.this_year(today)),
        (_("上一年"), Period.year(today.year - 1)),
    ]
    return [(label, f"{url}?{urlencode(p.as_query())}") for label, p in named]


@replica_reads
@stats_roles
def figures(request, code: str = ""):
    place = _place(request, code)
    today = timezone.localdate()
    error = ""
    try:
        period = Period.parse(request.GET, today)
    except PeriodError as exc:
        error, period = str(exc), Period.this_year(today)
    found = queries.figures(
        request.user,
        place,
        period,
        ["received", "resolved", "resolution_rate", "on_time_rate", "overdue_now", "village_share", "satisfaction"],
    )
    url = reverse("stats:place_figures", kwargs={"code": place.code})
    said = queries.statements(request.user, place, period)
    context = {
        "place": place,
        "period": period,
        "error": error,
        "article": [s for s in said if s.code in ARTICLE],
        "actions": [s for s in said if s.code in SIX_ACTIONS],
        "kpis": list(found.values()),
        "quick": period_choices(url, today),
        "url": url,
        "parent": place.parent if place.parent and queries.place_for(request.user, place.parent.code) else None,
        "children": list(place.children.order_by("code").only("code", "name")[:200]),
    }
    return render(request, "stats/figures.html", context, status=400 if error else 200)
