"""Reads for the workbench (工作台). Each figure comes from the app that owns it, through `for_user`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from gridgov.keypersons.models import KeyPerson
from gridgov.keypersons.queries import counts_for, due_follow_ups
from gridgov.matters.choices import RiskColor
from gridgov.matters.models import QUEUE_ORDER, Matter
from gridgov.matters.queries import work_queue
from gridgov.places.models import Place
from gridgov.places.queries import Counts, totals
from gridgov.stats.reports import KindFigures, matter_figures
from gridgov.visits.queries import scope_rule

QUEUE_ROWS = 10
FOLLOW_UP_ROWS = 20
MATTER_COLUMNS = ("category", "holder_place", "holder_department")


@dataclass
class MatterList:
    rows: list[Matter]
    total: int


def _first(qs, size: int) -> MatterList:
    rows = list(qs.select_related(*MATTER_COLUMNS)[:size])
    return MatterList(rows, len(rows) if len(rows) < size else qs.count())


def queue(user, size: int = QUEUE_ROWS) -> MatterList:
    """The first matters of the user's work queue (`gridgov.matters.queries.work_queue`) and how many it holds."""
    return _first(work_queue(user), size)


def reported(user, size: int = QUEUE_ROWS) -> MatterList:
    """The open matters a household-cluster leader reported: they hold none, they report and follow the outcome."""
    return _first(Matter.objects.for_user(user).filter(is_open=True).order_by(*QUEUE_ORDER), size)


@dataclass
class PlaceFigures:
    """The key counts of the user's place, above its cockpit on the leaders' workbench."""

    place: Place
    totals: Counts
    open: int
    overdue: int
    red: int
    year: int
    kinds: list[KindFigures]


def place_figures(user, today: dt.date | None = None) -> PlaceFigures:
    today = today or timezone.localdate()
    now = (
        Matter.objects.for_user(user)
        .filter(is_open=True)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(overdue=True)),
            red=Count("pk", filter=Q(color=RiskColor.RED)),
        )
    )
    place = user.place
    return PlaceFigures(
        place=place,
        totals=totals(user, place),
        open=now["open"],
        overdue=now["overdue"],
        red=now["red"],
        year=today.year,
        kinds=matter_figures(place.code, dt.date(today.year, 1, 1), today),
    )


@dataclass
class FollowUpsDue:
    """Key persons due for a follow-up by ``horizon`` (the 今日计划's horizon), most overdue first."""

    today: dt.date
    horizon: dt.date
    rows: list[KeyPerson]
    more: bool
    counts: dict


def follow_ups_due(user, today: dt.date | None = None, size: int = FOLLOW_UP_ROWS) -> FollowUpsDue:
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=scope_rule(user).remind_days)
    rows, more = due_follow_ups(user, horizon, limit=size)
    return FollowUpsDue(today, horizon, rows, more, counts_for(user, today))
