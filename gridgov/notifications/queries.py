"""Reads: who holds a matter (and who supervises that holder), a user's notices, the outbox's due rows."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from gridgov.accounts.choices import Role
from gridgov.matters.choices import LEVEL_BY_CODE_LENGTH, LEVEL_CODE_LENGTH, LEVEL_ORDER, Level
from gridgov.notifications.choices import OutboundStatus
from gridgov.notifications.models import Notice, OutboundMessage


def unit_staff_filter(unit_code: str) -> Q | None:
    """Accounts that act for the unit whose place code is ``unit_code`` (mirrors matters' `acts_for_unit`):
    a grid's workers and its (or its village's) grid leaders, a village's committee, a town's or county's
    governance-center staff."""
    level = LEVEL_BY_CODE_LENGTH.get(len(unit_code))
    if level == Level.GRID:
        leader_codes = [unit_code[: LEVEL_CODE_LENGTH[Level.VILLAGE]], unit_code]
        return Q(role=Role.GRID_WORKER, place__code=unit_code) | Q(role=Role.GRID_LEADER, place__code__in=leader_codes)
    if level == Level.VILLAGE:
        return Q(role=Role.VILLAGE_COMMITTEE, place__code=unit_code)
    if level in (Level.TOWN, Level.COUNTY):
        return Q(role=Role.CENTER_STAFF, place__code=unit_code)
    return None


def unit_above(unit_code: str) -> str | None:
    """The code of the unit one level above ``unit_code`` (a grid's village, a village's town...), if any."""
    level = LEVEL_BY_CODE_LENGTH.get(len(unit_code))
    if level is None or level == LEVEL_ORDER[-1]:
        return None
    above = LEVEL_ORDER[LEVEL_ORDER.index(level) + 1]
    return unit_code[: LEVEL_CODE_LENGTH[above]]


def holder_filter(unit_code: str, department_id: int | None) -> Q | None:
    """Who holds a matter: the liaisons of the department it was routed to, else the unit's staff."""
    if department_id is not None:
        return Q(role=Role.DEPARTMENT_LIAISON, departments=department_id)
    return unit_staff_filter(unit_code)


def users_matching(*filters: Q | None) -> list[int]:
    """Ids of the active accounts matching any of ``filters``, in id order (one query)."""
    wanted = [f for f in filters if f is not None]
    if not wanted:
        return []
    combined = wanted[0]
    for extra in wanted[1:]:
        combined |= extra
    users = get_user_model().objects.filter(combined, is_active=True)
    return sorted(set(users.values_list("id", flat=True)))


def notices_for(user) -> QuerySet[Notice]:
    return Notice.objects.for_recipient(user).order_by("-id")


def unread_count(user) -> int:
    return Notice.objects.for_recipient(user).unread().count()


def due_messages(now: dt.datetime) -> QuerySet[OutboundMessage]:
    """Outbox rows to try now: pending and due, or stuck in sending past their lease (a crashed sender)."""
    waiting = Q(status=OutboundStatus.PENDING) | Q(status=OutboundStatus.SENDING, lease_until__lt=now)
    return (
        OutboundMessage.objects.exclude(status=OutboundStatus.SENT)
        .filter(waiting, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
    )


def sent_since(channel: str, since: dt.datetime) -> int:
    return OutboundMessage.objects.filter(channel=channel, sent_at__gte=since).count()


def waiting_messages() -> QuerySet[OutboundMessage]:
    """Every message not yet taken by its receiver, next to be tried first."""
    return OutboundMessage.objects.exclude(status=OutboundStatus.SENT).order_by("next_attempt_at", "id")


def sent_in_last_day() -> int:
    from django.utils import timezone

    return OutboundMessage.objects.filter(sent_at__gte=timezone.now() - dt.timedelta(days=1)).count()
