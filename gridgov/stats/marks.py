"""Marks of what to recount (`StatsDirty`), written inside the transaction of the change they follow.

Imports no app: domain modules that change records in bulk (a queryset ``update``, which sends no
signal) call `mark` themselves; ordinary saves and deletes are marked by `gridgov.stats.signals`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
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


def mark(family: str, items: Iterable[tuple[str, object]]) -> None:
    """Recount ``family``'s buckets of these (place path, date or None) pairs at the next refresh."""
    from gridgov.stats.models import StatsDirty

    if not enabled():
        return
    rows = {(path[:CODE_LENGTH], local_day(day)) for path, day in items if path}
    if rows:
        StatsDirty.objects.bulk_create(
            [StatsDirty(source=family, code=code, day=day) for code, day in sorted(rows, key=_order)]
        )


def _order(row: tuple[str, dt.date | None]) -> tuple[str, dt.date]:
    return row[0], row[1] or dt.date.min
