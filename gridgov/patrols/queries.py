"""Reads of patrol logs for one user: lists with filters, details, the teams a user may log for.

Patrols are read through `Patrol.objects.for_user(user)`. A patrol's path is the lowest place
containing its whole route, so a grid worker sees the patrols through their grid alone, a village
everything within it, a town all of its teams' patrols.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from gridgov.core.models import scope_prefix
from gridgov.households.queries import normalize_search
from gridgov.patrols.choices import Shift
from gridgov.patrols.models import Patrol
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment, PatrolTeam
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place

PLACE_CODE_RE = re.compile(r"^\d{2,24}$")
LIST_FIELDS = (
    "id", "path", "team", "team__name", "date", "shift", "duration_minutes", "headcount", "findings", "others",
)  # fmt: skip


def _date(raw) -> dt.date | None:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


def _int(raw) -> int | None:
    raw = str(raw or "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@dataclass
class PatrolFilters:
    place: str = ""
    team: int | None = None
    shift: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    findings: bool = False

    @classmethod
    def from_query(cls, params) -> PatrolFilters:
        place = normalize_search(params.get("place"))
        shift = params.get("shift", "")
        return cls(
            place=place if PLACE_CODE_RE.match(place) else "",
            team=_int(params.get("team")),
            shift=shift if shift in Shift.values else "",
            since=_date(params.get("since")),
            until=_date(params.get("until")),
            findings=str(params.get("findings", "")) in {"1", "true", "on"},
        )

    def as_query(self) -> dict[str, str]:
        out = {
            "place": self.place,
            "team": str(self.team or ""),
            "shift": self.shift,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "findings": "1" if self.findings else "",
        }
        return {k: v for k, v in out.items() if v}


def patrols_for(user, filters: PatrolFilters) -> QuerySet[Patrol]:
    qs = Patrol.objects.for_user(user)
    if filters.place:
        qs = qs.within(filters.place)
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team)
    if filters.shift:
        qs = qs.filter(shift=filters.shift)
    if filters.since:
        qs = qs.filter(date__gte=filters.since)
    if filters.until:
        qs = qs.filter(date__lte=filters.until)
    if filters.findings:
        qs = qs.exclude(findings="")
    return qs.select_related("team").order_by("-date", "-id")


def totals(queryset: QuerySet[Patrol]) -> dict[str, int]:
    """Patrols of a filtered list counted: all, at night, with findings, people taking part (one query)."""
    counts = queryset.order_by().aggregate(
        patrols=Count("id"),
        nights=Count("id", filter=Q(shift=Shift.NIGHT)),
        findings=Count("id", filter=~Q(findings="")),
        people=Sum("headcount"),
    )
    counts["people"] = counts["people"] or 0
    return counts


def patrol_for(user, pk: int) -> Patrol:
    return get_object_or_404(Patrol.objects.for_user(user).select_related("team", "recorded_by"), pk=pk)


def route_names(patrols: list[Patrol]) -> None:
    """Attach ``route_list`` (grids, by code) to each patrol with one query for the whole page."""
    through = Patrol.route.through
    grids: dict[int, list[Place]] = {}
    rows = (
        through.objects.filter(patrol_id__in=[p.pk for p in patrols])
        .select_related("place")
        .only("patrol_id", "place__id", "place__code", "place__name")
        .order_by("patrol_id", "place__code")
    )
    for row in rows:
        grids.setdefault(row.patrol_id, []).append(row.place)
    for patrol in patrols:
        patrol.route_list = grids.get(patrol.pk, [])


def member_names(patrols: list[Patrol]) -> None:
    """Attach ``member_list`` (names of the members present) to each patrol with one query."""
    through = Patrol.members.through
    names: dict[int, list[str]] = {}
    rows = (
        through.objects.filter(patrol_id__in=[p.pk for p in patrols])
        .values_list("patrol_id", "appointment_id", "appointment__person_name")
        .order_by("patrol_id", "appointment_id")
    )
    for patrol_id, appointment_id, name in rows:
        names.setdefault(patrol_id, []).append((appointment_id, name))
    for patrol in patrols:
        pairs = names.get(patrol.pk, [])
        patrol.member_ids = [pk for pk, _ in pairs]
        patrol.member_list = [name for _, name in pairs]


def matters_of(user, patrol: Patrol) -> list:
    """The matters recorded from a patrol that the user may see (the matter engine's own scope)."""
    from gridgov.matters.models import Matter

    return list(
        Matter.objects.for_user(user)
        .filter(pk__in=patrol.matter_links.values("matter_id"))
        .only("id", "kind", "title", "state", "created_at")
        .order_by("id")
    )


def teams_for(user) -> QuerySet[PatrolTeam]:
    """Teams a user may log for: registered within the user's area, or above it (their village's or town's).

    Team names are organisation data the user's roster already shows; their patrols stay scoped.
    """
    prefix = scope_prefix(user)
    if prefix is None:
        return PatrolTeam.objects.none()
    above = [prefix[:n] for n in sorted(set(CODE_LENGTH.values())) if n < len(prefix)]
    return (
        PatrolTeam.objects.filter(Q(path__within=prefix) | Q(path__in=above))
        .select_related("place")
        .order_by("path", "id")
    )


def team_for(user, pk: int | None) -> PatrolTeam:
    return get_object_or_404(teams_for(user), pk=pk)


def route_choices(user, team: PatrolTeam) -> QuerySet[Place]:
    """Grids a patrol of ``team`` logged by ``user`` may pass: the team's area within the user's area."""
    prefix = scope_prefix(user) or "-"
    inner = team.path if team.path.startswith(prefix) else prefix
    return Place.objects.for_user(user).within(inner).filter(kind=PlaceKind.GRID).only("id", "code", "name")


def team_grid_ids(team: PatrolTeam) -> list[int]:
    return list(team.grids.values_list("id", flat=True))


def current_members(team: PatrolTeam) -> QuerySet[Appointment]:
    return Appointment.objects.filter(
        patrol_team=team, role=AppointmentRole.PATROL_MEMBER, status=AppointmentStatus.APPOINTED
    ).order_by("id")
