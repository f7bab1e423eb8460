"""Reads for the demo: the headline figures of a place, and a digest of the demo data."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db.models import Count, Q

from gridgov.households.models import Household, Resident
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment, ChatGroup, PartyGroup, PatrolTeam
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int
    unit: str


def distinct_people(code: str, role: str) -> int:
    """People (not appointments) holding ``role`` under ``code``: one person may serve two grids."""
    current = Appointment.objects.within(code).filter(role=role, status=AppointmentStatus.APPOINTED)
    counts = current.aggregate(
        residents=Count("resident", distinct=True),
        others=Count("person_name", distinct=True, filter=Q(resident__isnull=True)),
    )
    return counts["residents"] + counts["others"]


def place_figures(code: str) -> list[Figure]:
    """The figures the 2022 report gives for 寨坝镇, computed from the records under ``code``."""
    places = {
        row["kind"]: row["n"] for row in Place.objects.within(code).order_by().values("kind").annotate(n=Count("*"))
    }
    return [
        Figure("villages", "村（社区）", places.get(PlaceKind.VILLAGE, 0), "个"),
        Figure("groups", "村民小组", places.get(PlaceKind.GROUP, 0), "个"),
        Figure("grids", "网格", places.get(PlaceKind.GRID, 0), "个"),
        Figure("clusters", "联户", places.get(PlaceKind.CLUSTER, 0), "个"),
        Figure("party_groups", "网格党小组", PartyGroup.objects.within(code).count(), "个"),
        Figure("grid_leaders", "网格长", distinct_people(code, AppointmentRole.GRID_LEADER), "名"),
        Figure("grid_workers", "网格员", distinct_people(code, AppointmentRole.GRID_WORKER), "名"),
        Figure("cluster_leaders", "联户长", distinct_people(code, AppointmentRole.CLUSTER_LEADER), "名"),
        Figure("chat_groups", '"好邻居"微信群', ChatGroup.objects.within(code).count(), "个"),
        Figure("patrol_teams", "治安巡逻队", PatrolTeam.objects.within(code).count(), "支"),
        Figure("patrol_members", "巡逻队员", distinct_people(code, AppointmentRole.PATROL_MEMBER), "名"),
        Figure("households", "户", Household.objects.within(code).count(), "户"),
        Figure("residents", "居民", Resident.objects.within(code).count(), "人"),
    ]


def figures_sentence(name: str, figures: list[Figure]) -> str:
    """One sentence in the report's words."""
    f = {x.key: x.value for x in figures}
    return (
        f"{name}共划分网格{f['grids']}个，组建网格党小组{f['party_groups']}个，选配网格长{f['grid_leaders']}名、"
        f"网格员{f['grid_workers']}名、联户长{f['cluster_leaders']}名，建立“好邻居”微信群{f['chat_groups']}个，"
        f"组建治安巡逻队{f['patrol_teams']}支；覆盖{f['households']:,}户、{f['residents']:,}人。"
    )


def demo_digest(code: str) -> str:
    """SHA-256 over the demo data under ``code`` by natural keys (codes, ID-number indexes), leaving out
    row ids, timestamps and the sealed bytes (their nonces are random): equal for equal data."""
    h = hashlib.sha256()

    def feed(rows) -> None:
        for row in rows:
            h.update(json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode())
            h.update(b"\n")

    feed(
        Place.objects.within(code)
        .order_by("code")
        .values_list("code", "name", "kind", "parent__code", "boundary", "centre")
    )
    feed(
        Household.objects.within(code)
        .order_by("number")
        .values_list(
            "number",
            "path",
            "grid__code",
            "cluster__code",
            "address",
            "house_type",
            "householder__id_number_index",
            "member_count",
            "point",
        )  # fmt: skip
    )
    feed(
        Resident.objects.within(code)
        .order_by("id_number_index")
        .values_list(
            "id_number_index",
            "id_number_masked",
            "path",
            "place__code",
            "household__number",
            "name",
            "sex",
            "birth_date",
            "phone_index",
            "phone_masked",
            "relation",
            "ethnicity",
            "is_party_member",
            "residence_type",
            "works_away",
            "works_away_place",
        )  # fmt: skip
    )
    feed(
        Appointment.objects.within(code)
        .order_by("place__code", "role", "resident__id_number_index", "person_name")
        .values_list(
            "place__code",
            "role",
            "resident__id_number_index",
            "person_name",
            "patrol_team__name",
            "status",
            "nominated_by",
            "nominated_on",
            "review_note",
            "reviewed_on",
            "term_start",
            "term_end",
        )  # fmt: skip
    )
    for group in PartyGroup.objects.within(code).order_by("path", "name").prefetch_related("grids"):
        feed([(group.path, group.name, group.leader_name, sorted(g.code for g in group.grids.all()))])
    feed(
        ChatGroup.objects.within(code)
        .order_by("grid__code", "name")
        .values_list("grid__code", "name", "owner_name", "member_count")
    )
    for team in PatrolTeam.objects.within(code).order_by("path", "name").prefetch_related("grids"):
        feed([(team.path, team.name, sorted(g.code for g in team.grids.all()))])
    return h.hexdigest()
