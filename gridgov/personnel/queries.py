"""Reads of personnel for one user: the roster of a grid and the appointment lists.

Every query starts from `Model.objects.for_user(user)` (filters only narrow it), with one
documented widening: the people *inside* a grid (its cluster leaders) may read that grid's roster,
because its leader and workers are their contacts. See `roster_grid`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from gridgov.core.models import scope_prefix
from gridgov.core.paging import page_number, page_of, slice_of  # noqa: F401  (the list pages' and the API's paging)
from gridgov.households.queries import filter_places  # noqa: F401  (the place filter of the roster page)
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment, ChatGroup, PartyGroup, PatrolTeam
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place

PLACE_CODE_RE = re.compile(r"^\d{2,24}$")
GRID_LENGTH = CODE_LENGTH[PlaceKind.GRID]

# Roles shown in a grid's roster in their own sections.
GRID_ROLES = (AppointmentRole.GRID_LEADER, AppointmentRole.GRID_WORKER)


# ---------------------------------------------------------------- the roster of one grid


def roster_grid(user, code: str) -> Place:
    """The grid whose roster ``user`` may read, or 404.

    Readable: a grid inside the user's area (for_user), and the grid that contains the user's own
    place (a cluster leader reads the roster of their grid: who leads it, who works in it).
    """
    prefix = scope_prefix(user)
    if prefix is None or not PLACE_CODE_RE.match(code) or len(code) != GRID_LENGTH:
        raise Http404("no such grid")
    if code.startswith(prefix):
        queryset = Place.objects.for_user(user)
    elif prefix.startswith(code):
        queryset = Place.objects.filter(code=prefix[: len(code)])  # the user's own grid, above their place
    else:
        raise Http404("out of scope")
    grid = queryset.filter(code=code, kind=PlaceKind.GRID).select_related("parent").first()
    if grid is None:
        raise Http404("no such grid")
    return grid


@dataclass
class ClusterRow:
    cluster: Place
    leaders: list[Appointment]


@dataclass
class Roster:
    grid: Place
    leaders: list[Appointment]
    workers: list[Appointment]
    clusters: list[ClusterRow]
    others: list[Appointment]  # red stewards, volunteers... at the grid
    pending: list[Appointment]  # nominated or reviewed, not yet decided
    party_groups: list[PartyGroup]
    chat_groups: list[ChatGroup]
    patrol_teams: list[PatrolTeam]

    @property
    def has_leader(self) -> bool:
        return bool(self.leaders)

    @property
    def has_worker(self) -> bool:
        return bool(self.workers)


def roster(user, code: str) -> Roster:
    """Everything about the people of one grid, in a fixed number of queries (5 after the grid)."""
    grid = roster_grid(user, code)
    appointments = list(
        Appointment.objects.within(grid.code)
        .filter(status__in=[AppointmentStatus.APPOINTED, AppointmentStatus.NOMINATED, AppointmentStatus.REVIEWED])
        .select_related("resident", "user")
        .order_by("path", "role", "id")
    )
    clusters = list(
        Place.objects.within(grid.code).filter(kind=PlaceKind.CLUSTER).only("code", "name", "kind").order_by("code")
    )
    appointed = [a for a in appointments if a.status == AppointmentStatus.APPOINTED]
    at_grid = [a for a in appointed if a.path == grid.code]
    by_cluster: dict[str, list[Appointment]] = {}
    for a in appointed:
        if a.role == AppointmentRole.CLUSTER_LEADER:
            by_cluster.setdefault(a.path, []).append(a)
    party_groups = list(grid.party_groups.all().order_by("path", "id"))
    chat_groups = list(ChatGroup.objects.within(grid.code).order_by("path", "id"))
    members = _members_in_scope(user)
    patrol_teams = list(
        grid.patrol_teams.all()
        .select_related("place")
        .prefetch_related(Prefetch("members", queryset=members, to_attr="current_members"))
        .order_by("path", "id")
    )
    return Roster(
        grid=grid,
        leaders=[a for a in at_grid if a.role == AppointmentRole.GRID_LEADER],
        workers=[a for a in at_grid if a.role == AppointmentRole.GRID_WORKER],
        clusters=[ClusterRow(c, by_cluster.get(c.code, [])) for c in clusters],
        others=[a for a in at_grid if a.role not in GRID_ROLES],
        pending=[a for a in appointments if a.status != AppointmentStatus.APPOINTED],
        party_groups=party_groups,
        chat_groups=chat_groups,
        patrol_teams=patrol_teams,
    )


# ---------------------------------------------------------------- appointment lists


@dataclass
class Filters:
    place: str = ""
    role: str = ""
    status: str = ""

    @classmethod
    def from_query(cls, params) -> Filters:
        place = (params.get("place") or "").strip()
        role = params.get("role") or ""
        status = params.get("status") or ""
        return cls(
            place=place if PLACE_CODE_RE.match(place) else "",
            role=role if role in AppointmentRole.values else "",
            status=status if status in AppointmentStatus.values else "",
        )

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in {"place": self.place, "role": self.role, "status": self.status}.items() if v}


def appointments_for(user, filters: Filters) -> QuerySet[Appointment]:
    qs = Appointment.objects.for_user(user)
    if filters.place:
        qs = qs.within(filters.place)
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.select_related("place", "resident").order_by("path", "role", "id")


def appointment_for(user, pk: int) -> Appointment:
    appointment = (
        Appointment.objects.for_user(user)
        .select_related("place", "resident", "user", "reviewed_by", "patrol_team")
        .filter(pk=pk)
        .first()
    )
    if appointment is None:
        raise Http404("no such appointment")
    return appointment


def place_for(user, code: str) -> Place:
    place = Place.objects.for_user(user).filter(code=code).first() if PLACE_CODE_RE.match(code or "") else None
    if place is None:
        raise Http404("no such place")
    return place


# ---------------------------------------------------------------- organisations (lists and the API)


def _covering_in_scope(model, user, place: str = ""):
    """Rows in the user's area, and rows registered higher up that cover a grid in the user's area.

    A party group or patrol team is registered to a village or town but works in grids; a grid worker
    sees the ones covering their grid. Both halves are bounded by `for_user`.
    """
    grids = Place.objects.for_user(user).filter(kind=PlaceKind.GRID)
    own = model.objects.for_user(user)
    if place:
        grids, own = grids.within(place), own.within(place)
    covering = model.objects.filter(grids__in=grids).values("pk")
    return model.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=covering))


def _grids_in_scope(user) -> QuerySet[Place]:
    """A group's or team's grids as the user may see them: a group covering the user's grid and others
    names only the grids in the user's area (out of scope is as if absent)."""
    return Place.objects.for_user(user).only("code", "name", "kind").order_by("code")


def _members_in_scope(user) -> QuerySet[Appointment]:
    """A team's members in office, as far as they serve in the user's area."""
    return Appointment.objects.for_user(user).filter(status=AppointmentStatus.APPOINTED).order_by("person_name", "id")


def party_groups_for(user, place: str = "") -> QuerySet[PartyGroup]:
    return (
        _covering_in_scope(PartyGroup, user, place)
        .select_related("village")
        .prefetch_related(Prefetch("grids", queryset=_grids_in_scope(user)))
        .order_by("path", "id")
    )


def patrol_teams_for(user, place: str = "") -> QuerySet[PatrolTeam]:
    return (
        _covering_in_scope(PatrolTeam, user, place)
        .select_related("place")
        .prefetch_related(
            Prefetch("grids", queryset=_grids_in_scope(user)),
            Prefetch("members", queryset=_members_in_scope(user), to_attr="current_members"),
        )
        .order_by("path", "id")
    )


def chat_groups_for(user, place: str = "") -> QuerySet[ChatGroup]:
    qs = ChatGroup.objects.for_user(user)
    if place:
        qs = qs.within(place)
    return qs.select_related("grid").order_by("path", "id")
