"""The total of a record list (共 N 条) as `gridgov.core.counting` asks it (registered in apps.py), counted
cheaply: by `engine.count` (the rollups, when the list's filters are a table's dimensions and its place a kept
depth) for the place-scoped view of a place, by a plain COUNT otherwise. The list and the figure share their
filters, so the total is the figure."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from gridgov.core.models import scope_prefix
from gridgov.stats import engine
from gridgov.stats.periods import EARLIEST, Period
from gridgov.stats.queries import STATS_ROLES


def list_code(user, place: str) -> str | None:
    """The place a list of ``user`` filtered to ``place`` covers: the deeper of the two when one holds the
    other; None when they do not overlap (the list is empty)."""
    prefix = scope_prefix(user)
    if prefix is None:
        return None
    if not place or place.startswith(prefix):
        return place or prefix
    return prefix if prefix.startswith(place) else None


def total(user, queryset: QuerySet, *, source: str, place: str, since, until, filters: dict) -> int:
    """The list's total for the place-scoped roles, from the rollups where they are kept."""
    period = None
    if since or until:
        since = since or EARLIEST
        period = Period(since, until or max(timezone.localdate(), since))
    if user.role in STATS_ROLES:
        code = list_code(user, place)
        if code is None:
            return 0
        return engine.total(source, code, period, filters=filters)
    return queryset.order_by().count()
