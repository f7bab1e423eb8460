"""Reads of the place tree for one user: the place, its breadcrumbs, its children with counts.

Every query starts from `Model.objects.for_user(user)`. Counts per child are one grouped
query per model (``GROUP BY substr(path, 1, child_code_length)``), never one query per child.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404

from gridgov.places.choices import CHILD_KIND, CODE_LENGTH, PlaceKind
from gridgov.places.models import Place

COUNTED = ("households", "residents", "grids", "clusters")
MAP_PLACES_MAX = 500  # polygons drawn on one map

# What lives in the places besides their grids and clusters, counted per child place: the households app
# registers households and residents (`gridgov.households.apps`), so the place tree imports none of the apps
# that live in it. name -> the user's scoped rows, which carry a place ``path``.
_PEOPLE: dict[str, Callable[[object], QuerySet]] = {}


def count_in_places(name: str, rows: Callable[[object], QuerySet]) -> None:
    """Count ``rows(user)`` (scoped, with a ``path``) as ``name`` (a field of `Counts`) on place pages."""
    if name not in COUNTED:
        raise ValueError(f"{name} is not one of {COUNTED}")
    _PEOPLE[name] = rows


@dataclass
class Counts:
    households: int = 0
    residents: int = 0
    grids: int = 0
    clusters: int = 0

    def add(self, other: Counts) -> None:
        for name in COUNTED:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ChildRow:
    place: Place
    counts: Counts = field(default_factory=Counts)


@dataclass
class PlaceOverview:
    place: Place
    breadcrumbs: list[Place]
    children: list[ChildRow]
    totals: Counts
    map_shapes: list[dict]


def place_for(user, code: str) -> Place:
    """The place with this code if it lies in the user's subtree; 404 otherwise."""
    return get_object_or_404(Place.objects.for_user(user), code=code)


def breadcrumbs(user, place: Place) -> list[Place]:
    """Ancestors of ``place`` the user may open (those above the user's own place are left out)."""
    codes = place.ancestor_codes()
    if not codes:
        return []
    return list(Place.objects.for_user(user).filter(code__in=codes).only("code", "name", "kind").order_by("code"))


def children(user, place: Place) -> list[Place]:
    return list(Place.objects.for_user(user).filter(parent=place).order_by("code"))


def child_code_length(place: Place, kids: list[Place]) -> int:
    """The code length of the place's children (two more digits below the village, NBS widths above)."""
    if kids:
        return len(kids[0].code)
    child_kind = CHILD_KIND.get(place.kind)
    return CODE_LENGTH[child_kind] if child_kind else len(place.code) + 2


def _grouped(queryset: QuerySet, column: str, length: int) -> Counter:
    rows = (
        queryset.order_by()
        .annotate(prefix=Substr(column, 1, length))
        .values("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
    )
    return Counter(dict(rows))


def counts_by_child(user, place: Place, length: int) -> dict[str, Counts]:
    """Households, residents, grids and clusters under ``place``, keyed by the child code they fall under.

    Rows that sit on ``place`` itself (a household placed on a grid but in no cluster, say) are
    keyed by their own shorter path, so the values always add up to the place's totals.
    """
    code = place.code
    grouped = {name: _grouped(rows(user).within(code), "path", length) for name, rows in _PEOPLE.items()}
    grouped |= {
        "grids": _grouped(Place.objects.for_user(user).within(code).filter(kind=PlaceKind.GRID), "code", length),
        "clusters": _grouped(Place.objects.for_user(user).within(code).filter(kind=PlaceKind.CLUSTER), "code", length),
    }
    out: dict[str, Counts] = {}
    for name, counter in grouped.items():
        for prefix, n in counter.items():
            setattr(out.setdefault(prefix, Counts()), name, n)
    return out


def totals(user, place: Place) -> Counts:
    """Households, residents, grids and clusters in the place's subtree (one query per model)."""
    out = Counts()
    for counts in counts_by_child(user, place, len(place.code)).values():
        out.add(counts)
    return out


def map_shapes(user, place: Place, kids: list[Place]) -> list[dict]:
    """Polygons for the map: the children's own, or else the grids drawn inside the place.

    A place with more grids than one map can show (a county, say) gets no fallback rather than a partial one.
    """
    shapes = [shape(p) for p in kids if p.boundary]
    if shapes or place.kind in (PlaceKind.GRID, PlaceKind.CLUSTER):
        return shapes
    grids = list(
        Place.objects.for_user(user)
        .within(place.code)
        .filter(kind=PlaceKind.GRID, boundary__isnull=False)
        .only("code", "name", "kind", "boundary")
        .order_by("code")[: MAP_PLACES_MAX + 1]
    )
    return [shape(p) for p in grids] if len(grids) <= MAP_PLACES_MAX else []


def shape(place: Place) -> dict:
    return {"code": place.code, "name": place.name, "kind": place.get_kind_display(), "boundary": place.boundary}


def overview(user, code: str) -> PlaceOverview:
    place = place_for(user, code)
    kids = children(user, place)
    length = child_code_length(place, kids)
    by_child = counts_by_child(user, place, length)
    totals = Counts()
    for counts in by_child.values():
        totals.add(counts)
    rows = [ChildRow(kid, by_child.get(kid.code, Counts())) for kid in kids]
    return PlaceOverview(
        place=place,
        breadcrumbs=breadcrumbs(user, place),
        children=rows,
        totals=totals,
        map_shapes=map_shapes(user, place, kids),
    )
