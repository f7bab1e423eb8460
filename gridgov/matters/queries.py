"""Reads of matters: work queues, lists, search. (The periodic deadline job is `actions.flag_overdue`.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.choices import Role
from gridgov.core.lookups import upper_bound
from gridgov.core.models import scope_prefix
from gridgov.core.paging import PAGE_SIZE, Page, add_total
from gridgov.matters.choices import CardColor, Level, MatterKind, MatterState, RiskColor
from gridgov.matters.fts import FTS_TABLE, PG_COLUMN
from gridgov.matters.models import QUEUE_ORDER, Matter
from gridgov.matters.search import fts5_query, query_terms, tsquery

# Roles whose view of matters is exactly their place's subtree (see MatterQuerySet.for_user).
PLACE_SCOPED_ROLES = frozenset({Role.CENTER_STAFF, Role.VILLAGE_COMMITTEE, Role.GRID_LEADER, Role.GRID_WORKER})


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
    return qs.order_by(*QUEUE_ORDER)


@dataclass(frozen=True)
class QueueRow:
    """One line of a work-queue page, its texts ready to print (the page shows 50 of these)."""

    pk: int
    kind: str
    created_at: dt.datetime
    url: str
    title: str
    kind_label: str
    category: str
    color: str
    color_label: str
    state_label: str
    overdue: bool
    card: str
    card_label: str
    possible_duplicate: bool
    level_label: str
    holder: str
    deadline: str

    reference = Matter.reference


QUEUE_COLUMNS = (
    "id", "kind", "created_at", "title", "color", "state", "level", "overdue", "card", "deadline_at",
    "possible_duplicate", "category__name", "holder_place__name", "holder_department__name",
)  # fmt: skip


def queue_page(user, number: int, size: int = PAGE_SIZE) -> Page:
    """Page ``number`` of ``user``'s work queue, in one query of the columns the page prints.

    The rows are plain values with their labels looked up once per page: the page is opened all
    day by every worker, and model instances with per-row template lookups cost more than the query.
    """
    offset = (number - 1) * size
    found = list(work_queue(user).values_list(*QUEUE_COLUMNS)[offset : offset + size + 1])
    marker = "987654321"  # each row's link is the detail URL with its id (one reverse() for the page)
    head, tail = reverse("matters:detail", kwargs={"pk": int(marker)}).split(marker)
    kinds, colors, states = _labels(MatterKind), _labels(RiskColor), _labels(MatterState)
    cards, levels = _labels(CardColor), _labels(Level)
    rows = [
        QueueRow(
            pk=pk,
            kind=kind,
            created_at=created_at,
            url=f"{head}{pk}{tail}",
            title=title,
            kind_label=kinds.get(kind, kind),
            category=category,
            color=color,
            color_label=colors.get(color, color),
            state_label=states.get(state, state),
            overdue=overdue,
            card=card,
            card_label=cards.get(card, card),
            possible_duplicate=duplicate,
            level_label=levels.get(level, level),
            holder=department or place,
            deadline=timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M") if deadline else "—",
        )
        for (
            pk, kind, created_at, title, color, state, level, overdue, card, deadline, duplicate, category, place,
            department,
        ) in found[:size]
    ]  # fmt: skip
    return add_total(Page(rows=rows, number=number, has_next=len(found) > size, size=size), work_queue(user))


def _labels(choices) -> dict[str, str]:
    """Value -> label in the active language."""
    return {value: str(label) for value, label in choices.choices}


SEARCH_LIMIT = 100
SCAN_CAP = 5000


def _pg_match(text: str) -> RawSQL | None:
    expr = tsquery(text)
    sql = f'"matters_matter"."{PG_COLUMN}" @@ to_tsquery(\'simple\', %s)'
    return RawSQL(sql, [expr], output_field=BooleanField()) if expr else None


def _fts5_match(text: str) -> RawSQL | None:
    expr = fts5_query(text)
    sql = f'"matters_matter"."id" IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)'
    return RawSQL(sql, [expr], output_field=BooleanField()) if expr else None


def _token_match(text: str) -> RawSQL | None:
    """The same test read straight from the token column (for a few thousand rows, cheaper than FTS)."""
    exact, prefix = query_terms(text)
    params = [f" {t} " for t in exact] + [f" {t}" for t in prefix]
    sql = " AND ".join(["instr(' ' || \"matters_matter\".\"search_text\" || ' ', %s) > 0"] * len(params))
    return RawSQL(sql, params, output_field=BooleanField()) if params else None


def search_predicate(text: str) -> RawSQL | None:
    """A filter for matters whose title or description contain every word of ``text``, served by
    the engine's full-text index; None when ``text`` has nothing to search for."""
    return _pg_match(text) if connection.vendor == "postgresql" else _fts5_match(text)


def search(user, text: str, *, limit: int = SEARCH_LIMIT, before_id: int | None = None) -> QuerySet[Matter]:
    """The newest ``limit`` matters in ``user``'s view whose title or description contain every word
    of ``text`` (Chinese by character bigrams, so two-character words match; one character is a
    prefix search). Page on with ``before_id`` = the last id shown.

    PostgreSQL plans this itself from the GIN index and the path index. SQLite cannot weigh the
    two, so we choose: a small view (a grid, a village: at most SCAN_CAP rows) is read through the
    path index and its token column tested directly; a large one (a town, a county) walks the FTS
    matches newest first and stops at ``limit`` in scope.
    """
    scoped = Matter.objects.for_user(user)
    if before_id is not None:
        scoped = scoped.filter(id__lt=before_id)
    if connection.vendor == "postgresql":
        match = _pg_match(text)
        ids = [] if match is None else scoped.filter(match).order_by("-id").values_list("id", flat=True)[:limit]
    else:
        ids = _sqlite_search_ids(user, scoped, text, limit, before_id)
    return Matter.objects.filter(id__in=list(ids)).order_by("-id")


def _sqlite_search_ids(user, scoped: QuerySet[Matter], text: str, limit: int, before_id: int | None) -> list[int]:
    expr = fts5_query(text)
    if not expr:
        return []
    newest = scoped.order_by("-id").values_list("id", flat=True)
    if scoped.order_by()[: SCAN_CAP + 1].count() <= SCAN_CAP:
        return list(newest.filter(_token_match(text))[:limit])
    prefix = scope_prefix(user)
    if prefix is None or user.role not in PLACE_SCOPED_ROLES:
        return list(newest.filter(_fts5_match(text))[:limit])
    sql = (
        f'SELECT m."id" FROM {FTS_TABLE} CROSS JOIN "matters_matter" m ON m."id" = {FTS_TABLE}.rowid'
        f' WHERE {FTS_TABLE} MATCH %s AND m."path" >= %s AND m."path" < %s'
        + (' AND m."id" < %s' if before_id is not None else "")
        + f" ORDER BY {FTS_TABLE}.rowid DESC LIMIT %s"
    )
    params = [expr, prefix, upper_bound(prefix), *([before_id] if before_id is not None else []), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
