"""Reads for the demo: a digest of the demo data (the figures of a place are `gridgov.stats.reports`)."""

from __future__ import annotations

import hashlib
import json

from gridgov.households.models import Household, Resident
from gridgov.personnel.models import Appointment, ChatGroup, PartyGroup, PatrolTeam
from gridgov.places.models import Place


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
