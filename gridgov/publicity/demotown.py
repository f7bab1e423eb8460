"""What the activity demos (publicity, deliberations, deeds, clean-ups) read of the seeded demo town.

One pass over places, households with their householders, and appointed people; plus helpers to
write demo rows dated in the past (``created_at`` on the day the record was made, not seeding time).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Cast

from gridgov.households.models import Household, Resident
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place

DEMO_TOWN = "520330113"
SINCE = dt.date(2021, 1, 1)
EVENING = dt.timedelta(hours=11, minutes=30)  # 19:30 in China (UTC+8)


@dataclass
class DemoTown:
    code: str
    ids: dict[str, int]
    names: dict[str, str]
    villages: list[str]
    groups: dict[str, list[str]]  # village -> groups
    grids: dict[str, list[str]]  # village or group -> grids
    homes: dict[str, list[tuple[int, str, int, str]]]  # grid -> (household id, path, householder id, name)
    people: dict[tuple[str, str], list[str]]  # (role, village) -> names

    def person(self, rng: random.Random, village: str, *roles: str, fallback: str) -> str:
        for role in roles:
            names = self.people.get((role, village))
            if names:
                return rng.choice(names)
        return fallback


def load_town(code: str = DEMO_TOWN) -> DemoTown | None:
    places = list(Place.objects.within(code).values_list("code", "id", "name", "kind").order_by("code"))
    if not places:
        return None
    ids = {c: i for c, i, _, _ in places}
    names = {c: n for c, _, n, _ in places}
    villages = [c for c, _, _, k in places if k == "village"]
    groups: dict[str, list[str]] = defaultdict(list)
    grids: dict[str, list[str]] = defaultdict(list)
    for c, _, _, kind in places:
        if kind == "group":
            groups[c[:12]].append(c)
        elif kind == "grid":
            grids[c[:12]].append(c)
            grids[c[:14]].append(c)
    heads = dict(
        Resident.objects.within(code).filter(relation="householder").values_list("household_id", "id").order_by()
    )
    head_names = dict(Resident.objects.within(code).filter(relation="householder").values_list("id", "name").order_by())
    homes: dict[str, list] = defaultdict(list)
    for hid, path, grid_code in Household.objects.within(code).values_list("id", "path", "grid__code").order_by("id"):
        rid = heads.get(hid)
        if rid is not None and grid_code:
            homes[grid_code].append((hid, path, rid, head_names[rid]))
    people: dict[tuple[str, str], list[str]] = defaultdict(list)
    for role, path, name in (
        Appointment.objects.within(code)
        .filter(status=AppointmentStatus.APPOINTED)
        .values_list("role", "path", "person_name")
        .order_by("id")
    ):
        if len(path) >= 12:
            people[(role, path[:12])].append(name)
            if role == AppointmentRole.GRID_WORKER:
                people[(role, path)].append(name)
    return DemoTown(code, ids, names, villages, dict(groups), dict(grids), dict(homes), dict(people))


def months(since: dt.date, today: dt.date):
    """The first day of every month from ``since`` to ``today``."""
    day = since.replace(day=1)
    while day <= today:
        yield day
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def day_in_month(rng: random.Random, first: dt.date, today: dt.date) -> dt.date:
    last = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)) - dt.timedelta(days=1)
    day = first + dt.timedelta(days=rng.randrange((min(last, today) - first).days + 1))
    return day


def backdate(rows: models.QuerySet, day) -> int:
    """Date freshly bulk-created rows on the evening of their own day (``day``: a date field or expression),
    not at seeding time: one UPDATE."""
    if isinstance(day, str):
        day = F(day)
    evening = Cast(day, models.DateTimeField()) + Value(EVENING, output_field=models.DurationField())
    return rows.update(created_at=evening, updated_at=evening)
