"""Reads of matters (work queues, search) and the periodic deadline job that drives supervision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from gridgov.accounts.choices import Role
from gridgov.matters import actions
from gridgov.matters.choices import CardColor, Level, MatterKind, MatterState, Recurrence
from gridgov.matters.models import Matter
from gridgov.matters.search import fts5_query, tsquery

FTS_TABLE = "matters_matter_fts"


def work_queue(user) -> QuerySet[Matter]:
    """What ``user`` must act on now: matters held by their unit (or routed to their department),
    overdue first, then by deadline. Matters waiting on a department are not the unit's to act on."""
    if user is None or not user.is_authenticated or not user.is_active or not user.role:
        return Matter.objects.none()
    open_matters = Matter.objects.filter(is_open=True)
    if user.role == Role.DEPARTMENT_LIAISON:
        qs = open_matters.filter(holder_department__in=user.departments.values("id"))
    elif user.place_id is None:
        return Matter.objects.none()
    else:
        code = user.place.code
        if user.role == Role.GRID_WORKER:
            unit = Q(holder_path=code, level=Level.GRID)
        elif user.role == Role.GRID_LEADER:
            unit = Q(holder_path__within=code, level=Level.GRID)
        elif user.role in (Role.VILLAGE_COMMITTEE, Role.CENTER_STAFF):
            unit = Q(holder_path=code)
        else:
            return Matter.objects.none()
        qs = open_matters.filter(unit, holder_department__isnull=True)
    return qs.order_by("-overdue", F("deadline_at").asc(nulls_last=True), "id")


def search_predicate(text: str) -> RawSQL | None:
    """A filter matching matters whose title or description contain every word of ``text``,
    served by the full-text index of the engine; None when ``text`` has nothing to search for."""
    if connection.vendor == "postgresql":
        expr = tsquery(text)
        sql = "to_tsvector('simple', \"matters_matter\".\"search_text\") @@ to_tsquery('simple', %s)"
    else:
        expr = fts5_query(text)
        sql = f'"matters_matter"."id" IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)'
    return RawSQL(sql, [expr], output_field=BooleanField()) if expr else None


def search(user, text: str) -> QuerySet[Matter]:
    """Matters in ``user``'s view matching ``text`` (Chinese by character bigrams, so two-character
    words match; a single character is a prefix search), newest first."""
    scoped = Matter.objects.for_user(user)
    match = search_predicate(text)
    return scoped.none() if match is None else scoped.filter(match).order_by("-id")


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
        if actions.issue_card(matter, CardColor.YELLOW, now) is not None:
            report.yellow += 1
            if actions.auto_escalate(matter, now):
                report.escalated += 1
    very_late = (
        Matter.objects.filter(is_open=True, red_card_at__lte=now)
        .exclude(card=CardColor.RED)
        .order_by("red_card_at", "id")
    )
    for pk in list(very_late.values_list("id", flat=True)):
        if actions.issue_card(Matter(pk=pk), CardColor.RED, now) is not None:
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
        actions.reopen(None, Matter(pk=pk), reason=f"常态化整治：{when:%Y-%m-%d}", system_actor="定期整治计划")
        count += 1
    return count
