"""Where an Open311 request lands: the grid (else the deepest place) containing its point, else a
household number or address, or a place name in its text, else the key's own place.

Boundaries are GeoJSON (lon, lat) polygons in `Place.boundary`. Each process keeps the places
of an area in memory with their bounding boxes (reloaded after `CACHE_SECONDS`), so routing a point
costs no query once warm.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from gridgov.households.models import Household
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place

CACHE_SECONDS = 300.0

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Area:
    code: str
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    polygons: tuple[tuple[Ring, ...], ...]  # each polygon: outer ring, then holes


def _ring(coords) -> Ring:
    return [(float(x), float(y)) for x, y, *_ in coords]


def _polygons(geometry) -> tuple[tuple[Ring, ...], ...]:
    if not isinstance(geometry, dict):
        return ()
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Feature":
        return _polygons(geometry.get("geometry"))
    try:
        if kind == "Polygon":
            return (tuple(_ring(r) for r in coords),)
        if kind == "MultiPolygon":
            return tuple(tuple(_ring(r) for r in poly) for poly in coords)
    except (TypeError, ValueError):
        return ()
    return ()


def area_of(code: str, geometry) -> Area | None:
    polygons = tuple(p for p in _polygons(geometry) if p and len(p[0]) >= 3)
    if not polygons:
        return None
    xs = [x for p in polygons for x, _ in p[0]]
    ys = [y for p in polygons for _, y in p[0]]
    return Area(code, (min(xs), min(ys), max(xs), max(ys)), polygons)


def in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Even-odd ray casting."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(area: Area, lon: float, lat: float) -> bool:
    min_x, min_y, max_x, max_y = area.bbox
    if not (min_x <= lon <= max_x and min_y <= lat <= max_y):
        return False
    for outer, *holes in area.polygons:
        if in_ring(lon, lat, outer) and not any(in_ring(lon, lat, hole) for hole in holes):
            return True
    return False


_cache: dict[str, tuple[float, list[Area]]] = {}
_lock = threading.Lock()


def areas_within(code: str) -> list[Area]:
    """The places under ``code`` (itself excluded) that have a boundary, deepest first: grids, then
    groups, villages, towns (cached per process). Clusters are below what a matter is held at."""
    now = time.monotonic()
    hit = _cache.get(code)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    rows = (
        Place.objects.within(code)
        .exclude(code=code)
        .exclude(kind=PlaceKind.CLUSTER)
        .filter(boundary__isnull=False)
        .values_list("code", "boundary")
    )
    areas = [a for a in (area_of(c, b) for c, b in rows) if a is not None]
    areas.sort(key=lambda a: (-len(a.code), a.code))
    with _lock:
        _cache[code] = (now, areas)
    return areas


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def place_at(code: str, lon: float, lat: float) -> str | None:
    """The deepest place under ``code`` whose boundary contains the point (a grid where there is one)."""
    for area in areas_within(code):
        if contains(area, lon, lat):
            return area.code
    return None


def place_for_address(code: str, text: str) -> str | None:
    """A household whose address is exactly ``text`` (its cluster or grid), else the deepest place
    under ``code`` whose name appears in ``text``."""
    text = text.strip()
    if not text:
        return None
    household = (
        Household.objects.within(code)
        .filter(address=text)
        .values_list("cluster__code", "grid__code")
        .order_by("id")
        .first()
    )
    if household is not None and (household[0] or household[1]):
        return household[0] or household[1]
    best: str | None = None
    for place_code, name in Place.objects.within(code).values_list("code", "name"):
        if name and name in text and (best is None or len(place_code) > len(best)):
            best = place_code
    return best


def place_for_address_id(code: str, address_id: str) -> str | None:
    """``address_id`` is a household number (户编号) in the area."""
    row = (
        Household.objects.within(code)
        .filter(number=address_id.strip())
        .values_list("cluster__code", "grid__code")
        .first()
    )
    if row is None:
        return None
    return row[0] or row[1]
