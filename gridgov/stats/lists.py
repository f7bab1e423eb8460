"""The total of a record list (共 N 条), counted cheaply: by `engine.count` (the rollups, when the list's
filters are a table's dimensions and its place a kept depth) for the place-scoped view of a place, by a
plain COUNT otherwise. The list and the figure share their filters, so the total is the figure."""

from __future__ import annotations

from django.db.models import QuerySet

from gridgov.core.models import scope_prefix
from gridgov.stats import engine
from gridgov.stats.periods import Period
from gridgov.stats.queries import STATS_ROLES

SEARCH_CAP = 1000


def list_code(user, place: str) -> str | None:
    """The place a list of ``user`` filtered to ``place`` covers: the deeper of the two when one holds the
    other; None when they do not overlap (the list is empty)."""
    prefix = scope_prefix(user)
    if prefix is None:
        return None
    if not place or place.startswith(prefix):
        return place or prefix
    return prefix if prefix.startswith(place) else None


def total(
    user,
    queryset: QuerySet,
    *,
    source: str,
    place: str = "",
    period: Period | None = None,
    filters: dict | None = None,
    countable: bool = True,
) -> int:
    """The list's total. ``countable`` False (a text search, a filter no figure has) counts ``queryset``."""
    if countable and user.role in STATS_ROLES:
        code = list_code(user, place)
        if code is None:
            return 0
        return engine.total(source, code, period, filters=filters)
    return queryset.order_by().count()


def capped(queryset: QuerySet, cap: int = SEARCH_CAP) -> tuple[int, bool]:
    """(count, more): a search's hits counted up to ``cap``."""
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap
