"""The leaders' cockpit (领导驾驶舱): a place's figures, charts and map for a period, from a grid to a province.

Every figure comes from `gridgov.stats.queries` (computed once there, each with the URL of the record list it
counts); this module only arranges them. Tiles and tables are rendered on the server so the page is useful
without JavaScript; the charts (ECharts) and the map (Leaflet) are drawn by static scripts from the data
put into the page with ``json_script``. The page's main content is `stats/_cockpit.html`, which a role's
home can include with `cockpit_context`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from gridgov.core.replicas import replica_reads
from gridgov.places.choices import PlaceKind
from gridgov.stats import engine, maps, queries
from gridgov.stats.catalogue import RATE_BY_CODE
from gridgov.stats.periods import Period, PeriodError
from gridgov.stats.views import stats_roles

CATEGORIES_SHOWN = 12
YEARS_BACK = 5


def picker(today: dt.date, period: Period) -> dict:
    """The period picker's choices: the last years, the quarters and months of this and last year, and
    the custom range (the period shown is selected)."""
    years = [(str(y), _("%(y)s年") % {"y": y}) for y in range(today.year, today.year - YEARS_BACK, -1)]
    quarters, months = [], []
    for year in (today.year, today.year - 1):
        for q in range(4, 0, -1):
            p = Period.quarter(year, q)
            if p.since <= today:
                quarters.append((f"{year}Q{q}", p.label))
        for m in range(12, 0, -1):
            p = Period.month(year, m)
            if p.since <= today:
                months.append((f"{year}-{m:02d}", p.label))
    selected = ""
    if period.kind == "year":
        selected = str(period.since.year)
    elif period.kind == "quarter":
        selected = f"{period.since.year}Q{(period.since.month + 2) // 3}"
    elif period.kind == "month":
        selected = f"{period.since.year}-{period.since.month:02d}"
    return {"years": years, "quarters": quarters, "months": months, "selected": selected}


def _figure(f: queries.Figure) -> dict:
    return {"code": f.code, "name": f.term, "value": f.value, "text": f.text, "url": f.url}


def chart_data(ctx: dict) -> dict:
    """What the charts draw, with the labels in the user's language and each segment's record list."""
    trend = ctx["trend"]
    data = {
        "labels": {
            "received": _("受理"),
            "resolved": _("办结"),
            "open": _("未办结"),
            "overdue": _("超期"),
            "visits": _("走访次数"),
            "rate": _("办结率"),
        },  # fmt: skip
        "trend": {
            "months": [p.label for p in trend],
            "received": [{"value": p.received, "url": p.received_url} for p in trend],
            "resolved": [{"value": p.resolved, "url": p.resolved_url} for p in trend],
        },
        "kinds": [{"name": s.label, "value": s.received, "url": s.url} for s in ctx["kinds"]],
        "categories": [{"name": s.label, "value": s.received, "url": s.url} for s in ctx["categories"]],
        "colors": [{"key": s.key, "name": s.label, "value": s.received, "url": s.url} for s in ctx["colors"]],
        "channels": [{"name": s.label, "value": s.received, "url": s.url} for s in ctx["channels"]],
        "overdue": [{"name": u.name, "open": u.open, "overdue": u.overdue, "url": u.url} for u in ctx["units"]],
        "ranking": [
            {
                "name": r["row"].name,
                "drill": r["cockpit"],
                "received": r["row"].figures["received"].value,
                "resolved": r["row"].figures["resolved"].value,
                "rate": r["row"].figures["resolution_rate"].value,
            }
            for r in ctx["ranking"]
        ],  # fmt: skip
        "visitors": [{"name": name, "value": n} for name, n in ctx["activity"].top],
    }
    table = ctx.get("key_persons")
    if table is not None:  # the key-population grant only: without it the page carries no such key at all
        data["key_persons"] = {
            "colors": [{"key": c, "name": label} for c, label in table.colors],
            "rows": [
                {"name": r["name"], "cells": [{"value": n, "url": url} for n, url in r["cells"]]}
                for r in ctx["key_person_rows"]
            ],
            "url": table.url,
        }
    return data


def map_json(m: maps.MapData) -> dict:
    def unit(u: maps.MapUnit) -> dict:
        return {
            "code": u.code, "name": u.name, "boundary": u.boundary, "drill": u.drill_url,
            "open": _figure(u.open), "overdue": _figure(u.overdue), "risk": u.risk,
            "colors": {c: _figure(f) for c, f in u.colors.items()},
            "households": _figure(u.households), "visited": u.visited, "coverage": u.coverage,
        }  # fmt: skip

    return {
        "place": m.place,
        "units": [unit(u) for u in m.units],
        "outlines": m.outlines,
        "points": m.points,
        "labels": {
            "open": _("未办结事项"),
            "overdue": _("超期未办结"),
            "risk": _("风险等级"),
            "coverage": _("走访覆盖率"),
            "none": _("无"),
            "red": _("红色"),
            "yellow": _("黄色"),
            "blue": _("蓝色"),
            "households": _("户"),
            "visited": _("近%(n)s天走访") % {"n": queries.COVERAGE_DAYS},
            "drill": _("进入驾驶舱"),
            "points": _("● 圆点：有位置的未办结事项（颜色为风险等级，点击查看）"),
        },  # fmt: skip
    }


TILE_PARTS = ("on_time", "resolved_in_village", "feedback_given", "feedback_accepted")


def tiles(user, place, period: Period) -> list[dict]:
    """The KPI tiles: each figure, and for a rate its numerator and denominator (both linked to their lists)."""
    found = queries.figures(user, place, period, [*queries.KPI_CODES, *TILE_PARTS])
    out = []
    for code in queries.KPI_CODES:
        rate = RATE_BY_CODE.get(code)
        parts = {"numerator": found[rate.numerator], "denominator": found[rate.denominator]} if rate else {}
        out.append({"figure": found[code], **parts})
    return out


def map_rows(m: maps.MapData) -> str:
    """The map's data table (its accessible, script-free twin), built here rather than in the template: a
    town has a hundred grids of eight cells each."""
    cell = '<td class="num"><a href="{}">{}</a></td>'
    return format_html_join(
        "",
        '<tr data-unit="{}"><td><a href="{}">{}</a></td>{}{}{}<td class="num">{}</td></tr>',
        (
            (
                u.code,
                u.drill_url,
                u.name,
                format_html(cell + cell, u.open.url, u.open.text, u.overdue.url, u.overdue.text),
                format_html_join("", cell, ((f.url, f.text) for f in u.colors.values())),
                format_html(cell, u.households.url, u.households.text),
                "—" if u.coverage is None else f"{u.coverage}%",
            )  # fmt: skip
            for u in m.units
        ),
    )


def cockpit_context(user, place, period: Period) -> dict:
    """Everything `stats/_cockpit.html` shows for ``place`` in ``period`` (a home page may include it, with
    `stats/_cockpit_assets.html` in its head)."""
    ranking = queries.ranking(user, place, period) if place.kind != PlaceKind.GRID else []
    ctx = {
        "place": place,
        "period": period,
        "tiles": tiles(user, place, period),
        "trend": queries.trend(user, place, period),
        "kinds": queries.breakdown(user, place, period, "kind"),
        "categories": queries.breakdown(user, place, period, "category")[:CATEGORIES_SHOWN],
        "colors": queries.breakdown(user, place, period, "color"),
        "channels": queries.breakdown(user, place, period, "channel"),
        "ranking": [{"row": r, "cockpit": maps.cockpit_url(r.code, period)} for r in ranking],
        "units": queries.overdue_by_unit(user, place),
        "activity": queries.worker_activity(user, place, period),
        "staff": queries.figures(user, place, period, ["grid_leaders", "grid_workers"]),
        "coverage_days": queries.COVERAGE_DAYS,
        "key_persons": queries.key_persons(user, place),
        "map": maps.map_data(user, place, period),
        "tile_url": settings.GRIDGOV_TILE_URL,
        "period_query": period.as_query(),
    }
    table = ctx["key_persons"]
    if table is not None:
        ctx["key_person_rows"] = [
            {"name": name, "total": total, "url": table.cell_url(i),
             "cells": [(counts.get(c, 0), table.cell_url(i, c)) for c, _label in table.colors]}
            for i, (name, counts, total) in enumerate(table.rows)
        ]  # fmt: skip
    ctx["charts"] = chart_data(ctx)
    ctx["map_json"] = map_json(ctx["map"])
    ctx["map_rows"] = map_rows(ctx["map"])
    return ctx


def _parent(user, place):
    if place.parent_id is None or len(place.code) <= len(user.place.code):
        return None
    parent = place.parent
    return parent if queries.place_for(user, parent.code) is not None else None


@replica_reads
@stats_roles
def cockpit(request, code: str = ""):
    place = queries.place_for(request.user, code or None)
    if place is None:
        raise Http404("out of scope")
    today = timezone.localdate()
    error = ""
    try:
        period = Period.parse(request.GET, today)
    except PeriodError as exc:
        error, period = str(exc), Period.this_year(today)
    with engine.one_reading():
        context = cockpit_context(request.user, place, period)
    context.update(
        {
            "error": error,
            "picker": picker(today, period),
            "quick": quick_periods(place.code, today),
            "parent": _parent(request.user, place),
            "briefing_year": period.until.year,
        }
    )
    return render(request, "stats/cockpit.html", context, status=400 if error else 200)


def quick_periods(code: str, today: dt.date) -> list[tuple[str, str]]:
    quarter = (today.month + 2) // 3
    named = [
        (_("本月"), f"{today.year}-{today.month:02d}"),
        (_("本季度"), f"{today.year}Q{quarter}"),
        (_("本年"), ""),
        (_("上一年"), str(today.year - 1)),
    ]
    base = maps.cockpit_url(code)
    return [(label, f"{base}?period={value}" if value else base) for label, value in named]
