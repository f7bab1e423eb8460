"""The three-level linked disposal (三级联动处置) and closing the loop: accept, settle on the spot, report up,
route to a department and back, send results down, return, merge, reopen; feedback to the reporter, close."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from gridgov.core.actions import ActionRefused
from gridgov.matters.actions.engine import (
    ARRIVAL_FIELDS,
    _arrive,
    _before,
    _event,
    _lock,
    _mark_resolved,
    _save,
    _text,
    _unit,
    _unit_code,
)
from gridgov.matters.choices import (
    LEVEL_ORDER,
    FeedbackMethod,
    FeedbackVerdict,
    Level,
    MatterAction,
    MatterKind,
    MatterState,
    Recurrence,
    RiskColor,
)
from gridgov.matters.models import (
    Department,
    Feedback,
    Matter,
    MatterConfig,
    MatterEvent,
    MatterRouting,
)
from gridgov.matters.policy import (
    can_accept,
    can_close,
    can_department_reply,
    can_merge_as_duplicate,
    can_record_feedback,
    can_reopen,
    can_report_up,
    can_resolve_on_spot,
    can_return_with_reason,
    can_route_to_department,
    can_send_back,
    lowest_unit_code,
    require_state,
)


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
        lowest = lowest_unit_code(matter.path)
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
            require_state(matter, [MatterState.RESOLVED, MatterState.CLOSED], gettext_noop("重新办理"))
        else:
            can_reopen(user, matter)
        before = _before(matter)
        _save(matter, _reopen_fields(matter, timezone.now()))
        _event(user, matter, before, MatterAction.REOPEN, note=reason, system_actor=system_actor)
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
