"""督办 and the periodic jobs: the deadline job's yellow and red cards and automatic escalation (no user), cards
issued by hand, and environment problems under routine remediation coming back on their date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core.actions import ActionRefused
from gridgov.matters.actions.disposal import reopen
from gridgov.matters.actions.engine import (
    ARRIVAL_FIELDS,
    _arrive,
    _before,
    _event,
    _lock,
    _save,
    _text,
    _unit,
    _unit_code,
)
from gridgov.matters.choices import (
    LEVEL_ORDER,
    CardColor,
    Level,
    MatterAction,
    MatterKind,
    MatterState,
    Recurrence,
)
from gridgov.matters.models import (
    DeadlineRule,
    Matter,
    Supervision,
)
from gridgov.matters.policy import (
    ACTIVE,
    StateRefused,
    can_supervise,
    holder_name,
)

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
        holder = holder_name(matter)
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


# ---------------------------------------------------------------- the periodic jobs


@dataclass
class FlagReport:
    yellow: int = 0
    red: int = 0
    escalated: int = 0


def flag_overdue(now: dt.datetime | None = None) -> FlagReport:
    """The periodic deadline job: yellow card at the first breach, red card at twice the limit,
    and one level up where the rule says so. Idempotent: a second run at the same time does nothing."""
    now = now or timezone.now()
    report = FlagReport()
    late = Matter.objects.filter(is_open=True, deadline_at__lte=now, card="").order_by("deadline_at", "id")
    for pk in list(late.values_list("id", flat=True)):
        matter = Matter(pk=pk)
        if issue_card(matter, CardColor.YELLOW, now) is not None:
            report.yellow += 1
            if auto_escalate(matter, now):
                report.escalated += 1
    very_late = (
        Matter.objects.filter(is_open=True, red_card_at__lte=now)
        .exclude(card=CardColor.RED)
        .order_by("red_card_at", "id")
    )
    for pk in list(very_late.values_list("id", flat=True)):
        if issue_card(Matter(pk=pk), CardColor.RED, now) is not None:
            report.red += 1
    return report


def reopen_due_recurrences(today: dt.date | None = None) -> int:
    """Environment problems under routine remediation (常态化整治) come back on their date.
    Safe to run again: a reopened matter's next date is cleared until it is resolved again."""
    today = today or timezone.localdate()
    due = Matter.objects.filter(
        kind=MatterKind.ENVIRONMENT,
        recurrence=Recurrence.RECURRING,
        next_recurrence__lte=today,
        state__in=[MatterState.RESOLVED, MatterState.CLOSED],
    ).order_by("id")
    count = 0
    for pk, when in list(due.values_list("id", "next_recurrence")):
        try:
            reopen(None, Matter(pk=pk), reason=f"常态化整治：{when:%Y-%m-%d}", system_actor="定期整治计划")
        except StateRefused:
            continue  # reopened meanwhile by another worker (the row is locked and checked again)
        count += 1
    return count
