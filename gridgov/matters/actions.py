"""State changes of matters: one function per action of the three-level linked disposal (三级联动处置).

Every function re-reads the matter under lock inside ``transaction.atomic()``, checks its
guard ``can_<action>(user, matter)`` (which raises `ActionRefused` with a message for the
user), validates its input (``ValidationError``), saves with ``update_fields`` and writes
exactly one `MatterEvent` — the matter's timeline. Views, the API, Open311 intake and the
deadline job call these; nothing else changes a matter.

Who acts on a matter is decided by where it is held:
- grid level: the grid workers of that grid and the grid leaders of it (or of its village);
- village level: the village committee of that village;
- town / county level: the governance-center staff of that town / county;
- routed to a department: only that department's liaisons.
Household-cluster leaders only record matters (quick report) and read their own reports.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from gridgov.accounts.choices import Role
from gridgov.core.actions import ActionRefused
from gridgov.core.models import scope_prefix
from gridgov.core.writes import batched_writes
from gridgov.households.models import Household, Resident
from gridgov.matters import files
from gridgov.matters.choices import (
    LEVEL_BY_CODE_LENGTH,
    LEVEL_CODE_LENGTH,
    LEVEL_ORDER,
    OPEN_STATES,
    AnswerType,
    CardColor,
    FeedbackMethod,
    FeedbackVerdict,
    Level,
    MatterAction,
    MatterKind,
    MatterState,
    MediationOutcome,
    Recurrence,
    ReporterType,
    RiskColor,
    SourceChannel,
)
from gridgov.matters.models import (
    Attachment,
    Category,
    DeadlineRule,
    Department,
    Feedback,
    Matter,
    MatterConfig,
    MatterEvent,
    MatterRouting,
    MediationAgreement,
    MediationSession,
    Supervision,
    private_storage,
)
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place, validate_geojson
from gridgov.utils.idnumber import InvalidPhone, normalize_phone

RECORDING_ROLES = frozenset(
    {Role.GRID_WORKER, Role.GRID_LEADER, Role.VILLAGE_COMMITTEE, Role.CENTER_STAFF, Role.CLUSTER_LEADER}
)
MEDIATOR_ROLES = frozenset({AppointmentRole.MEDIATOR, AppointmentRole.FIVE_ELDERS, AppointmentRole.RED_STEWARD})
ACTIVE = (MatterState.PENDING, MatterState.IN_PROGRESS)
SYSTEM = "系统"


class StateRefused(ActionRefused):
    """The matter's state does not allow the action now (the API answers 409, not 403)."""


# ---------------------------------------------------------------- who holds a matter


def _usable(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active and bool(user.role)


def acts_for_unit(user, level: str, unit_code: str) -> bool:
    """Whether ``user`` works for the unit at ``level`` whose place code is ``unit_code``."""
    if not _usable(user) or user.place_id is None:
        return False
    code = user.place.code
    if level == Level.GRID:
        return (user.role == Role.GRID_WORKER and code == unit_code) or (
            user.role == Role.GRID_LEADER and unit_code.startswith(code)
        )
    if level == Level.VILLAGE:
        return user.role == Role.VILLAGE_COMMITTEE and code == unit_code
    if level in (Level.TOWN, Level.COUNTY):
        return user.role == Role.CENTER_STAFF and code == unit_code
    return False


def is_liaison_of(user, department_id: int | None) -> bool:
    if not _usable(user) or user.role != Role.DEPARTMENT_LIAISON or department_id is None:
        return False
    return Department.liaisons.through.objects.filter(department_id=department_id, user_id=user.pk).exists()


def holds(user, matter: Matter) -> bool:
    """Whether ``user`` acts for whoever holds ``matter`` now (its unit, or the department it was routed to)."""
    if matter.holder_department_id is not None:
        return is_liaison_of(user, matter.holder_department_id)
    return acts_for_unit(user, matter.level, matter.holder_path)


def _holder_name(matter: Matter) -> str:
    if matter.holder_department_id is not None:
        return matter.holder_department.name
    return matter.holder_place.name


def _refuse_unless_user(user) -> None:
    if not _usable(user) or user.role not in RECORDING_ROLES | {Role.DEPARTMENT_LIAISON}:
        raise ActionRefused(gettext("您的账号不办理事项"))


def _require_holder(user, matter: Matter, label: str) -> None:
    _refuse_unless_user(user)
    if holds(user, matter):
        return
    if user.role == Role.DEPARTMENT_LIAISON:
        raise ActionRefused(gettext("该事项不在您的部门办理，不能%(action)s") % {"action": gettext(label)})
    if user.role == Role.CLUSTER_LEADER:
        raise ActionRefused(gettext("联户长只能上报事项，不能%(action)s") % {"action": gettext(label)})
    raise ActionRefused(
        gettext("该事项现由%(holder)s办理，您不能%(action)s")
        % {"holder": _holder_name(matter), "action": gettext(label)}
    )


def _require_unit_holder(user, matter: Matter, label: str) -> None:
    """Actions only the holding unit takes (not a department it was routed to)."""
    _require_holder(user, matter, label)
    if matter.holder_department_id is not None:
        raise ActionRefused(
            gettext("事项正在%(department)s办理，请先由部门反馈结果再%(action)s")
            % {"department": matter.holder_department.name, "action": gettext(label)}
        )


def _require_kind(matter: Matter, kinds: Iterable[str], label: str) -> None:
    kinds = tuple(kinds)
    if matter.kind not in kinds:
        names = "、".join(str(MatterKind(k).label) for k in kinds)
        raise ActionRefused(gettext("只有%(kinds)s事项可以%(action)s") % {"kinds": names, "action": gettext(label)})


def _require_state(matter: Matter, states: Iterable[str], label: str) -> None:
    if matter.state not in tuple(states):
        raise StateRefused(
            gettext("事项当前为“%(state)s”，不能%(action)s")
            % {"state": matter.get_state_display(), "action": gettext(label)}
        )


# ---------------------------------------------------------------- guards (raise ActionRefused)


def can_record(user, place: Place) -> None:
    """Business users record matters located in their area; cluster leaders in their own cluster."""
    if not _usable(user) or user.role not in RECORDING_ROLES:
        raise ActionRefused(gettext("您的账号不能登记事项"))
    prefix = scope_prefix(user)
    if prefix is None or not place.code.startswith(prefix):
        raise ActionRefused(gettext("%(place)s 不在您的管辖范围内") % {"place": place.name})


def can_accept(user, matter: Matter) -> None:
    _require_holder(user, matter, gettext_noop("受理"))
    _require_state(matter, [MatterState.PENDING], gettext_noop("受理"))


def can_resolve_on_spot(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("现场处置"))
    if matter.kind == MatterKind.HAZARD:
        raise ActionRefused(gettext("隐患须整改并经复查后才能办结"))
    _require_state(matter, ACTIVE, gettext_noop("现场处置"))


def can_report_up(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("上报"))
    _require_state(matter, ACTIVE, gettext_noop("上报"))
    if matter.level == Level.COUNTY:
        raise ActionRefused(gettext("事项已在县级，不能再上报"))


def can_route_to_department(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("交办部门"))
    if matter.level == Level.GRID:
        raise ActionRefused(gettext("网格不能直接交办部门，请上报村（居）委会"))
    _require_state(matter, ACTIVE, gettext_noop("交办部门"))


def can_department_reply(user, matter: Matter) -> None:
    _refuse_unless_user(user)
    if not is_liaison_of(user, matter.holder_department_id):
        raise ActionRefused(gettext("只有承办部门的联络人可以反馈办理结果"))
    _require_state(matter, [MatterState.AT_DEPARTMENT], gettext_noop("反馈办理结果"))


def can_send_back(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("下发结果"))
    _require_state(matter, [MatterState.IN_PROGRESS], gettext_noop("下发结果"))
    if len(matter.holder_path) >= len(_lowest_unit_code(matter.path)):
        raise ActionRefused(gettext("事项已在最基层单位，无处下发"))
    if not matter.result:
        raise ActionRefused(gettext("还没有办理结果，不能下发"))


def can_return_with_reason(user, matter: Matter) -> None:
    _require_holder(user, matter, gettext_noop("回退"))
    if matter.holder_department_id is not None:
        _require_state(matter, [MatterState.AT_DEPARTMENT], gettext_noop("回退"))
        return
    _require_state(matter, ACTIVE, gettext_noop("回退"))
    if len(matter.holder_path) >= len(_lowest_unit_code(matter.path)):
        raise ActionRefused(gettext("事项已在最基层单位，无处回退"))


def can_merge_as_duplicate(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("合并重复事项"))
    _require_state(matter, ACTIVE, gettext_noop("合并重复事项"))


def can_reopen(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("重新办理"))
    _require_state(matter, [MatterState.RESOLVED, MatterState.CLOSED], gettext_noop("重新办理"))


def can_schedule_mediation(user, matter: Matter) -> None:
    _require_holder(user, matter, gettext_noop("安排调解"))
    _require_kind(matter, [MatterKind.DISPUTE], gettext_noop("安排调解"))
    _require_state(matter, [*ACTIVE, MatterState.AT_DEPARTMENT], gettext_noop("安排调解"))


def can_record_mediation(user, matter: Matter) -> None:
    _require_holder(user, matter, gettext_noop("记录调解"))
    _require_kind(matter, [MatterKind.DISPUTE], gettext_noop("记录调解"))
    _require_state(matter, [*ACTIVE, MatterState.AT_DEPARTMENT], gettext_noop("记录调解"))


def can_record_agreement(user, matter: Matter) -> None:
    _require_holder(user, matter, gettext_noop("登记调解协议"))
    _require_kind(matter, [MatterKind.DISPUTE], gettext_noop("登记调解协议"))
    _require_state(matter, [*ACTIVE, MatterState.AT_DEPARTMENT], gettext_noop("登记调解协议"))


def can_answer(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("答复诉求"))
    _require_kind(matter, [MatterKind.APPEAL], gettext_noop("答复"))
    _require_state(matter, ACTIVE, gettext_noop("答复诉求"))


def can_rectify(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("登记整改"))
    _require_kind(matter, [MatterKind.HAZARD], gettext_noop("登记整改"))
    _require_state(matter, ACTIVE, gettext_noop("登记整改"))


def can_reinspect(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("复查"))
    _require_kind(matter, [MatterKind.HAZARD], gettext_noop("复查"))
    _require_state(matter, [MatterState.REINSPECTION], gettext_noop("复查"))


def can_proxy_handle(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("代办"))
    _require_kind(matter, [MatterKind.HARDSHIP], gettext_noop("代办"))
    _require_state(matter, ACTIVE, gettext_noop("代办"))


def can_record_feedback(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("回访"))
    _require_state(matter, [MatterState.RESOLVED], gettext_noop("回访"))


def can_close(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("结案"))
    _require_state(matter, [MatterState.RESOLVED], gettext_noop("结案"))
    if matter.reporter_known and matter.feedback_accepted_at is None:
        raise ActionRefused(gettext("尚未回访反映人或反映人不认可办理结果，不能结案（条条有回音）"))


def can_add_attachment(user, matter: Matter) -> None:
    """The holder adds photos and documents; so does whoever recorded the matter while it is open
    (a household-cluster leader's photo of what they reported)."""
    _refuse_unless_user(user)
    if matter.state == MatterState.MERGED:
        raise ActionRefused(gettext("事项已合并，请在原事项上添加附件"))
    if matter.is_open and matter.recorded_by_id is not None and matter.recorded_by_id == user.pk:
        return
    _require_holder(user, matter, gettext_noop("添加附件"))


def can_edit_matter(user, matter: Matter) -> None:
    _require_holder(user, matter, gettext_noop("修改事项"))
    _require_state(matter, OPEN_STATES, gettext_noop("修改事项"))


def can_supervise(user, matter: Matter) -> None:
    """督办 by hand: governance-center staff of a town or county, on an open matter held below them
    (a unit under their place, or a department of their place or below working on it)."""
    if not _usable(user) or user.role != Role.CENTER_STAFF or user.place_id is None:
        raise ActionRefused(gettext("只有县、乡镇（街道）综治中心可以督办"))
    _require_state(matter, OPEN_STATES, gettext_noop("督办"))
    code = user.place.code
    if matter.holder_department_id is not None:
        below = matter.holder_path.startswith(code) and matter.holder_department.path.startswith(code)
    else:
        below = matter.holder_path.startswith(code) and len(matter.holder_path) > len(code)
    if not below:
        raise ActionRefused(
            gettext("该事项现由%(holder)s办理，不是您的下级，不能督办") % {"holder": _holder_name(matter)}
        )


GUARDS: dict[str, Callable[[Any, Matter], None]] = {
    MatterAction.ACCEPT: can_accept,
    MatterAction.RESOLVE_ON_SPOT: can_resolve_on_spot,
    MatterAction.REPORT_UP: can_report_up,
    MatterAction.ROUTE_TO_DEPARTMENT: can_route_to_department,
    MatterAction.DEPARTMENT_REPLY: can_department_reply,
    MatterAction.SEND_BACK: can_send_back,
    MatterAction.RETURN_WITH_REASON: can_return_with_reason,
    MatterAction.MERGE_AS_DUPLICATE: can_merge_as_duplicate,
    MatterAction.REOPEN: can_reopen,
    MatterAction.SCHEDULE_MEDIATION: can_schedule_mediation,
    MatterAction.RECORD_MEDIATION: can_record_mediation,
    MatterAction.RECORD_AGREEMENT: can_record_agreement,
    MatterAction.ANSWER: can_answer,
    MatterAction.RECTIFY: can_rectify,
    MatterAction.REINSPECT: can_reinspect,
    MatterAction.PROXY_HANDLE: can_proxy_handle,
    MatterAction.RECORD_FEEDBACK: can_record_feedback,
    MatterAction.CLOSE: can_close,
    MatterAction.ADD_ATTACHMENT: can_add_attachment,
    MatterAction.EDIT_MATTER: can_edit_matter,
    MatterAction.SUPERVISE: can_supervise,
}


def allowed(action: str, user, matter: Matter) -> bool:
    try:
        GUARDS[action](user, matter)
    except ActionRefused:
        return False
    return True


def available_actions(user, matter: Matter) -> list[str]:
    """The actions ``user`` may take on ``matter`` now (what a page offers as buttons)."""
    return [action for action in GUARDS if allowed(action, user, matter)]


# ---------------------------------------------------------------- helpers


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


def _lowest_unit_code(path: str) -> str:
    """The code of the lowest unit that can hold a matter located at ``path`` (its grid, else its village...)."""
    for level in LEVEL_ORDER:
        if len(path) >= LEVEL_CODE_LENGTH[level]:
            return path[: LEVEL_CODE_LENGTH[level]]
    raise ValidationError("发生地至少应具体到县（区）")


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


# ---------------------------------------------------------------- record


@dataclass
class Reporter:
    """Who reported: a resident, a named outsider with a phone, or nobody known."""

    type: str = ReporterType.ANONYMOUS
    resident: Resident | None = None
    name: str = ""
    phone: str = ""


@dataclass
class MatterInput:
    kind: str
    category: Category
    title: str
    channel: str
    color: str
    description: str = ""
    reporter: Reporter = field(default_factory=Reporter)
    household: Household | None = None
    place: Place | None = None
    point: dict | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    answer_type: str = ""
    recurrence: str = ""


def _location(data: MatterInput) -> Place:
    if data.household is not None:
        lowest = data.household.cluster or data.household.grid
        if lowest is None:
            raise ValidationError({"household": "该户未划入网格"})
        if data.place is not None and not lowest.code.startswith(data.place.code):
            raise ValidationError({"place": "发生地与涉及户不一致"})
        return lowest
    if data.place is None:
        raise ValidationError({"place": "请选择发生地或涉及户"})
    if len(data.place.code) < LEVEL_CODE_LENGTH[Level.COUNTY]:
        raise ValidationError({"place": "发生地至少应具体到县（区）"})
    return data.place


def _validate_input(data: MatterInput, matter: Matter) -> None:
    errors: dict[str, str] = {}
    if data.kind not in MatterKind.values:
        errors["kind"] = "事项类型无效"
    elif data.category.kind != data.kind or not data.category.selectable or not data.category.active:
        errors["category"] = "请选择该类事项下可用的分类"
    if data.channel not in SourceChannel.values:
        errors["channel"] = "来源渠道无效"
    if data.color not in RiskColor.values:
        errors["color"] = "风险等级无效"
    if not data.title.strip():
        errors["title"] = "请填写标题"
    if data.answer_type and (data.kind != MatterKind.APPEAL or data.answer_type not in AnswerType.values):
        errors["answer_type"] = "只有诉求可以选择解答类/办理类"
    if data.recurrence and (data.kind != MatterKind.ENVIRONMENT or data.recurrence not in Recurrence.values):
        errors["recurrence"] = "只有环境问题可以选择整治方式"
    if errors:
        raise ValidationError(errors)
    matter.extra = data.category.clean_extra(data.extra)
    if data.point is not None:
        validate_geojson(data.point, {"Point"}, "point")
    reporter = data.reporter
    if reporter.type == ReporterType.RESIDENT:
        if reporter.resident is None:
            raise ValidationError({"reporter": "请选择反映人"})
        matter.reporter_resident = reporter.resident
    elif reporter.type == ReporterType.OUTSIDER:
        matter.reporter_name = _text(reporter.name, "reporter_name", "反映人姓名")
        try:
            matter.set_reporter_phone(normalize_phone(reporter.phone) if reporter.phone.strip() else "")
        except InvalidPhone as exc:
            raise ValidationError({"reporter_phone": str(exc)}) from None
    elif reporter.type != ReporterType.ANONYMOUS:
        raise ValidationError({"reporter": "反映人类型无效"})
    matter.reporter_type = reporter.type


def record_matter(user, data: MatterInput, *, system_actor: str = "") -> Matter:
    """登记: a new matter lands at the lowest unit of its location (its grid, if it has one).

    When the recorder works for that unit it is accepted at once; otherwise it waits there to be
    accepted. ``user=None`` is machine intake (Open311, police alert push) named by ``system_actor``.
    """
    place = _location(data)
    if user is None:
        if not system_actor:
            raise ActionRefused(gettext("系统登记须注明来源"))
    else:
        can_record(user, place)
    now = timezone.now()
    matter = Matter(
        path=place.code,
        kind=data.kind,
        category=data.category,
        title=data.title.strip(),
        description=data.description.strip(),
        channel=data.channel,
        household=data.household,
        place=place,
        point=data.point,
        color=data.color,
        answer_type=data.answer_type,
        recurrence=data.recurrence,
        recorded_by=user,
    )
    _validate_input(data, matter)
    matter.refresh_search_text()
    unit_code = _lowest_unit_code(place.code)
    unit = place if unit_code == place.code else _unit(unit_code)
    accepted = user is not None and acts_for_unit(user, LEVEL_BY_CODE_LENGTH[len(unit_code)], unit_code)
    _arrive(matter, unit=unit, state=MatterState.IN_PROGRESS if accepted else MatterState.PENDING, now=now)
    # Batched: on SQLite the write lock is held only for the INSERTs, not while they are built. Not with a
    # household: the duplicate check must see a filing made at the same moment (an ordinary transaction).
    with batched_writes() if data.household is None else transaction.atomic():
        if data.household is not None:
            window = dt.timedelta(days=MatterConfig.current().duplicate_window_days)
            matter.possible_duplicate = (
                Matter.objects.filter(household=data.household, category=data.category, created_at__gte=now - window)
                .exclude(state=MatterState.MERGED)
                .exists()
            )
        matter.save()
        _event(
            user,
            matter,
            None,
            MatterAction.RECORD,
            data={"accepted": accepted, "possible_duplicate": matter.possible_duplicate},
            system_actor=system_actor,
        )
    return matter


# ---------------------------------------------------------------- disposal


def accept(user, matter: Matter, *, note: str = "") -> Matter:
    """受理."""
    with transaction.atomic():
        _lock(matter)
        can_accept(user, matter)
        before = _before(matter)
        matter.state = MatterState.IN_PROGRESS
        _save(matter, ["state"])
        _event(user, matter, before, MatterAction.ACCEPT, note=note)
    return matter


def resolve_on_spot(
    user,
    matter: Matter,
    *,
    result: str,
    succeeded: bool = True,
    recurrence: str = "",
    next_recurrence: dt.date | None = None,
) -> Matter:
    """现场处置: resolved where it is held, or an attempt that failed (recorded, the matter stays open).

    Environment problems say how they were handled: one-off, recurring (re-opened on
    ``next_recurrence`` until declared solved by a one-off resolution) or needing higher help.
    """
    result = _text(result, "result", "处置情况")
    with transaction.atomic():
        _lock(matter)
        can_resolve_on_spot(user, matter)
        before = _before(matter)
        fields = ["state"]
        data: dict[str, Any] = {"succeeded": succeeded}
        if recurrence or next_recurrence:
            if matter.kind != MatterKind.ENVIRONMENT or recurrence not in Recurrence.values:
                raise ValidationError({"recurrence": "只有环境问题可以选择整治方式"})
            if recurrence == Recurrence.RECURRING and next_recurrence is None:
                raise ValidationError({"next_recurrence": "常态化整治须填写下次整治日期"})
            matter.recurrence = recurrence
            matter.next_recurrence = next_recurrence if recurrence == Recurrence.RECURRING else None
            fields += ["recurrence", "next_recurrence"]
            data["recurrence"] = recurrence
            data["next_recurrence"] = next_recurrence.isoformat() if matter.next_recurrence else None
        if succeeded:
            fields += _mark_resolved(matter, timezone.now(), result)
        else:
            matter.state = MatterState.IN_PROGRESS
        _save(matter, fields)
        _event(user, matter, before, MatterAction.RESOLVE_ON_SPOT, note=result, data=data)
    return matter


def report_up(user, matter: Matter, *, reason: str, to_level: str | None = None) -> Matter:
    """上报: up one level; a red matter may skip levels when the engine settings allow it."""
    reason = _text(reason, "reason", "上报理由")
    with transaction.atomic():
        _lock(matter)
        can_report_up(user, matter)
        here = LEVEL_ORDER.index(Level(matter.level))
        target = LEVEL_ORDER[here + 1] if to_level is None else Level(to_level)
        steps = LEVEL_ORDER.index(target) - here
        if steps <= 0:
            raise ValidationError({"to_level": "只能向上级上报"})
        if steps > 1:
            if matter.color != RiskColor.RED:
                raise ActionRefused(gettext("只有红色事项可以越级上报"))
            if not MatterConfig.current().red_may_skip_levels:
                raise ActionRefused(gettext("当前设置不允许越级上报"))
        before = _before(matter)
        _arrive(matter, unit=_unit(_unit_code(matter.path, target)), state=MatterState.PENDING, now=timezone.now())
        _save(matter, ARRIVAL_FIELDS)
        _event(user, matter, before, MatterAction.REPORT_UP, note=reason, data={"skipped": steps - 1})
    return matter


def route_to_department(user, matter: Matter, department: Department, *, note: str = "") -> Matter:
    """交办: to a department of the holder's town or county; results come back to the holder."""
    with transaction.atomic():
        _lock(matter)
        can_route_to_department(user, matter)
        if not department.active or not matter.holder_path.startswith(department.path):
            raise ActionRefused(
                gettext("%(department)s不是本级或上级登记的部门，不能交办") % {"department": department.name}
            )
        now = timezone.now()
        before = _before(matter)
        _arrive(matter, unit=matter.holder_place, state=MatterState.AT_DEPARTMENT, now=now, department=department)
        _save(matter, ARRIVAL_FIELDS)
        MatterRouting.objects.create(path=matter.path, matter=matter, department=department, routed_at=now)
        _event(user, matter, before, MatterAction.ROUTE_TO_DEPARTMENT, note=note)
    return matter


def department_reply(user, matter: Matter, *, result: str) -> Matter:
    """部门反馈: the department's results go back to the unit that routed the matter."""
    result = _text(result, "result", "办理结果")
    with transaction.atomic():
        _lock(matter)
        can_department_reply(user, matter)
        before = _before(matter)
        matter.result = result
        _arrive(matter, unit=matter.holder_place, state=MatterState.IN_PROGRESS, now=timezone.now())
        _save(matter, [*ARRIVAL_FIELDS, "result"])
        _event(user, matter, before, MatterAction.DEPARTMENT_REPLY, note=result)
    return matter


def send_back(user, matter: Matter, *, result: str = "", to_level: str | None = None) -> Matter:
    """结果下发: down (by default to the matter's grid) with the results, to tell the reporter and close."""
    with transaction.atomic():
        _lock(matter)
        can_send_back(user, matter)
        lowest = _lowest_unit_code(matter.path)
        target_code = lowest if to_level is None else _unit_code(matter.path, Level(to_level))
        if len(target_code) <= len(matter.holder_path) or len(target_code) > len(lowest):
            raise ValidationError({"to_level": "只能下发到下级单位"})
        now = timezone.now()
        before = _before(matter)
        _arrive(matter, unit=_unit(target_code), state=MatterState.RESOLVED, now=now)
        fields = _mark_resolved(matter, now, result.strip() or matter.result)
        _save(matter, [*ARRIVAL_FIELDS, *fields])
        _event(user, matter, before, MatterAction.SEND_BACK, note=matter.result)
    return matter


def return_with_reason(user, matter: Matter, *, reason: str) -> Matter:
    """回退: a department returns a matter to the unit that routed it; a unit returns it to the one below."""
    reason = _text(reason, "reason", "回退理由")
    with transaction.atomic():
        _lock(matter)
        can_return_with_reason(user, matter)
        now = timezone.now()
        before = _before(matter)
        if matter.holder_department_id is not None:
            _arrive(matter, unit=matter.holder_place, state=MatterState.IN_PROGRESS, now=now)
        else:
            came_from = (
                MatterEvent.objects.filter(
                    matter=matter, action=MatterAction.REPORT_UP, to_unit_id=matter.holder_place_id
                )
                .order_by("-at", "-id")
                .values_list("from_unit__code", flat=True)
                .first()
            )
            if not came_from or len(came_from) <= len(matter.holder_path):
                below = LEVEL_ORDER[LEVEL_ORDER.index(Level(matter.level)) - 1]
                came_from = _unit_code(matter.path, below)
            _arrive(matter, unit=_unit(came_from), state=MatterState.PENDING, now=now)
        _save(matter, ARRIVAL_FIELDS)
        _event(user, matter, before, MatterAction.RETURN_WITH_REASON, note=reason)
    return matter


def merge_as_duplicate(user, matter: Matter, original: Matter, *, note: str = "") -> Matter:
    """合并: this matter repeats ``original``; it closes as merged and points to it."""
    with transaction.atomic():
        _lock(matter)
        can_merge_as_duplicate(user, matter)
        if original.pk == matter.pk or original.state == MatterState.MERGED:
            raise ValidationError({"original": "请选择另一件未合并的事项"})
        if not Matter.objects.for_user(user).filter(pk=original.pk).exists():
            raise ActionRefused(gettext("原事项不在您的管辖范围内"))
        before = _before(matter)
        matter.state = MatterState.MERGED
        matter.is_open = False
        matter.duplicate_of = original
        matter.closed_at = timezone.now()
        _save(matter, ["state", "is_open", "duplicate_of", "closed_at"])
        _event(user, matter, before, MatterAction.MERGE_AS_DUPLICATE, note=note, data={"original": original.pk})
    return matter


REOPEN_FIELDS = [*ARRIVAL_FIELDS, "is_open", "closed_at", "resolved_at", "feedback_accepted_at", "next_recurrence"]


def _reopen_fields(matter: Matter, now: dt.datetime) -> list[str]:
    _arrive(matter, unit=matter.holder_place, state=MatterState.IN_PROGRESS, now=now)
    matter.is_open = True
    matter.closed_at = matter.resolved_at = matter.feedback_accepted_at = None
    matter.next_recurrence = None
    return REOPEN_FIELDS


def reopen(user, matter: Matter, *, reason: str, system_actor: str = "") -> Matter:
    """重新办理: a resolved or closed matter is handled again by the unit that holds it.

    ``user=None`` is the recurrence schedule (environment problems under routine remediation).
    """
    reason = _text(reason, "reason", "重新办理理由")
    with transaction.atomic():
        _lock(matter)
        if user is None:
            _require_state(matter, [MatterState.RESOLVED, MatterState.CLOSED], gettext_noop("重新办理"))
        else:
            can_reopen(user, matter)
        before = _before(matter)
        _save(matter, _reopen_fields(matter, timezone.now()))
        _event(user, matter, before, MatterAction.REOPEN, note=reason, system_actor=system_actor)
    return matter


# ---------------------------------------------------------------- kind-specific


def _implicit_accept(matter: Matter) -> list[str]:
    if matter.state == MatterState.PENDING:
        matter.state = MatterState.IN_PROGRESS
        return ["state"]
    return []


def schedule_mediation(
    user,
    matter: Matter,
    *,
    scheduled_for: dt.datetime,
    mediators: Iterable[Appointment],
    venue: str = "",
    parties: str = "",
) -> MediationSession:
    """安排调解: mediators are appointed mediators, five elders or red stewards of the matter's area."""
    with transaction.atomic():
        _lock(matter)
        can_schedule_mediation(user, matter)
        people = _check_helpers(mediators, matter, MEDIATOR_ROLES, "调解员、五老或红管家")
        before = _before(matter)
        _save(matter, _implicit_accept(matter))
        session = MediationSession.objects.create(
            path=matter.path,
            matter=matter,
            scheduled_for=scheduled_for,
            venue=venue.strip(),
            parties=parties.strip(),
            level=matter.deadline_level,
        )
        session.mediators.set(people)
        _event(
            user,
            matter,
            before,
            MatterAction.SCHEDULE_MEDIATION,
            note=f"{timezone.localtime(scheduled_for):%Y-%m-%d %H:%M} {venue}".strip(),
            data={"session": session.pk, "mediators": [p.person_name for p in people]},
        )
    return session


def record_mediation(
    user,
    matter: Matter,
    *,
    outcome: str,
    session: MediationSession | None = None,
    summary: str = "",
    agreement_text: str = "",
    parties: str = "",
    held_at: dt.datetime | None = None,
    mediators: Iterable[Appointment] = (),
) -> MediationSession:
    """记录调解: the outcome of a scheduled session, or of one held without scheduling (give mediators)."""
    if outcome not in MediationOutcome.values:
        raise ValidationError({"outcome": "请选择调解结果"})
    with transaction.atomic():
        _lock(matter)
        can_record_mediation(user, matter)
        now = timezone.now()
        if session is None:
            people = _check_helpers(mediators, matter, MEDIATOR_ROLES, "调解员、五老或红管家")
            session = MediationSession.objects.create(
                path=matter.path, matter=matter, scheduled_for=held_at or now, level=matter.deadline_level
            )
            session.mediators.set(people)
        else:
            session = MediationSession.objects.select_for_update().get(pk=session.pk)
            if session.matter_id != matter.pk:
                raise ValidationError({"session": "该调解不属于此事项"})
            if session.outcome:
                raise ValidationError({"session": "该次调解已记录结果"})
        before = _before(matter)
        _save(matter, _implicit_accept(matter))
        session.outcome = outcome
        session.held_at = held_at or now
        session.summary = summary.strip()
        session.agreement_text = agreement_text.strip()
        if parties.strip():
            session.parties = parties.strip()
        session.save(update_fields=["outcome", "held_at", "summary", "agreement_text", "parties", "updated_at"])
        _event(
            user,
            matter,
            before,
            MatterAction.RECORD_MEDIATION,
            note=summary.strip(),
            data={"session": session.pk, "outcome": outcome},
        )
    return session


@dataclass
class AgreementInput:
    number: str
    organisation: str
    parties: list[dict[str, str]]
    facts: str
    terms: str
    signed_on: dt.date
    performance: str = ""
    mediator_names: str = ""
    session: MediationSession | None = None


def record_agreement(user, matter: Matter, data: AgreementInput) -> MediationAgreement:
    """登记调解协议: the data of the 人民调解协议书 (printing comes later)."""
    errors: dict[str, str] = {}
    for name, label in (
        ("number", "协议书编号"),
        ("organisation", "调解组织"),
        ("facts", "纠纷事实"),
        ("terms", "协议内容"),
    ):
        if not str(getattr(data, name) or "").strip():
            errors[name] = f"请填写{label}"
    parties = data.parties or []
    if len(parties) < 2 or not all(isinstance(p, dict) and str(p.get("name", "")).strip() for p in parties):
        errors["parties"] = "协议须列明至少两方当事人姓名"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock(matter)
        can_record_agreement(user, matter)
        if data.session is not None and (
            data.session.matter_id != matter.pk or data.session.outcome != MediationOutcome.SUCCESS
        ):
            raise ValidationError({"session": "协议须对应本事项一次成功的调解"})
        before = _before(matter)
        _save(matter, _implicit_accept(matter))
        agreement = MediationAgreement.objects.create(
            path=matter.path,
            matter=matter,
            session=data.session,
            number=data.number.strip(),
            organisation=data.organisation.strip(),
            parties=[{k: str(v).strip() for k, v in p.items()} for p in parties],
            facts=data.facts.strip(),
            terms=data.terms.strip(),
            performance=data.performance.strip(),
            signed_on=data.signed_on,
            mediator_names=data.mediator_names.strip(),
        )
        _event(
            user, matter, before, MatterAction.RECORD_AGREEMENT, note=agreement.number, data={"agreement": agreement.pk}
        )
    return agreement


def answer(user, matter: Matter, *, answer_type: str, text: str) -> Matter:
    """诉求答复: an answer-type appeal is answered and resolved; a handling-type one is marked and stays open."""
    text = _text(text, "text", "答复内容")
    if answer_type not in AnswerType.values:
        raise ValidationError({"answer_type": "请选择解答类或办理类"})
    with transaction.atomic():
        _lock(matter)
        can_answer(user, matter)
        before = _before(matter)
        matter.answer_type = answer_type
        fields = ["answer_type"]
        if answer_type == AnswerType.ANSWER:
            fields += _mark_resolved(matter, timezone.now(), text)
        else:
            fields += _implicit_accept(matter)
        _save(matter, fields)
        _event(user, matter, before, MatterAction.ANSWER, note=text, data={"answer_type": answer_type})
    return matter


def rectify(user, matter: Matter, *, measures: str) -> Matter:
    """隐患整改: the hazard is rectified and waits for re-inspection."""
    measures = _text(measures, "measures", "整改措施")
    with transaction.atomic():
        _lock(matter)
        can_rectify(user, matter)
        before = _before(matter)
        matter.state = MatterState.REINSPECTION
        matter.rectified_at = timezone.now()
        matter.result = measures
        _save(matter, ["state", "rectified_at", "result"])
        _event(user, matter, before, MatterAction.RECTIFY, note=measures)
    return matter


def reinspect(user, matter: Matter, *, passed: bool, note: str) -> Matter:
    """整改复查: passed resolves the hazard; failed sends it back to rectification."""
    note = _text(note, "note", "复查情况")
    with transaction.atomic():
        _lock(matter)
        can_reinspect(user, matter)
        before = _before(matter)
        if passed:
            fields = _mark_resolved(matter, timezone.now(), f"{matter.result}\n复查：{note}".strip())
        else:
            matter.state = MatterState.IN_PROGRESS
            matter.rectified_at = None
            fields = ["state", "rectified_at"]
        _save(matter, fields)
        _event(user, matter, before, MatterAction.REINSPECT, note=note, data={"passed": passed})
    return matter


def proxy_handle(user, matter: Matter, *, steward: Appointment, result: str) -> Matter:
    """代办: a red steward handled the paperwork for the resident."""
    result = _text(result, "result", "代办结果")
    with transaction.atomic():
        _lock(matter)
        can_proxy_handle(user, matter)
        _check_helpers([steward], matter, frozenset({AppointmentRole.RED_STEWARD}), "红管家")
        before = _before(matter)
        matter.proxy_steward = steward
        fields = ["proxy_steward", *_mark_resolved(matter, timezone.now(), result)]
        _save(matter, fields)
        _event(user, matter, before, MatterAction.PROXY_HANDLE, note=result, data={"steward": steward.person_name})
    return matter


# ---------------------------------------------------------------- closing the loop


@dataclass
class FeedbackInput:
    method: str
    contacted_at: dt.datetime
    said: str
    verdict: str
    satisfaction: int | None = None


def record_feedback(user, matter: Matter, data: FeedbackInput) -> Feedback:
    """回访: what the reporter was told and said. A rejection reopens the matter at its holder."""
    errors: dict[str, str] = {}
    if data.method not in FeedbackMethod.values:
        errors["method"] = "请选择回访方式"
    if data.verdict not in FeedbackVerdict.values:
        errors["verdict"] = "请选择是否认可"
    if data.satisfaction is not None and (isinstance(data.satisfaction, bool) or data.satisfaction not in range(1, 6)):
        errors["satisfaction"] = "满意度应为1到5"
    if not (data.said or "").strip():
        errors["said"] = "请填写反映人意见"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock(matter)
        can_record_feedback(user, matter)
        now = timezone.now()
        before = _before(matter)
        feedback = Feedback.objects.create(
            path=matter.path,
            matter=matter,
            method=data.method,
            contacted_at=data.contacted_at,
            said=data.said.strip(),
            satisfaction=data.satisfaction,
            verdict=data.verdict,
            recorded_by=user,
        )
        if data.verdict == FeedbackVerdict.ACCEPTED:
            matter.feedback_accepted_at = now
            _save(matter, ["feedback_accepted_at"])
        else:
            _save(matter, _reopen_fields(matter, now))
        _event(
            user,
            matter,
            before,
            MatterAction.RECORD_FEEDBACK,
            note=feedback.said,
            data={"feedback": feedback.pk, "verdict": data.verdict, "satisfaction": data.satisfaction},
        )
    return feedback


def close(user, matter: Matter, *, note: str = "") -> Matter:
    """结案: only after the reporter (if known) has been told and accepted the outcome."""
    with transaction.atomic():
        _lock(matter)
        can_close(user, matter)
        before = _before(matter)
        matter.state = MatterState.CLOSED
        matter.is_open = False
        matter.closed_at = timezone.now()
        _save(matter, ["state", "is_open", "closed_at"])
        _event(user, matter, before, MatterAction.CLOSE, note=note)
    return matter


# ---------------------------------------------------------------- the deadline job (no user)

SUPERVISOR = "系统督办"
ESCALATABLE = ACTIVE


def issue_card(matter: Matter, color: str, now: dt.datetime) -> Supervision | None:
    """督办: a yellow card at the first breach of the holder's time limit, a red card at twice it.

    Returns None (and changes nothing) when this holding already has that card.
    """
    with transaction.atomic():
        _lock(matter)
        due = matter.deadline_at if color == CardColor.YELLOW else matter.red_card_at
        if not matter.is_open or due is None or due > now:
            return None
        if color == CardColor.YELLOW and matter.card or color == CardColor.RED and matter.card == CardColor.RED:
            return None
        rule = DeadlineRule.objects.filter(kind=matter.kind, color=matter.color, level=matter.deadline_level).first()
        hours = rule.hours if rule else 0
        holder = _holder_name(matter)
        if color == CardColor.YELLOW:
            reason = f"{holder}超过办理时限（{hours}小时）未办结"
        else:
            reason = f"{holder}超过办理时限一倍（{2 * hours}小时）仍未办结"
        supervision = Supervision.objects.create(
            path=matter.path,
            matter=matter,
            color=color,
            level=matter.deadline_level,
            holder_place=matter.holder_place,
            holder_department=matter.holder_department,
            reason=reason,
            issued_at=now,
            holding_since=matter.arrived_at,
        )
        before = _before(matter)
        matter.overdue = True
        matter.card = color
        _save(matter, ["overdue", "card"])
        _event(
            None,
            matter,
            before,
            MatterAction.SUPERVISE,
            note=reason,
            data={"color": color, "supervision": supervision.pk},
            at=now,
            system_actor=SUPERVISOR,
        )
    return supervision


def auto_escalate(matter: Matter, now: dt.datetime) -> bool:
    """超期自动上报: one level up, where the time-limit rule of the breached holding says so."""
    with transaction.atomic():
        _lock(matter)
        if (
            not matter.overdue
            or matter.state not in ESCALATABLE
            or matter.holder_department_id is not None
            or matter.level == Level.COUNTY
        ):
            return False
        rule = DeadlineRule.objects.filter(kind=matter.kind, color=matter.color, level=matter.deadline_level).first()
        if rule is None or not rule.auto_escalate:
            return False
        before = _before(matter)
        target = LEVEL_ORDER[LEVEL_ORDER.index(Level(matter.level)) + 1]
        _arrive(matter, unit=_unit(_unit_code(matter.path, target)), state=MatterState.PENDING, now=now)
        _save(matter, ARRIVAL_FIELDS)
        _event(
            None,
            matter,
            before,
            MatterAction.REPORT_UP,
            note="超过办理时限，自动上报",
            data={"auto": True, "skipped": 0},
            at=now,
            system_actor=SUPERVISOR,
        )
    return True


# ---------------------------------------------------------------- attachments, manual supervision, edits


def add_attachment(user, matter: Matter, upload, *, caption: str = "") -> Attachment:
    """添加附件: a photo or document, checked by content and size, stored privately under the matter."""
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise ValidationError({"caption": "说明不能超过200字"})
    with transaction.atomic():
        _lock(matter)
        can_add_attachment(user, matter)
        checked = files.check_upload(upload)
        storage = private_storage()
        name = storage.save(
            f"matters/{matter.path[:6]}/{matter.pk}/{uuid.uuid4().hex}.{checked.type.extension}", upload
        )
        try:
            attachment = Attachment.objects.create(
                path=matter.path,
                matter=matter,
                file=name,
                kind=checked.type.kind,
                content_type=checked.type.content_type,
                original_name=checked.original_name,
                size=checked.size,
                sha256=checked.sha256,
                caption=caption,
                uploaded_by=user,
            )
            before = _before(matter)
            _event(
                user,
                matter,
                before,
                MatterAction.ADD_ATTACHMENT,
                note=" ".join(filter(None, [checked.original_name, caption])),
                data={"attachment": attachment.pk, "kind": checked.type.kind, "size": checked.size},
            )
        except BaseException:
            storage.delete(name)
            raise
    return attachment


def supervise(user, matter: Matter, *, color: str, reason: str) -> Supervision:
    """督办 by hand: a yellow or red card from a governance center to the holder below it, with a reason.

    It notifies the holder like an automatic card; it does not mark the matter overdue nor take the place of
    the deadline job's cards. One card of each color per holding and issuer level is enough.
    """
    reason = _text(reason, "reason", "督办事由")
    if color not in CardColor.values:
        raise ValidationError({"color": "请选择黄牌或红牌督办"})
    if len(reason) > 500:
        raise ValidationError({"reason": "督办事由不能超过500字"})
    with transaction.atomic():
        _lock(matter)
        can_supervise(user, matter)
        repeated = Supervision.objects.filter(
            matter=matter, color=color, holding_since=matter.arrived_at, issued_by__isnull=False
        ).exists()
        if repeated:
            raise ActionRefused(gettext("本级办理期间已%(card)s，不能重复督办") % {"card": CardColor(color).label})
        now = timezone.now()
        supervision = Supervision.objects.create(
            path=matter.path,
            matter=matter,
            color=color,
            level=matter.deadline_level,
            holder_place=matter.holder_place,
            holder_department=matter.holder_department,
            reason=reason,
            issued_at=now,
            holding_since=matter.arrived_at,
            issued_by=user,
        )
        before = _before(matter)
        _event(
            user,
            matter,
            before,
            MatterAction.SUPERVISE,
            note=reason,
            data={"color": color, "supervision": supervision.pk, "manual": True},
            at=now,
        )
    return supervision


@dataclass
class MatterEdit:
    """What the holder may correct: title, description, risk color (with a reason), category and its extra fields.

    ``extra=None`` keeps the current values when the category stays, and starts empty when it changes.
    """

    title: str
    description: str
    color: str
    category: Category
    extra: dict[str, Any] | None = None
    reason: str = ""


def _edit_view(matter: Matter, category_name: str) -> dict[str, Any]:
    return {
        "title": matter.title,
        "description": matter.description,
        "color": matter.color,
        "category": category_name,
        "extra": matter.extra or {},
    }


def edit_matter(user, matter: Matter, data: MatterEdit) -> Matter:
    """修改事项: the timeline keeps what changed, before and after; a new color resets this holding's time limit
    from when it arrived."""
    title = _text(data.title, "title", "标题")
    if len(title) > 200:
        raise ValidationError({"title": "标题不能超过200字"})
    if data.color not in RiskColor.values:
        raise ValidationError({"color": "风险等级无效"})
    with transaction.atomic():
        _lock(matter)
        can_edit_matter(user, matter)
        category_changed = data.category.pk != matter.category_id
        if category_changed and (
            data.category.kind != matter.kind or not data.category.selectable or not data.category.active
        ):
            raise ValidationError({"category": "请选择该类事项下可用的分类"})
        if data.extra is None and not category_changed:
            extra = matter.extra or {}
        else:
            extra = data.category.clean_extra(data.extra or {})
        reason = (data.reason or "").strip()
        color_changed = data.color != matter.color
        if color_changed and not reason:
            raise ValidationError({"reason": "修改风险等级须说明理由"})
        old_category = Category.objects.only("name").get(pk=matter.category_id).name
        before_values = _edit_view(matter, old_category)
        before = _before(matter)
        matter.title = title
        matter.description = (data.description or "").strip()
        matter.color = data.color
        matter.category = data.category
        matter.extra = extra
        after_values = _edit_view(matter, data.category.name)
        changed = [k for k in before_values if before_values[k] != after_values[k]]
        if not changed:
            raise ValidationError("没有修改任何内容")
        fields = ["title", "description", "color", "category", "extra", "search_text"]
        matter.refresh_search_text()
        if color_changed and matter.arrived_at is not None:
            rule = DeadlineRule.objects.filter(
                kind=matter.kind, color=matter.color, level=matter.deadline_level
            ).first()
            if rule is None:
                matter.deadline_at = matter.red_card_at = None
            else:
                matter.deadline_at = matter.arrived_at + dt.timedelta(hours=rule.hours)
                matter.red_card_at = matter.arrived_at + dt.timedelta(hours=2 * rule.hours)
            fields += ["deadline_at", "red_card_at"]
        _save(matter, fields)
        _event(
            user,
            matter,
            before,
            MatterAction.EDIT_MATTER,
            note=reason or "修改：" + "、".join(EDIT_LABELS[k] for k in changed),
            data={
                "changed": changed,
                "before": {k: before_values[k] for k in changed},
                "after": {k: after_values[k] for k in changed},
            },
        )
    return matter


EDIT_LABELS = {"title": "标题", "description": "情况描述", "color": "风险等级", "category": "分类", "extra": "附加信息"}


# ---------------------------------------------------------------- taxonomy (administrator-editable data)
#
# Who: the categories with their extra fields and the deadline table serve the whole installation, so only
# governance-center staff of a county (县级综治中心) edit them. Departments belong to a town or a county:
# county center staff manage those of their county and its towns, town center staff those of their town.


def can_manage_taxonomy(user) -> None:
    if not _usable(user) or user.role != Role.CENTER_STAFF or user.place_id is None or user.place.kind != "county":
        raise ActionRefused(gettext("只有县级综治中心人员可以维护事项分类和办理时限"))


def can_manage_departments(user, place: Place | None = None) -> None:
    if not _usable(user) or user.role != Role.CENTER_STAFF or user.place_id is None:
        raise ActionRefused(gettext("只有县、乡镇（街道）综治中心人员可以维护部门"))
    if place is not None and not place.code.startswith(user.place.code):
        raise ActionRefused(gettext("%(place)s 不在您的管辖范围内") % {"place": place.name})


def _audit_config(action: str, obj, before: dict | None, after: dict) -> None:
    from gridgov.audit.actions import record as audit

    if before is not None:
        changed = [k for k in after if before.get(k) != after[k]]
        before, after = {k: before.get(k) for k in changed}, {k: after[k] for k in changed}
    audit(action, obj, before=before, after=after)


CATEGORY_FIELDS = ("kind", "code", "name", "parent_id", "selectable", "department_kind", "extra_fields", "sort_order")


def _category_values(category: Category) -> dict[str, Any]:
    return {name: getattr(category, name) for name in (*CATEGORY_FIELDS, "active")}


@dataclass
class CategoryInput:
    kind: str
    code: str
    name: str
    parent: Category | None = None
    selectable: bool = True
    department_kind: str = ""
    extra_fields: list[dict[str, Any]] = field(default_factory=list)
    sort_order: int = 0
    active: bool = True


def save_category(user, category: Category | None, data: CategoryInput) -> Category:
    """Add a category (``category=None``) or change one: rename, regroup, (de)activate, edit its extra fields.

    The kind and code of an existing category stay (matters and Open311 service codes refer to them);
    a category with matters is deactivated, never deleted, so old matters keep their category.
    """
    can_manage_taxonomy(user)
    from gridgov.audit.choices import AuditAction

    with transaction.atomic():
        creating = category is None
        if creating:
            category = Category(kind=data.kind, code=(data.code or "").strip())
        else:
            category = Category.objects.select_for_update().get(pk=category.pk)
        before = None if creating else _category_values(category)
        category.name = (data.name or "").strip()
        category.parent = data.parent
        category.selectable = data.selectable
        category.department_kind = data.department_kind or ""
        category.extra_fields = data.extra_fields or []
        category.sort_order = data.sort_order or 0
        category.active = data.active
        errors: dict[str, str] = {}
        if category.kind not in MatterKind.values:
            errors["kind"] = "事项类型无效"
        if not category.name:
            errors["name"] = "请填写名称"
        if creating:
            if not re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*", category.code) or len(category.code) > 64:
                errors["code"] = "代码应为小写英文、数字、下划线，可用“.”分级，如 dispute.neighbour"
            elif Category.objects.filter(code=category.code).exists():
                errors["code"] = f"代码 {category.code} 已被使用"
        if data.parent is not None:
            if data.parent.pk == category.pk or data.parent.selectable:
                errors["parent"] = "上级须为另一个分组（不可直接选用的分类）"
        if not creating and not category.selectable and category.matters.exists():
            errors["selectable"] = "已有事项使用该分类，不能改为分组"
        if not creating and category.children.exists() and category.selectable:
            errors["selectable"] = "该分类下还有子分类，只能作为分组"
        if errors:
            raise ValidationError(errors)
        category.clean()  # parent of the same kind; the extra-field schema
        category.save()
        _audit_config(
            AuditAction.CREATE if creating else AuditAction.UPDATE, category, before, _category_values(category)
        )
    return category


@dataclass
class DeadlineCell:
    kind: str
    color: str
    level: str
    hours: int | None  # None: no time limit at this level
    auto_escalate: bool = False


def set_deadline_rules(user, cells: Iterable[DeadlineCell]) -> int:
    """Replace the time-limit table's cells given; returns how many rows changed. New limits apply to
    holdings that start afterwards (matters already held keep the limit they arrived with)."""
    can_manage_taxonomy(user)
    from gridgov.audit.choices import AuditAction
    from gridgov.matters.choices import DeadlineLevel

    cells = list(cells)
    errors: dict[str, str] = {}
    for cell in cells:
        key = f"{cell.kind}.{cell.color}.{cell.level}"
        if (
            cell.kind not in MatterKind.values
            or cell.color not in RiskColor.values
            or cell.level not in DeadlineLevel.values
        ):
            errors[key] = "无效的类型、风险等级或层级"
        elif cell.hours is not None and (isinstance(cell.hours, bool) or not 1 <= cell.hours <= 8760):
            errors[key] = "时限应为1到8760小时"
        elif cell.hours is None and cell.auto_escalate:
            errors[key] = "没有时限就不能超期自动上报"
        elif cell.auto_escalate and cell.level in (DeadlineLevel.COUNTY, DeadlineLevel.DEPARTMENT):
            errors[key] = "县级和职能部门没有上一级，不能自动上报"
    if errors:
        raise ValidationError(errors)
    changed = 0
    with transaction.atomic():
        existing = {
            (r.kind, r.color, r.level): r
            for r in DeadlineRule.objects.select_for_update().filter(kind__in={c.kind for c in cells})
        }
        for cell in cells:
            rule = existing.get((cell.kind, cell.color, cell.level))
            if cell.hours is None:
                if rule is not None:
                    _audit_config(AuditAction.DELETE, rule, None, {"hours": rule.hours})
                    rule.delete()
                    changed += 1
                continue
            if rule is None:
                rule = DeadlineRule.objects.create(
                    kind=cell.kind,
                    color=cell.color,
                    level=cell.level,
                    hours=cell.hours,
                    auto_escalate=cell.auto_escalate,
                )
                _audit_config(
                    AuditAction.CREATE, rule, None, {"hours": rule.hours, "auto_escalate": rule.auto_escalate}
                )
                changed += 1
            elif (rule.hours, rule.auto_escalate) != (cell.hours, cell.auto_escalate):
                before = {"hours": rule.hours, "auto_escalate": rule.auto_escalate}
                rule.hours, rule.auto_escalate = cell.hours, cell.auto_escalate
                rule.save(update_fields=["hours", "auto_escalate"])
                _audit_config(
                    AuditAction.UPDATE, rule, before, {"hours": rule.hours, "auto_escalate": rule.auto_escalate}
                )
                changed += 1
    return changed


@dataclass
class DepartmentInput:
    place: Place
    kind: str
    name: str
    phone: str = ""
    liaisons: list[Any] = field(default_factory=list)
    active: bool = True


def save_department(user, department: Department | None, data: DepartmentInput) -> Department:
    """Register a department at a town or county, or change one (liaisons, name, phone, deactivate).
    Its liaisons are department-liaison accounts of that place or below."""
    from gridgov.matters.choices import DepartmentKind

    can_manage_departments(user, data.place)
    if department is not None:
        can_manage_departments(user, department.place)
    errors: dict[str, str] = {}
    if data.place.kind not in ("county", "town"):
        errors["place"] = "部门只能登记在县（区）或乡镇（街道）"
    if data.kind not in DepartmentKind.values:
        errors["kind"] = "请选择部门类型"
    name = (data.name or "").strip()
    if not name:
        errors["name"] = "请填写部门名称"
    bad = [
        u.display_name or u.username
        for u in data.liaisons
        if u.role != Role.DEPARTMENT_LIAISON or u.place_id is None or not u.place.code.startswith(data.place.code)
    ]
    if bad:
        errors["liaisons"] = f"{'、'.join(bad)}不是本地的部门联络人账号"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if department is None:
            department = Department(place=data.place, path=data.place.code)
        else:
            department = Department.objects.select_for_update().get(pk=department.pk)
            department.remember_saved_state()
            if department.place_id != data.place.pk and department.matters.exists():
                raise ValidationError({"place": "已有事项交办给该部门，不能改变所属地域"})
            department.place, department.path = data.place, data.place.code
        department.kind = data.kind
        department.name = name
        department.phone = (data.phone or "").strip()
        department.active = data.active
        if Department.objects.filter(path=department.path, name=name).exclude(pk=department.pk).exists():
            raise ValidationError({"name": f"{data.place.name}已有名为“{name}”的部门"})
        department.save()
        old = sorted(department.liaisons.values_list("id", flat=True)) if department.pk else []
        department.liaisons.set(data.liaisons)
        new = sorted(u.pk for u in data.liaisons)
        if old != new:
            from gridgov.audit.choices import AuditAction

            _audit_config(AuditAction.UPDATE, department, {"liaisons": old}, {"liaisons": new})
    return department
