"""Reads: who holds a matter (and who supervises that holder), a user's notices, the outbox's due rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Q, QuerySet

from gridgov.accounts.choices import Role
from gridgov.matters.choices import LEVEL_BY_CODE_LENGTH, LEVEL_CODE_LENGTH, LEVEL_ORDER, Level
from gridgov.matters.models import Department
from gridgov.notifications.choices import OutboundStatus
from gridgov.notifications.models import Notice, OutboundMessage


def unit_staff_rules(unit_code: str) -> list[tuple[str, tuple[str, ...]]]:
    """Accounts that act for the unit whose place code is ``unit_code`` (mirrors matters' `acts_for_unit`),
    as (role, place codes) pairs: a grid's workers and its (or its village's) grid leaders, a village's
    committee, a town's or county's governance-center staff."""
    level = LEVEL_BY_CODE_LENGTH.get(len(unit_code))
    if level == Level.GRID:
        village = unit_code[: LEVEL_CODE_LENGTH[Level.VILLAGE]]
        return [(Role.GRID_WORKER, (unit_code,)), (Role.GRID_LEADER, (village, unit_code))]
    if level == Level.VILLAGE:
        return [(Role.VILLAGE_COMMITTEE, (unit_code,))]
    if level in (Level.TOWN, Level.COUNTY):
        return [(Role.CENTER_STAFF, (unit_code,))]
    return []


def unit_above(unit_code: str) -> str | None:
    """The code of the unit one level above ``unit_code`` (a grid's village, a village's town...), if any."""
    level = LEVEL_BY_CODE_LENGTH.get(len(unit_code))
    if level is None or level == LEVEL_ORDER[-1]:
        return None
    above = LEVEL_ORDER[LEVEL_ORDER.index(level) + 1]
    return unit_code[: LEVEL_CODE_LENGTH[above]]


# Runs inside the matter engine's write transaction on every recorded or moved matter (SQLite has one
# writer, so its cost bounds the filings per second): plain statements, built once per database and
# shape, instead of compiling an ORM query each time. Always read, never cached: an account created,
# moved or deactivated a moment ago is counted as it is now.
_sql: dict[tuple, str] = {}


def _unit_statement(alias: str, codes: int, roles: int) -> str:
    key = (alias, "unit", codes, roles)
    sql = _sql.get(key)
    if sql is None:
        q = connections[alias].ops.quote_name
        user = get_user_model()
        place = user._meta.get_field("place").related_model
        sql = _sql[key] = (
            f"SELECT u.{q(user._meta.pk.column)}, u.{q(user._meta.get_field('role').column)},"
            f" p.{q(place._meta.get_field('code').column)}"
            f" FROM {q(place._meta.db_table)} p INNER JOIN {q(user._meta.db_table)} u"
            f" ON u.{q(user._meta.get_field('place').column)} = p.{q(place._meta.pk.column)}"
            f" WHERE p.{q(place._meta.get_field('code').column)} IN ({', '.join(['%s'] * codes)})"
            f" AND u.{q(user._meta.get_field('role').column)} IN ({', '.join(['%s'] * roles)})"
            f" AND u.{q(user._meta.get_field('is_active').column)} = %s"
        )
    return sql


def _liaison_statement(alias: str) -> str:
    key = (alias, "liaison")
    sql = _sql.get(key)
    if sql is None:
        q = connections[alias].ops.quote_name
        user = get_user_model()
        liaisons = Department._meta.get_field("liaisons")
        through = liaisons.remote_field.through
        link_department, link_user = liaisons.m2m_column_name(), liaisons.m2m_reverse_name()
        sql = _sql[key] = (
            f"SELECT u.{q(user._meta.pk.column)} FROM {q(through._meta.db_table)} d INNER JOIN"
            f" {q(user._meta.db_table)} u ON u.{q(user._meta.pk.column)} = d.{q(link_user)}"
            f" WHERE d.{q(link_department)} = %s AND u.{q(user._meta.get_field('role').column)} = %s"
            f" AND u.{q(user._meta.get_field('is_active').column)} = %s"
        )
    return sql


def accounts_for(unit_codes: Iterable[str] = (), department_id: int | None = None) -> list[int]:
    """Ids of the active accounts acting for any of ``unit_codes`` (see `unit_staff_rules`) or, with
    ``department_id``, liaising for that department; in id order. One query per kind asked for."""
    rules = [rule for code in dict.fromkeys(unit_codes) for rule in unit_staff_rules(code)]
    alias = router.db_for_read(get_user_model())
    found: set[int] = set()
    with connections[alias].cursor() as cursor:
        if rules:
            codes = list(dict.fromkeys(code for _, rule_codes in rules for code in rule_codes))
            roles = list(dict.fromkeys(role for role, _ in rules))
            wanted = {(str(role), code) for role, rule_codes in rules for code in rule_codes}
            cursor.execute(_unit_statement(alias, len(codes), len(roles)), [*codes, *map(str, roles), True])
            found.update(uid for uid, role, code in cursor.fetchall() if (role, code) in wanted)
        if department_id is not None:
            cursor.execute(_liaison_statement(alias), [department_id, str(Role.DEPARTMENT_LIAISON), True])
            found.update(uid for (uid,) in cursor.fetchall())
    return sorted(found)


def holder_accounts(unit_code: str, department_id: int | None) -> list[int]:
    """Who holds a matter: the liaisons of the department it was routed to, else the unit's staff."""
    if department_id is not None:
        return accounts_for(department_id=department_id)
    return accounts_for([unit_code])


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
