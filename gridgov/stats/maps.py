"""The cockpit's map: the places drawn on it, coloured by the open matters they hold, overdue, risk color or
visit coverage, and the open matters with coordinates as points; every count linked to its record list."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.places.models import Place
from gridgov.stats import engine
from gridgov.stats.catalogue import BY_CODE
from gridgov.stats.cubes import cube_for
from gridgov.stats.periods import Period
from gridgov.stats.queries import COVERAGE_DAYS, Figure, _labels

MAP_UNITS_MAX = 500  # polygons coloured on one map
MAP_POINTS_MAX = 300  # open matters drawn as points
RISK_ORDER = ("red", "yellow", "blue")
TOWN_DEPTH = 9


@dataclass(frozen=True)
class MapUnit:
    """One coloured polygon: a grid (town and below) or a child place (county and above), with the figures
    each map layer colours it by, every count linked to its record list."""

    code: str
    name: str
    boundary: dict | None
    open: Figure
    overdue: Figure
    colors: dict[str, Figure]  # open matters by risk color
    households: Figure
    visited: int  # households visited in the last COVERAGE_DAYS days of the period
    drill_url: str

    @property
    def risk(self) -> str:
        """The most severe color among the unit's open matters ("" when it holds none)."""
        return next((c for c in RISK_ORDER if self.colors[c].value), "")

    @property
    def coverage(self) -> float | None:
        return round(100 * self.visited / self.households.value, 1) if self.households.value else None


@dataclass(frozen=True)
class MapData:
    place: dict | None  # the place's own outline
    units: list[MapUnit]
    outlines: list[dict]  # thin context shapes (a town's villages around its grids; a county's towns' villages)
    points: list[dict]  # open matters held in the place that have coordinates, newest first (town and below)
    points_more: bool  # more open matters have coordinates than are drawn


def cockpit_url(code: str, period: Period | None = None) -> str:
    url = reverse("stats:cockpit_place", kwargs={"code": code})
    return f"{url}?{urlencode(period.as_query())}" if period is not None else url


def _shape(place: Place) -> dict:
    return {"code": place.code, "name": place.name, "boundary": place.boundary}


def map_places(user, place: Place) -> tuple[list[Place], list[Place]]:
    """(units, outlines): the grids drawn inside a town or anything below it, with its villages as outlines;
    above a town the child places, with their own children as outlines (none when there are too many)."""
    drawn = Place.objects.for_user(user).filter(boundary__isnull=False).only("code", "name", "boundary")
    if len(place.code) >= TOWN_DEPTH:
        units = list(drawn.within(place.code).filter(kind="grid").order_by("code")[: MAP_UNITS_MAX + 1])
        outlines = list(drawn.filter(parent=place, kind="village").order_by("code")) if len(place.code) == 9 else []
    else:
        units = list(drawn.filter(parent=place).order_by("code")[: MAP_UNITS_MAX + 1])
        outlines = list(drawn.filter(parent__parent=place).order_by("code")[: MAP_UNITS_MAX + 1])
    if len(outlines) > MAP_UNITS_MAX:
        outlines = []
    return units[:MAP_UNITS_MAX], outlines


def _per_unit(source: str, code: str, depth: int, dims: list[str], filters: dict | None = None) -> dict:
    """{unit code: rows} for the places ``depth`` long under ``code``: the engine's children where they are
    the next level it keeps (rollups), else one GROUP BY over the records by the code's prefix (grids)."""
    if depth == len(code):
        return {code: engine.count(source, code, None, dims=dims, filters=filters)}
    from gridgov.places.choices import CODE_LENGTH

    cube = cube_for(source, [*dims, *(filters or {})])
    below = sorted(n for n in CODE_LENGTH.values() if n > len(code))
    child = (cube.child_depth(code) if cube is not None else None) or (below[0] if below else None)
    out: dict[str, list[dict]] = defaultdict(list)
    if child == depth:
        for row in engine.count(source, code, None, dims=dims, filters=filters, by_child=True):
            out[row["place"]].append(row)
        return out
    from gridgov.stats.sources import SOURCES

    for row in engine.raw_rows(SOURCES[source], code, dims=dims, filters=filters, prefix=depth):
        if len(row["code"]) == depth:
            out[row["code"]].append(row)
    return out


def _link(path: str, code: str, params: dict | None = None) -> str:
    """A record list's URL for the place ``code`` (``path`` reversed once per page, not once per link)."""
    query = [("place", code), *((k, str(v)) for k, v in (params or {}).items())]
    return f"{path}?{urlencode(query)}"


def map_data(user, place: Place, period: Period) -> MapData:
    """The cockpit's map: the open matters each unit holds (as `overdue_by_unit` counts them: at or below it),
    how many of them are overdue and of which risk color, and its visit coverage (households visited in the
    last COVERAGE_DAYS days of the period). From a town down, the open matters it holds that have coordinates
    are points where they lie."""
    from gridgov.matters.models import Matter

    units, outlines = map_places(user, place)
    labels = _labels("color")
    figures_by_unit: dict[str, MapUnit] = {}
    if units:
        depth = len(units[0].code)
        held = _per_unit("open_matters", place.code, depth, ["color", "overdue"])
        recency = _per_unit("households", place.code, depth, ["last_day"])
        since = period.until - dt.timedelta(days=COVERAGE_DAYS - 1)
        unit_name, hh = str(BY_CODE["received"].unit), BY_CODE["households"]
        matters_path, households_path = reverse("matters:list"), reverse(hh.list_name)
        cockpit_path, period_query = reverse("stats:cockpit"), urlencode(period.as_query())
        for unit in units:
            rows = held.get(unit.code, [])
            by_color = engine.grouped(rows, "color")
            held_url = f"{matters_path}?{urlencode({'holder': unit.code, 'state': 'open'})}"
            colors = {c: Figure(c, labels.get(c, c), unit_name, by_color.get(c, 0), f"{held_url}&color={c}")
                      for c in RISK_ORDER}  # fmt: skip
            homes = recency.get(unit.code, [])
            visited = sum(r["n"] for r in homes if r["last_day"] is not None and since <= r["last_day"] <= period.until)
            figures_by_unit[unit.code] = MapUnit(
                unit.code,
                unit.name,
                unit.boundary,
                Figure("open", _("未办结"), unit_name, sum(r["n"] for r in rows), held_url),
                Figure("overdue", _("超期未办结"), unit_name, sum(r["n"] for r in rows if r["overdue"]),
                       f"{held_url}&overdue=1"),
                colors,
                Figure("households", str(hh.term), str(hh.unit), sum(r["n"] for r in homes),
                       _link(households_path, unit.code, hh.list_params)),
                visited,
                f"{cockpit_path}{unit.code}/?{period_query}",
            )  # fmt: skip
    detail = reverse("matters:detail", kwargs={"pk": 0})
    found: list[dict] = []
    if len(place.code) >= TOWN_DEPTH:  # above a town the map shows towns; points would be clutter
        found = list(
            Matter.objects.for_user(user)
            .filter(is_open=True, holder_path__within=place.code, point__isnull=False)  # the open-matter index
            .order_by("-id")
            .values("id", "title", "color", "point")[: MAP_POINTS_MAX + 1]
        )
    points = [
        {"id": m["id"], "title": m["title"], "color": m["color"], "point": m["point"],
         "url": detail.replace("/0/", f"/{m['id']}/")}
        for m in found[:MAP_POINTS_MAX]
    ]  # fmt: skip
    return MapData(
        _shape(place) if place.boundary else None,
        [figures_by_unit[u.code] for u in units],
        [_shape(p) for p in outlines],
        points,
        len(found) > MAP_POINTS_MAX,
    )
