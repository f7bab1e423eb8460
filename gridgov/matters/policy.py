"""Who may do what to a matter: the guards of the three-level linked disposal (三级联动处置), and what a page
offers — the actions a user may take now (`available_actions`) and, of those, the one or two the holder is
expected to take next (`expected_next`).

Each guard ``can_<action>(user, matter)`` returns None or raises `ActionRefused` (`StateRefused` when only the
matter's state stands in the way) with a message for the user. `gridgov.matters.actions` calls the guard of
every change inside its transaction, on the locked row; pages and the API call `available_actions` to decide
what to show, so they offer exactly what the actions allow. Nothing here writes.

Who acts on a matter is decided by where it is held:
- grid level: the grid workers of that grid and the grid leaders of it (or of its village);
- village level: the village committee of that village;
- town / county level: the governance-center staff of that town / county;
- routed to a department: only that department's liaisons.
Household-cluster leaders only record matters (quick report) and read their own reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

from gridgov.accounts.choices import Role
from gridgov.core.actions import ActionRefused
from gridgov.core.models import scope_prefix
from gridgov.matters.choices import (
    LEVEL_BY_CODE_LENGTH,
    LEVEL_CODE_LENGTH,
    LEVEL_ORDER,
    OPEN_STATES,
    Level,
    MatterAction,
    MatterKind,
    MatterState,
    MediationOutcome,
)
from gridgov.matters.models import Department, Matter
from gridgov.places.models import Place

RECORDING_ROLES = frozenset(
    {Role.GRID_WORKER, Role.GRID_LEADER, Role.VILLAGE_COMMITTEE, Role.CENTER_STAFF, Role.CLUSTER_LEADER}
)
ACTIVE = (MatterState.PENDING, MatterState.IN_PROGRESS)


class StateRefused(ActionRefused):
    """The matter's state does not allow the action now (the API answers 409, not 403)."""


# ---------------------------------------------------------------- who holds a matter


def usable(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active and bool(user.role)


def acts_for_unit(user, level: str, unit_code: str) -> bool:
    """Whether ``user`` works for the unit at ``level`` whose place code is ``unit_code``."""
    if not usable(user) or user.place_id is None:
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
    if not usable(user) or user.role != Role.DEPARTMENT_LIAISON or department_id is None:
        return False
    return Department.liaisons.through.objects.filter(department_id=department_id, user_id=user.pk).exists()


def holds(user, matter: Matter) -> bool:
    """Whether ``user`` acts for whoever holds ``matter`` now (its unit, or the department it was routed to)."""
    if matter.holder_department_id is not None:
        return is_liaison_of(user, matter.holder_department_id)
    return acts_for_unit(user, matter.level, matter.holder_path)


def holder_name(matter: Matter) -> str:
    if matter.holder_department_id is not None:
        return matter.holder_department.name
    return matter.holder_place.name


def _refuse_unless_user(user) -> None:
    if not usable(user) or user.role not in RECORDING_ROLES | {Role.DEPARTMENT_LIAISON}:
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
        % {"holder": holder_name(matter), "action": gettext(label)}
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


def require_state(matter: Matter, states: Iterable[str], label: str) -> None:
    if matter.state not in tuple(states):
        raise StateRefused(
            gettext("事项当前为“%(state)s”，不能%(action)s")
            % {"state": matter.get_state_display(), "action": gettext(label)}
        )


def lowest_unit_code(path: str) -> str:
    """The code of the lowest unit that can hold a matter located at ``path`` (its grid, else its village...)."""
    for level in LEVEL_ORDER:
        if len(path) >= LEVEL_CODE_LENGTH[level]:
            return path[: LEVEL_CODE_LENGTH[level]]
    raise ValidationError("发生地至少应具体到县（区）")


# ---------------------------------------------------------------- guards (raise ActionRefused)


def can_record(user, place: Place) -> None:
    """Business users record matters located in their area; cluster leaders in their own cluster."""
    if not usable(user) or user.role not in RECORDING_ROLES:
        raise ActionRefused(gettext("您的账号不能登记事项"))
    prefix = scope_prefix(user)
    if prefix is None or not place.code.startswith(prefix):
        raise ActionRefused(gettext("%(place)s 不在您的管辖范围内") % {"place": place.name})


def can_accept(user, matter: Matter) -> None:
    _require_holder(user, matter, gettext_noop("受理"))
    require_state(matter, [MatterState.PENDING], gettext_noop("受理"))


def can_resolve_on_spot(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("现场处置"))
    if matter.kind == MatterKind.HAZARD:
        raise ActionRefused(gettext("隐患须整改并经复查后才能办结"))
    require_state(matter, ACTIVE, gettext_noop("现场处置"))


def can_report_up(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("上报"))
    require_state(matter, ACTIVE, gettext_noop("上报"))
    if matter.level == Level.COUNTY:
        raise ActionRefused(gettext("事项已在县级，不能再上报"))


def can_route_to_department(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("交办部门"))
    if matter.level == Level.GRID:
        raise ActionRefused(gettext("网格不能直接交办部门，请上报村（居）委会"))
    require_state(matter, ACTIVE, gettext_noop("交办部门"))


def can_department_reply(user, matter: Matter) -> None:
    _refuse_unless_user(user)
    if not is_liaison_of(user, matter.holder_department_id):
        raise ActionRefused(gettext("只有承办部门的联络人可以反馈办理结果"))
    require_state(matter, [MatterState.AT_DEPARTMENT], gettext_noop("反馈办理结果"))


def can_send_back(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("下发结果"))
    require_state(matter, [MatterState.IN_PROGRESS], gettext_noop("下发结果"))
    if len(matter.holder_path) >= len(lowest_unit_code(matter.path)):
        raise ActionRefused(gettext("事项已在最基层单位，无处下发"))
    if not matter.result:
        raise ActionRefused(gettext("还没有办理结果，不能下发"))


def can_return_with_reason(user, matter: Matter) -> None:
    _require_holder(user, matter, gettext_noop("回退"))
    if matter.holder_department_id is not None:
        require_state(matter, [MatterState.AT_DEPARTMENT], gettext_noop("回退"))
        return
    require_state(matter, ACTIVE, gettext_noop("回退"))
    if len(matter.holder_path) >= len(lowest_unit_code(matter.path)):
        raise ActionRefused(gettext("事项已在最基层单位，无处回退"))


def can_merge_as_duplicate(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("合并重复事项"))
    require_state(matter, ACTIVE, gettext_noop("合并重复事项"))


def can_reopen(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("重新办理"))
    require_state(matter, [MatterState.RESOLVED, MatterState.CLOSED], gettext_noop("重新办理"))


def can_schedule_mediation(user, matter: Matter) -> None:
    _require_holder(user, matter, gettext_noop("安排调解"))
    _require_kind(matter, [MatterKind.DISPUTE], gettext_noop("安排调解"))
    require_state(matter, [*ACTIVE, MatterState.AT_DEPARTMENT], gettext_noop("安排调解"))


def can_record_mediation(user, matter: Matter) -> None:
    _require_holder(user, matter, gettext_noop("记录调解"))
    _require_kind(matter, [MatterKind.DISPUTE], gettext_noop("记录调解"))
    require_state(matter, [*ACTIVE, MatterState.AT_DEPARTMENT], gettext_noop("记录调解"))


def can_record_agreement(user, matter: Matter) -> None:
    _require_holder(user, matter, gettext_noop("登记调解协议"))
    _require_kind(matter, [MatterKind.DISPUTE], gettext_noop("登记调解协议"))
    require_state(matter, [*ACTIVE, MatterState.AT_DEPARTMENT], gettext_noop("登记调解协议"))


def can_answer(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("答复诉求"))
    _require_kind(matter, [MatterKind.APPEAL], gettext_noop("答复"))
    require_state(matter, ACTIVE, gettext_noop("答复诉求"))


def can_rectify(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("登记整改"))
    _require_kind(matter, [MatterKind.HAZARD], gettext_noop("登记整改"))
    require_state(matter, ACTIVE, gettext_noop("登记整改"))


def can_reinspect(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("复查"))
    _require_kind(matter, [MatterKind.HAZARD], gettext_noop("复查"))
    require_state(matter, [MatterState.REINSPECTION], gettext_noop("复查"))


def can_proxy_handle(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("代办"))
    _require_kind(matter, [MatterKind.HARDSHIP], gettext_noop("代办"))
    require_state(matter, ACTIVE, gettext_noop("代办"))


def can_record_feedback(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("回访"))
    require_state(matter, [MatterState.RESOLVED], gettext_noop("回访"))


def can_close(user, matter: Matter) -> None:
    _require_unit_holder(user, matter, gettext_noop("结案"))
    require_state(matter, [MatterState.RESOLVED], gettext_noop("结案"))
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
    require_state(matter, OPEN_STATES, gettext_noop("修改事项"))


def can_supervise(user, matter: Matter) -> None:
    """督办 by hand: governance-center staff of a town or county, on an open matter held below them
    (a unit under their place, or a department of their place or below working on it)."""
    if not usable(user) or user.role != Role.CENTER_STAFF or user.place_id is None:
        raise ActionRefused(gettext("只有县、乡镇（街道）综治中心可以督办"))
    require_state(matter, OPEN_STATES, gettext_noop("督办"))
    code = user.place.code
    if matter.holder_department_id is not None:
        below = matter.holder_path.startswith(code) and matter.holder_department.path.startswith(code)
    else:
        below = matter.holder_path.startswith(code) and len(matter.holder_path) > len(code)
    if not below:
        raise ActionRefused(
            gettext("该事项现由%(holder)s办理，不是您的下级，不能督办") % {"holder": holder_name(matter)}
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


# ---------------------------------------------------------------- what the holder is expected to do next

A = MatterAction
RESOLVING = {  # how each kind of matter is settled where it is held
    MatterKind.DISPUTE: A.RESOLVE_ON_SPOT,
    MatterKind.APPEAL: A.ANSWER,
    MatterKind.ENVIRONMENT: A.RESOLVE_ON_SPOT,
    MatterKind.HARDSHIP: A.RESOLVE_ON_SPOT,
    MatterKind.HAZARD: A.RECTIFY,
}
SECOND_WAY = {MatterKind.HARDSHIP: A.PROXY_HANDLE}  # 代办: the other usual way to settle a hardship


def _dispute_at_village_or_above(sessions: list) -> list[str]:
    """Disputes the grid could not settle go to mediation: schedule it, record it, then settle or escalate."""
    last = sessions[-1] if sessions else None
    if last is None:
        return [A.SCHEDULE_MEDIATION]
    if not last.outcome:
        return [A.RECORD_MEDIATION]
    if last.outcome == MediationOutcome.SUCCESS:
        return [A.RESOLVE_ON_SPOT, A.RECORD_AGREEMENT]
    return [A.REPORT_UP, A.SCHEDULE_MEDIATION]


def _next_steps(matter: Matter, sessions: list) -> list[str]:
    """The course a matter in this state is expected to take next, most pressing first (before asking who may)."""
    state = matter.state
    if state == MatterState.PENDING:
        return [A.ACCEPT]
    if state == MatterState.AT_DEPARTMENT:
        return [A.DEPARTMENT_REPLY, *([A.RECORD_AGREEMENT] if matter.kind == MatterKind.DISPUTE else [])]
    if state == MatterState.REINSPECTION:
        return [A.REINSPECT]
    if state == MatterState.RESOLVED:
        if matter.reporter_known and matter.feedback_accepted_at is None:
            return [A.RECORD_FEEDBACK]  # 条条有回音: the reporter hears the outcome before it closes
        return [A.CLOSE]
    if state != MatterState.IN_PROGRESS:
        return []
    settle = RESOLVING[MatterKind(matter.kind)]
    if matter.result and len(matter.holder_path) < len(lowest_unit_code(matter.path)):
        return [A.SEND_BACK, settle]  # a department's (or a higher level's) result to hand down
    if matter.level in (Level.TOWN, Level.COUNTY):
        return [A.ROUTE_TO_DEPARTMENT, settle]
    if matter.kind == MatterKind.DISPUTE and matter.level == Level.VILLAGE:
        return _dispute_at_village_or_above(sessions)
    return [settle, SECOND_WAY.get(MatterKind(matter.kind), A.REPORT_UP), A.REPORT_UP]


def expected_next(user, matter: Matter, available: list[str] | None = None, *, sessions: Iterable = ()) -> list[str]:
    """Of the actions ``user`` may take on ``matter`` now, the one or two the holder is expected to take next,
    most pressing first; a matter's page leads with these and puts the rest of `available_actions` under “更多”.

    ``available`` is `available_actions(user, matter)` when the caller has it; ``sessions`` the matter's
    mediation sessions in order (a dispute held at the village is expected to go to mediation). Someone who does
    not hold the matter is expected to do nothing, except a governance center facing an overdue matter below it
    (督办).
    """
    if available is None:
        available = available_actions(user, matter)
    steps = _next_steps(matter, list(sessions))
    if matter.overdue:
        steps.append(A.SUPERVISE)
    picked: list[str] = []
    for action in steps:
        if action in available and action not in picked:
            picked.append(action)
    return picked[:2]


def may_report_up_on_record(user) -> bool:
    """Whether intake offers “登记并上报” to ``user``: only units that hold what they record may report it up
    in the same step (cluster leaders only report to their grid)."""
    return usable(user) and user.role in RECORDING_ROLES - {Role.CLUSTER_LEADER}


def can_report_up_on_record(user, place: Place) -> None:
    """登记并上报: the recorder must be able to record at ``place`` and work for the unit the matter lands at
    (its grid, or its village...), which then reports it one level up."""
    can_record(user, place)
    code = lowest_unit_code(place.code)
    level = LEVEL_BY_CODE_LENGTH[len(code)]
    if not acts_for_unit(user, level, code):
        raise ActionRefused(
            gettext("该事项将由%(place)s受理，您不能在登记时上报；请只登记，由该单位办理")
            % {"place": Place.objects.only("name").get(code=code).name}
        )
    if level == Level.COUNTY:
        raise ActionRefused(gettext("事项已在县级，不能再上报"))


# ---------------------------------------------------------------- taxonomy (administrator-editable data)
#
# The categories with their extra fields and the deadline table serve the whole installation, so only
# governance-center staff of a county (县级综治中心) edit them. Departments belong to a town or a county:
# county center staff manage those of their county and its towns, town center staff those of their town.


def can_manage_taxonomy(user) -> None:
    if not usable(user) or user.role != Role.CENTER_STAFF or user.place_id is None or user.place.kind != "county":
        raise ActionRefused(gettext("只有县级综治中心人员可以维护事项分类和办理时限"))


def can_manage_departments(user, place: Place | None = None) -> None:
    if not usable(user) or user.role != Role.CENTER_STAFF or user.place_id is None:
        raise ActionRefused(gettext("只有县、乡镇（街道）综治中心人员可以维护部门"))
    if place is not None and not place.code.startswith(user.place.code):
        raise ActionRefused(gettext("%(place)s 不在您的管辖范围内") % {"place": place.name})
