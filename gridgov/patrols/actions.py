"""State changes of patrol logs: record a patrol (idempotent by the client's record id), turn a finding into a matter.

Each function checks its guard (raising `ActionRefused` with a message for the user), validates its
input (`ValidationError`) and writes inside ``transaction.atomic()``; the audit log records the rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.accounts.choices import Role
from gridgov.core.actions import ActionRefused
from gridgov.core.models import in_scope, scope_prefix
from gridgov.patrols.choices import Shift
from gridgov.patrols.models import Patrol, PatrolMatter
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment, PatrolTeam
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place

# Who writes patrol logs: the governance center, the village committee, grid leaders and grid workers
# (patrol members rarely hold accounts; the village or the grid worker with them types the log).
RECORDING_ROLES = frozenset({Role.CENTER_STAFF, Role.VILLAGE_COMMITTEE, Role.GRID_LEADER, Role.GRID_WORKER})
MAX_BACKDATE = dt.timedelta(days=366)
MAX_DURATION = 24 * 60
PLACE_LENGTHS = sorted(set(CODE_LENGTH.values()))


def team_overlaps(user, team: PatrolTeam) -> bool:
    """A team registered within the user's area, or above it (a village team seen by its grid worker)."""
    prefix = scope_prefix(user)
    return prefix is not None and (team.path.startswith(prefix) or prefix.startswith(team.path))


def can_record_patrol(user, team: PatrolTeam) -> None:
    if scope_prefix(user) is None or user.role not in RECORDING_ROLES:
        raise ActionRefused(gettext("您的账号不能登记巡逻"))
    if not team_overlaps(user, team):
        raise ActionRefused(gettext("该巡逻队不在您的管辖范围内"))


def route_path(codes: Iterable[str]) -> str:
    """The code of the lowest place containing every grid of a route (grids of one group → the group)."""
    codes = list(codes)
    common = codes[0]
    for code in codes[1:]:
        n = 0
        while n < min(len(common), len(code)) and common[n] == code[n]:
            n += 1
        common = common[:n]
    fits = [n for n in PLACE_LENGTHS if n <= len(common)]
    return common[: fits[-1]] if fits else ""


@dataclass
class PatrolInput:
    team: PatrolTeam
    date: dt.date
    duration_minutes: int
    route: list[Place]
    shift: str = Shift.NIGHT
    members: list[Appointment] = field(default_factory=list)
    others: str = ""
    headcount: int | None = None  # None: the members present plus nobody else
    findings: str = ""
    client_uuid: uuid.UUID | None = None


def _validate(user, data: PatrolInput) -> tuple[list[Place], list[Appointment], int]:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if data.shift not in Shift.values:
        errors["shift"] = gettext("时段无效")
    if data.date > today:
        errors["date"] = gettext("巡逻日期不能晚于今天")
    elif data.date < today - MAX_BACKDATE:
        errors["date"] = gettext("巡逻日期不能早于一年前")
    if not 1 <= data.duration_minutes <= MAX_DURATION:
        errors["duration_minutes"] = gettext("时长应在 1 至 1440 分钟之间")
    route = sorted({g.pk: g for g in data.route}.values(), key=lambda g: g.code)
    if not route:
        errors["route"] = gettext("请至少选择一个巡逻网格")
    for grid in route:
        if grid.kind != PlaceKind.GRID:
            errors["route"] = gettext("%(name)s 不是网格") % {"name": grid.name}
        elif not grid.code.startswith(data.team.path):
            errors["route"] = gettext("%(name)s 不在该巡逻队的巡逻范围内") % {"name": grid.name}
        elif not in_scope(user, grid.code):
            errors["route"] = gettext("%(name)s 不在您的管辖范围内") % {"name": grid.name}
    members = list({m.pk: m for m in data.members}.values())
    for member in members:
        if (
            member.patrol_team_id != data.team.pk
            or member.role != AppointmentRole.PATROL_MEMBER
            or member.status != AppointmentStatus.APPOINTED
        ):
            errors["members"] = gettext("%(name)s 不是该巡逻队的在任队员") % {"name": member.person_name}
    headcount = len(members) if data.headcount is None else data.headcount
    if headcount < len(members) or headcount > 999:
        errors["headcount"] = gettext("参加人数不能少于所选队员人数")
    elif headcount < 1:
        errors["headcount"] = gettext("请选择参加的队员或填写参加人数")
    if len(data.others) > 200:
        errors["others"] = gettext("“其他参加人员”不能超过200字")
    if len(data.findings) > 5000:
        errors["findings"] = gettext("发现情况不能超过5000字")
    if errors:
        raise ValidationError(errors)
    return route, members, headcount


def _replay(user, client_uuid: uuid.UUID) -> Patrol | None:
    existing = Patrol.objects.filter(client_uuid=client_uuid).first()
    if existing is not None and not in_scope(user, existing.path):
        raise ActionRefused(gettext("该记录ID已被其他记录使用"))
    return existing


def record_patrol(user, data: PatrolInput) -> tuple[Patrol, bool]:
    """登记巡逻. Returns (patrol, created): a ``client_uuid`` seen before returns the first record unchanged."""
    if data.client_uuid is not None:
        existing = _replay(user, data.client_uuid)
        if existing is not None:
            return existing, False
    can_record_patrol(user, data.team)
    route, members, headcount = _validate(user, data)
    patrol = Patrol(
        path=route_path(g.code for g in route),
        team=data.team,
        date=data.date,
        shift=data.shift,
        duration_minutes=data.duration_minutes,
        others=data.others.strip(),
        headcount=headcount,
        findings=data.findings.strip(),
        client_uuid=data.client_uuid,
        recorded_by=user,
    )
    try:
        with transaction.atomic():
            patrol.save()
            patrol.route.set(route)
            if members:
                patrol.members.set(members)
    except IntegrityError:
        # Two uploads of the same offline record raced: the other one won; return it.
        existing = _replay(user, data.client_uuid) if data.client_uuid is not None else None
        if existing is None:
            raise
        return existing, False
    return patrol, True


def record_matter_from_patrol(user, patrol: Patrol, data):
    """转为事项: record a matter (``data``: a `gridgov.matters.actions.MatterInput`) and link it to the patrol.

    The matter engine's own action records it (its guards, its timeline); the link is written in the
    same transaction, so a matter from a patrol never lacks its patrol.
    """
    from gridgov.matters.actions import record_matter

    if not in_scope(user, patrol.path):
        raise ActionRefused(gettext("该巡逻记录不在您的管辖范围内"))
    with transaction.atomic():
        matter = record_matter(user, data)
        PatrolMatter.objects.create(patrol=patrol, matter=matter)
    return matter
