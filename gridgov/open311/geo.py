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
        _key_boxes.clear()


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


# ---------------------------------------------------------------- the area a key may file into

MARGIN_DEGREES = 0.05
"""A point this far outside an area's box (about 5 km) still counts: GPS fixes and drawn lines are rough."""

CENTRE_RADIUS_DEGREES = {"province": 8.0, "city": 3.0, "county": 1.0, "town": 0.3, "village": 0.1}
"""Without a boundary, a place with a known centre reaches this far from it (by its kind)."""

# Provinces by the first two digits of their NBS code: (min lon, min lat, max lon, max lat), rounded
# outwards from the administrative extent (Hainan includes the South China Sea islands it administers).
PROVINCE_BOXES = {
    "11": (115.4, 39.4, 117.6, 41.1),
    "12": (116.7, 38.5, 118.1, 40.3),
    "13": (113.4, 36.0, 119.9, 42.7),
    "14": (110.2, 34.5, 114.6, 40.8),
    "15": (97.1, 37.4, 126.1, 53.4),
    "21": (118.8, 38.7, 125.8, 43.5),
    "22": (121.6, 40.8, 131.4, 46.4),
    "23": (121.1, 43.4, 135.1, 53.6),
    "31": (120.8, 30.6, 122.2, 31.9),
    "32": (116.3, 30.7, 121.9, 35.2),
    "33": (118.0, 27.0, 123.2, 31.2),
    "34": (114.8, 29.4, 119.7, 34.7),
    "35": (115.8, 23.5, 120.8, 28.4),
    "36": (113.5, 24.4, 118.5, 30.1),
    "37": (114.8, 34.4, 122.8, 38.4),
    "41": (110.3, 31.3, 116.7, 36.4),
    "42": (108.3, 29.0, 116.2, 33.3),
    "43": (108.7, 24.6, 114.3, 30.2),
    "44": (109.6, 20.2, 117.4, 25.6),
    "45": (104.4, 20.9, 112.1, 26.4),
    "46": (108.3, 3.5, 117.9, 20.2),
    "50": (105.2, 28.1, 110.2, 32.3),
    "51": (97.3, 26.0, 108.6, 34.4),
    "52": (103.6, 24.6, 109.6, 29.3),
    "53": (97.5, 21.1, 106.2, 29.3),
    "54": (78.3, 26.8, 99.2, 36.6),
    "61": (105.4, 31.7, 111.3, 39.6),
    "62": (92.1, 32.5, 108.8, 42.8),
    "63": (89.4, 31.6, 103.1, 39.3),
    "64": (104.2, 35.2, 107.7, 39.4),
    "65": (73.4, 34.3, 96.4, 49.2),
    "71": (118.2, 21.8, 124.6, 26.4),
    "81": (113.8, 22.1, 114.5, 22.6),
    "82": (113.5, 22.1, 113.6, 22.2),
}

Box = tuple[float, float, float, float]
_key_boxes: dict[str, tuple[float, tuple[Box, ...] | None]] = {}


def _grow(box: Box, by: float) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _boxes_for(place: Place) -> tuple[tuple[Box, ...] | None, str]:
    """The boxes a point filed through ``place`` must fall in, and where they come from."""
    own = area_of(place.code, place.boundary)
    if own is not None:
        return (_grow(own.bbox, MARGIN_DEGREES),), "boundary"
    children = areas_within(place.code)
    if children:
        # Often only some of its places are drawn: around them, as far as a place of its kind reaches.
        reach = CENTRE_RADIUS_DEGREES.get(place.kind, 0.3)
        return tuple(_grow(a.bbox, reach) for a in children), "boundaries of its places"
    centre = place.centre if isinstance(place.centre, dict) else None
    if centre and centre.get("type") == "Point":
        try:
            lon, lat = (float(v) for v in centre["coordinates"][:2])
        except (TypeError, ValueError, KeyError):
            lon = lat = None
        if lon is not None:
            radius = CENTRE_RADIUS_DEGREES.get(place.kind, 0.3)
            return ((lon - radius, lat - radius, lon + radius, lat + radius),), "centre"
    province = PROVINCE_BOXES.get(place.code[:2])
    if province is not None:
        return (_grow(province, 0.5),), "province"
    return None, "none"


def within_key_area(place: Place, lon: float, lat: float) -> bool:
    """Whether a point can be in ``place``'s area: inside its boundary's box (5 km margin), else within the
    reach of a place of its kind (town 0.3°, about 30 km) around the boundaries of its places or around its
    centre, else inside its province (by the code's first two digits, 0.5° margin); cached per process
    like the boundaries. A place whose province is unknown takes any point."""
    now = time.monotonic()
    hit = _key_boxes.get(place.code)
    if hit is None or hit[0] <= now:
        boxes, _source = _boxes_for(place)
        with _lock:
            _key_boxes[place.code] = (now + CACHE_SECONDS, boxes)
    else:
        boxes = hit[1]
    if boxes is None:
        return True
    return any(b[0] <= lon <= b[2] and b[1] <= lat <= b[3] for b in boxes)
