"""The totals of record lists (共 N 条) and the filters a list shares with the figures that link to it.

A domain app's list asks here; the statistics app (which reads every domain app) registers how it counts
from its ``AppConfig.ready``. So a list's total is the figure that linked to it, and no domain app imports
the statistics. Without a registration a total is a plain COUNT of the list's queryset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.dispatch import Signal

_total: Callable | None = None
_narrow: Callable | None = None

# Sent by an action that moves counted records with a queryset ``update`` (which sends no model signal):
# ``family`` is the statistics' family ("key_persons"), ``items`` the (path, date) pairs left and joined.
buckets_changed = Signal()


def register(*, total: Callable, narrow: Callable) -> None:
    global _total, _narrow
    _total, _narrow = total, narrow


def total(
    user,
    queryset: QuerySet,
    *,
    source: str,
    place: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    filters: dict | None = None,
    countable: bool = True,
) -> int:
    """The list's total. ``countable`` False (a text search, a filter no figure has) counts ``queryset``."""
    if _total is None or not countable:
        return queryset.order_by().count()
    return _total(user, queryset, source=source, place=place, since=since, until=until, filters=filters or {})


def narrow(source: str, queryset: QuerySet, filters: dict) -> QuerySet:
    """``queryset`` limited to the records a figure with ``filters`` (its dimensions) counts."""
    if _narrow is None:
        raise ImproperlyConfigured("gridgov.stats is not installed: no figure filters")
    return _narrow(source, queryset, filters)
