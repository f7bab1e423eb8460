"""The matters' yearly figures (`matter_figures`). The disputes and hazards ledgers moved to `gridgov.ledgers`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from gridgov.matters.choices import MatterKind
from gridgov.matters.models import Matter


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# ---------------------------------------------------------------- yearly figures


@dataclass(frozen=True)
class KindFigures:
    kind: str
    label: str
    received: int  # recorded in the period (merged duplicates left out)
    resolved: int  # of those, resolved or closed by now
    open: int  # of those, still open
    overdue: int  # of those, open and past the time limit


def matter_figures(place_code: str, since: dt.date, until: dt.date) -> list[KindFigures]:
    """Counts per kind of the matters recorded at ``place_code`` (and below) between two dates (inclusive)."""
    from django.db.models import Count

    qs = (
        Matter.objects.within(place_code)
        .filter(created_at__gte=_day_start(since), created_at__lt=_day_start(until + dt.timedelta(days=1)))
        .exclude(state="merged")
        .values("kind")
        .annotate(
            received=Count("id"),
            resolved=Count("id", filter=Q(resolved_at__isnull=False) | Q(state="closed")),
            open=Count("id", filter=Q(is_open=True)),
            overdue=Count("id", filter=Q(is_open=True, overdue=True)),
        )
    )
    found = {row["kind"]: row for row in qs}
    out = []
    for kind in MatterKind:
        row = found.get(kind.value, {})
        out.append(
            KindFigures(
                kind.value,
                kind.label,
                row.get("received", 0),
                row.get("resolved", 0),
                row.get("open", 0),
                row.get("overdue", 0),
            )
        )
    return out
