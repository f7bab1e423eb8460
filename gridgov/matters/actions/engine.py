"""What every state change of a matter shares: the row lock, the timeline writer, arrivals and time limits.

`_event` is the one function that writes a matter's timeline (`MatterEvent`): every action calls it exactly
once per change, inside the action's transaction, so whatever must follow a matter's events hooks in there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from gridgov.matters.choices import (
    LEVEL_BY_CODE_LENGTH,
    LEVEL_CODE_LENGTH,
    MatterState,
)
from gridgov.matters.models import (
    DeadlineRule,
    Department,
    Matter,
    MatterEvent,
)
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place

SYSTEM = "系统"
MEDIATOR_ROLES = frozenset({AppointmentRole.MEDIATOR, AppointmentRole.FIVE_ELDERS, AppointmentRole.RED_STEWARD})


@dataclass(frozen=True)
class _Before:
    state: str
    level: str
    unit_id: int | None
    department_id: int | None


def _before(matter: Matter) -> _Before:
    return _Before(matter.state, matter.deadline_level, matter.holder_place_id, matter.holder_department_id)


def _lock(matter: Matter) -> Matter:
    """Re-read ``matter`` under a row lock (the caller's object is refreshed in place)."""
    matter.refresh_from_db(from_queryset=Matter.objects.select_for_update())
    matter.remember_saved_state()
    return matter


def _save(matter: Matter, fields: Iterable[str]) -> None:
    matter.save(update_fields=[*dict.fromkeys(fields), "updated_at"])


def _actor_name(user, system_actor: str = "") -> str:
    if user is None:
        return system_actor or SYSTEM
    return user.display_name or user.username


def _event(
    user,
    matter: Matter,
    before: _Before | None,
    action: str,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    system_actor: str = "",
) -> MatterEvent:
    return MatterEvent.objects.create(
        path=matter.path,
        matter=matter,
        at=at or timezone.now(),
        actor=user,
        actor_name=_actor_name(user, system_actor),
        action=action,
        from_state=before.state if before else "",
        to_state=matter.state,
        from_level=before.level if before else "",
        to_level=matter.deadline_level,
        from_unit_id=before.unit_id if before else None,
        to_unit_id=matter.holder_place_id,
        from_department_id=before.department_id if before else None,
        to_department_id=matter.holder_department_id,
        note=note,
        data=data or {},
    )


def _unit_code(path: str, level: str) -> str:
    return path[: LEVEL_CODE_LENGTH[level]]


def _unit(code: str) -> Place:
    try:
        return Place.objects.get(code=code)
    except Place.DoesNotExist:
        raise ValidationError(f"地域 {code} 不存在") from None


ARRIVAL_FIELDS = [
    "level",
    "holder_place",
    "holder_path",
    "holder_department",
    "state",
    "arrived_at",
    "deadline_at",
    "red_card_at",
    "overdue",
    "card",
]


_RULE_HOURS_SQL = f"SELECT hours FROM {DeadlineRule._meta.db_table} WHERE kind = %s AND color = %s AND level = %s"


def _rule_hours(kind: str, color: str, level: str) -> int | None:
    """The time limit in hours for ``kind`` x ``color`` x ``level``, or None. A plain one-row read through
    the rule's unique index: every arrival runs it (Open311 intake at hundreds a second), and the ORM's
    query building cost more than the read; always the current table, so no cache to go stale."""
    with connection.cursor() as cursor:
        cursor.execute(_RULE_HOURS_SQL, [kind, color, level])
        row = cursor.fetchone()
    return row[0] if row else None


def _set_deadline(matter: Matter, now: dt.datetime) -> None:
    hours = _rule_hours(matter.kind, matter.color, matter.deadline_level)
    matter.arrived_at = now
    matter.overdue = False
    matter.card = ""
    if hours is None:
        matter.deadline_at = matter.red_card_at = None
    else:
        matter.deadline_at = now + dt.timedelta(hours=hours)
        matter.red_card_at = now + dt.timedelta(hours=2 * hours)


def _arrive(
    matter: Matter,
    *,
    unit: Place,
    state: str,
    now: dt.datetime,
    department: Department | None = None,
) -> None:
    """Hand ``matter`` to ``unit`` (or to ``department`` on behalf of ``unit``): a new holding, a new time limit."""
    matter.level = LEVEL_BY_CODE_LENGTH[len(unit.code)]
    matter.holder_place = unit
    matter.holder_path = unit.code
    matter.holder_department = department
    matter.state = state
    _set_deadline(matter, now)


def _mark_resolved(matter: Matter, now: dt.datetime, result: str) -> list[str]:
    matter.state = MatterState.RESOLVED
    matter.result = result
    matter.resolved_at = now
    matter.feedback_accepted_at = None
    return ["state", "result", "resolved_at", "feedback_accepted_at"]


def _text(value: str, field_name: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field_name: f"请填写{label}"})
    return value


def _check_helpers(appointments: Iterable[Appointment], matter: Matter, roles: frozenset[str], label: str) -> list:
    people = list(appointments)
    if not people:
        raise ValidationError({"mediators": f"请选择{label}"})
    for person in people:
        if person.role not in roles:
            raise ValidationError({"mediators": f"{person.person_name}不是{label}"})
        if person.status != AppointmentStatus.APPOINTED:
            raise ValidationError({"mediators": f"{person.person_name}不在任"})
        if not matter.path.startswith(person.path):
            raise ValidationError({"mediators": f"{person.person_name}不在事项所在地任职"})
    return people
