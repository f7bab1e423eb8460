"""Coverage checks (不漏一户、不漏一人): the gaps under one place, each found by one grouped query.

Checks: households without a grid or a cluster, residents without a household, grids whose
household count is outside [GRIDGOV_GRID_MIN_HOUSEHOLDS, GRIDGOV_GRID_MAX_HOUSEHOLDS], clusters over
GRIDGOV_CLUSTER_MAX_HOUSEHOLDS, and grids without an appointed grid leader or grid worker.

For a user every query starts from `Model.objects.for_user(user)`; the management command runs
without a user over the whole subtree of a place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils.translation import gettext, gettext_noop, ngettext

from gridgov.core.models import scope_prefix
from gridgov.households.models import Household, Resident
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.places.choices import CHILD_KIND, CODE_LENGTH, PlaceKind
from gridgov.places.models import Place

LIST_LIMIT = 200  # rows listed per check (the counts are always complete)


@dataclass
class Gap:
    """One row of a check's list: what is missing, where, and a link when there is a page for it."""

    code: str  # the place code the row lies under (for grouping per child place)
    label: str
    detail: str = ""
    url_name: str = ""
    url_arg: str | int | None = None
    url: str = ""  # filled in by the page


@dataclass
class Check:
    key: str
    label: str
    count: int
    rows: list[Gap] = field(default_factory=list)
    per_child: dict[str, int] = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        return self.count > len(self.rows)


@dataclass
class Report:
    place: Place
    checks: list[Check]
    children: list[Place]  # the next level down, for the per-child breakdown
    bounds: dict[str, int]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.checks)

    def breakdown(self) -> list[tuple[Place, list[tuple[str, int]]]]:
        """Per child place: (label, count) of each check, in the order of ``checks``."""
        return [(child, [(c.label, c.per_child.get(child.code, 0)) for c in self.checks]) for child in self.children]


LABELS = {
    "households_unplaced": gettext_noop("未划入网格或联户的户"),
    "residents_without_household": gettext_noop("未落户的居民"),
    "grids_out_of_bounds": gettext_noop("规模超出范围的网格"),
    "clusters_over_max": gettext_noop("超出规模的联户"),
    "grids_unstaffed": gettext_noop("缺网格长或网格员的网格"),
}


def _base(model, user, code: str) -> QuerySet:
    manager = model.objects
    qs = manager.for_user(user) if user is not None else manager.all()
    return qs.within(code)


def report_place(user, code: str | None) -> Place:
    """The place a user asks about (default: their own), or 404 outside their area."""
    prefix = scope_prefix(user)
    if prefix is None:
        raise Http404("no scope")
    place = Place.objects.for_user(user).filter(code=code or prefix).first()
    if place is None:
        raise Http404("no such place")
    return place


def _per_child(qs: QuerySet, column: str, child_length: int | None) -> dict[str, int]:
    """Counts grouped by the child place (the path cut to the next level's code length)."""
    if child_length is None:
        return {}
    rows = qs.annotate(child=Substr(column, 1, child_length)).values("child").annotate(n=Count("pk")).order_by()
    return {r["child"]: r["n"] for r in rows if len(r["child"]) == child_length}


def _grouped(rows: list[Gap], child_length: int | None) -> dict[str, int]:
    out: dict[str, int] = {}
    if child_length is None:
        return out
    for row in rows:
        if len(row.code) >= child_length:
            key = row.code[:child_length]
            out[key] = out.get(key, 0) + 1
    return out


def coverage(place: Place, user=None, *, limit: int = LIST_LIMIT, offset: int = 0, only: str | None = None) -> Report:
    """All coverage checks under ``place`` (for ``user`` when given), in a fixed number of queries.

    Each check lists ``limit`` rows from ``offset`` (a page of them); with ``only``, just that check lists rows (the
    others still count theirs)."""

    def window(key: str) -> slice:
        """The rows a check lists: a page of them, or none (and no query) when another check was asked for."""
        return slice(offset, offset + limit) if only is None or only == key else slice(0, 0)

    code = place.code
    child_kind = CHILD_KIND.get(PlaceKind(place.kind))
    child_length = CODE_LENGTH[child_kind] if child_kind else None
    bounds = {
        "grid_min": settings.GRIDGOV_GRID_MIN_HOUSEHOLDS,
        "grid_max": settings.GRIDGOV_GRID_MAX_HOUSEHOLDS,
        "cluster_max": settings.GRIDGOV_CLUSTER_MAX_HOUSEHOLDS,
    }
    checks: list[Check] = []

    # 1. Households without a grid or a cluster.
    unplaced = _base(Household, user, code).filter(Q(grid__isnull=True) | Q(cluster__isnull=True))
    per_child = _per_child(unplaced, "path", child_length)
    rows = [
        Gap(
            h.path,
            f"{h.number} {h.address}",
            gettext("未划入网格") if h.grid_id is None else gettext("未划入联户"),
            "households:detail",
            h.pk,
        )
        for h in unplaced.only("id", "path", "number", "address", "grid_id").order_by("path", "id")[
            window("households_unplaced")
        ]
    ]
    checks.append(Check("households_unplaced", LABELS["households_unplaced"], unplaced.count(), rows, per_child))

    # 2. Residents without a household.
    homeless = _base(Resident, user, code).filter(household__isnull=True)
    per_child = _per_child(homeless, "path", child_length)
    rows = [
        Gap(r.path, r.name, r.id_number_masked, "households:resident", r.pk)
        for r in homeless.only("id", "path", "name", "id_number_masked").order_by("path", "id")[
            window("residents_without_household")
        ]
    ]
    checks.append(
        Check(
            "residents_without_household",
            LABELS["residents_without_household"],
            homeless.count(),
            rows,
            per_child,
        )
    )

    # 3. Grids whose household count is outside the bounds (grouped count over the grid's households).
    grids = _base(Place, user, code).filter(kind=PlaceKind.GRID)
    sized = (
        grids.annotate(n=Count("grid_households"))
        .filter(Q(n__lt=bounds["grid_min"]) | Q(n__gt=bounds["grid_max"]))
        .only("id", "code", "name")
        .order_by("code")
    )
    rows = [
        Gap(
            g.code,
            g.name,
            (
                ngettext("%(count)d 户（少于规定）", "%(count)d 户（少于规定）", g.n)
                if g.n < bounds["grid_min"]
                else ngettext("%(count)d 户（多于规定）", "%(count)d 户（多于规定）", g.n)
            )
            % {"count": g.n},
            "personnel:roster",
            g.code,
        )
        for g in sized
    ]
    checks.append(
        Check(
            "grids_out_of_bounds",
            LABELS["grids_out_of_bounds"],
            len(rows),
            rows[window("grids_out_of_bounds")],
            _grouped(rows, child_length),
        )
    )

    # 4. Clusters over the maximum.
    big = (
        _base(Place, user, code)
        .filter(kind=PlaceKind.CLUSTER)
        .annotate(n=Count("cluster_households"))
        .filter(n__gt=bounds["cluster_max"])
        .only("id", "code", "name")
        .order_by("code")
    )
    rows = [
        Gap(
            c.code,
            c.name,
            ngettext("%(count)d 户", "%(count)d 户", c.n) % {"count": c.n},
            "personnel:roster",
            c.code[: CODE_LENGTH[PlaceKind.GRID]],
        )
        for c in big
    ]
    checks.append(
        Check(
            "clusters_over_max",
            LABELS["clusters_over_max"],
            len(rows),
            rows[window("clusters_over_max")],
            _grouped(rows, child_length),
        )
    )

    # 5. Grids without an appointed grid leader or grid worker.
    def serving(role: str):
        return Exists(Appointment.objects.filter(place=OuterRef("pk"), role=role, status=AppointmentStatus.APPOINTED))

    unstaffed = (
        grids.annotate(has_leader=serving(AppointmentRole.GRID_LEADER), has_worker=serving(AppointmentRole.GRID_WORKER))
        .filter(Q(has_leader=False) | Q(has_worker=False))
        .only("id", "code", "name")
        .order_by("code")
    )
    rows = []
    for g in unstaffed:
        if not g.has_leader and not g.has_worker:
            detail = gettext("缺网格长、网格员")
        elif not g.has_leader:
            detail = gettext("缺网格长")
        else:
            detail = gettext("缺网格员")
        rows.append(Gap(g.code, g.name, detail, "personnel:roster", g.code))
    checks.append(
        Check(
            "grids_unstaffed",
            LABELS["grids_unstaffed"],
            len(rows),
            rows[window("grids_unstaffed")],
            _grouped(rows, child_length),
        )
    )

    children = list(_base(Place, user, code).filter(parent=place).only("id", "code", "name", "kind").order_by("code"))
    return Report(place=place, checks=checks, children=children, bounds=bounds)
