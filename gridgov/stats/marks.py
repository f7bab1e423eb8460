"""Marks of what to recount (`StatsDirty`), written inside the transaction of the change they follow.

Imports no app: domain modules that change records in bulk (a queryset ``update``, which sends no
signal) call `mark` themselves; ordinary saves and deletes are marked by `gridgov.stats.signals`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

CODE_LENGTH = 16  # the deepest depth any rollup keeps (grids, for open matters)


def enabled() -> bool:
    return bool(getattr(settings, "GRIDGOV_STATS_ROLLUPS", True))


def local_day(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _unmarked(rows: set) -> set:
    """The buckets of ``rows`` not yet marked in the current transaction (a synced queue of forty visits to one
    grid on one day writes one mark, not forty). Each batch of marks registers an on-commit hook, and a mark
    counts as made while its hook is pending: a commit runs the hooks, and a rollback of the transaction or of
    the savepoint the marks were written in drops them together with the marks."""
    if not connection.in_atomic_block:
        return rows
    made: dict = getattr(connection, "_stats_marked", None) or {}
    alive = {id(entry[1]) for entry in connection.run_on_commit}
    return {row for row in rows if not (row in made and id(made[row]) in alive)}


def _remember(rows: set) -> None:
    if not connection.in_atomic_block:
        return

    def hook() -> None:
        pass

    transaction.on_commit(hook)
    alive = {id(entry[1]) for entry in connection.run_on_commit}
    made = {k: v for k, v in (getattr(connection, "_stats_marked", None) or {}).items() if id(v) in alive}
    made.update(dict.fromkeys(rows, hook))
    connection._stats_marked = made


def forget() -> None:
    """The marks were taken (by a refresh in this same transaction): mark again from here on."""
    connection._stats_marked = None


def mark(family: str, items: Iterable[tuple[str, object]]) -> None:
    """Recount ``family``'s buckets of these (place path, date or None) pairs at the next refresh."""
    from gridgov.stats.models import StatsDirty

    if not enabled():
        return
    rows = _unmarked({(family, path[:CODE_LENGTH], local_day(day)) for path, day in items if path})
    if rows:
        StatsDirty.objects.bulk_create(
            [StatsDirty(source=f, code=code, day=day) for f, code, day in sorted(rows, key=_order)]
        )
        _remember(rows)


def _order(row: tuple[str, str, dt.date | None]) -> tuple[str, str, dt.date]:
    return row[0], row[1], row[2] or dt.date.min
