"""The demo town's field accounts: one login per appointed grid worker and grid leader.

The demo people (appointments) of 寨坝镇 have no accounts except the few demo logins; the field
activity (visits, follow-ups) needs them as visitors and responsible persons. The accounts get an
unusable password (a security administrator sets one when a person starts using the system), the
grid leaders hold the key-population grant (they are the responsible persons, 包保责任人), and each
appointment is linked to its account. Created once; running again changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from gridgov.accounts.choices import Role
from gridgov.accounts.models import User
from gridgov.demo.build import DEMO_TOWN
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place

VILLAGE_LENGTH = CODE_LENGTH[PlaceKind.VILLAGE]


@dataclass
class FieldAccounts:
    """Who works each grid: user ids of its grid workers and grid leaders."""

    workers: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    leaders: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def of(self, grid_code: str) -> list[int]:
        return self.workers.get(grid_code, []) + self.leaders.get(grid_code, [])


def _appointments(town: str) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            path__startswith=town,
            role__in=[AppointmentRole.GRID_WORKER, AppointmentRole.GRID_LEADER],
            status=AppointmentStatus.APPOINTED,
        )
        .select_related("place")
        .order_by("id")
    )


def ensure_field_accounts(town: str = DEMO_TOWN) -> FieldAccounts:
    """Create the missing accounts of the town's grid workers and leaders; return who works which grid."""
    appointments = _appointments(town)
    # One account per person: a grid leader of several grids of one village is bound to the village.
    people: dict[tuple, list[Appointment]] = defaultdict(list)
    for a in appointments:
        people[(a.role, a.resident_id or a.person_name)].append(a)
    unusable = make_password(None)
    new_users: list[tuple[User, list[Appointment]]] = []
    for (role, _), held in people.items():
        if any(a.user_id for a in held):
            continue
        first = held[0]
        villages = {a.place.code[:VILLAGE_LENGTH] for a in held}
        place_id = first.place_id
        if len(held) > 1 and len(villages) == 1:
            place_id = None  # set below to the village
        user = User(
            username=f"{'gl' if role == AppointmentRole.GRID_LEADER else 'gw'}{first.pk}",
            display_name=first.person_name,
            role=Role.GRID_LEADER if role == AppointmentRole.GRID_LEADER else Role.GRID_WORKER,
            place_id=place_id,
            password=unusable,
            may_view_key_population=role == AppointmentRole.GRID_LEADER,
        )
        new_users.append((user, held))
    if new_users:
        village_codes = {
            h[0].place.code[:VILLAGE_LENGTH] for u, h in new_users if u.place_id is None
        }  # fmt: skip
        village_ids = dict(Place.objects.filter(code__in=village_codes).values_list("code", "id"))
        for user, held in new_users:
            if user.place_id is None:
                user.place_id = village_ids[held[0].place.code[:VILLAGE_LENGTH]]
        users = User.objects.bulk_create([u for u, _ in new_users])
        linked = []
        for user, (_, held) in zip(users, new_users, strict=True):
            for a in held:
                a.user_id = user.pk
                linked.append(a)
        Appointment.objects.bulk_update(linked, ["user"], batch_size=500)
    out = FieldAccounts()
    for a in appointments:
        target = out.leaders if a.role == AppointmentRole.GRID_LEADER else out.workers
        if a.user_id and a.user_id not in target[a.place.code]:
            target[a.place.code].append(a.user_id)
    return out
