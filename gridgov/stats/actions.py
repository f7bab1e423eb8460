"""Keeping the rollups: the periodic refresh and the full rebuild, both recounting from the records.

**What changed.** Matters: every matter action writes exactly one timeline row (`MatterEvent`), so the
refresh reads the timeline past a watermark and recounts the buckets of the matters it names (their
place and recording day; the units that held them before and after). Intake writes nothing more, so
filing costs the same with rollups on or off. Other records: each save or delete writes a mark
(`StatsDirty`) in its own transaction (`gridgov.stats.signals`); the refresh takes the marks it read
and deletes exactly those. Timeline ids can commit out of order (PostgreSQL sequences, SQLite id
blocks in `gridgov.core.sqlite`): the refresh reads the rows past its cursor and remembers the ids it
skipped over, looking for them again at each refresh until a grace period (``GRIDGOV_STATS_GRACE_SECONDS``,
120 s) has passed (a transaction rolled back, or an id reserved and never used). The watermark stays below
the oldest id still looked for. A recount is idempotent, so reading a row twice does no harm.

**Recounting a bucket.** A bucket is a village (the *chunk*) and a month, or a place above villages
and a month (snapshot tables: no month). A chunk is recounted from one GROUP BY over its records
(every table of the family from the same read), the rows of every depth inside it replaced; a place
above is the sum of its children's rows plus the records held at the place itself. Day rows are kept
for the current and the previous month (`periods.day_window_start`).

`refresh()` runs from `manage.py run_periodic` every round (60 s), so a change shows within a
minute or so; `rebuild(code)` recounts a whole subtree (`manage.py rebuild_stats`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from gridgov.core.bulk import insert_rows
from gridgov.stats.choices import Grain
from gridgov.stats.cubes import CUBES, FAMILIES, Cube, family_sources
from gridgov.stats.engine import raw_rows, rollups_on
from gridgov.stats.marks import forget, local_day
from gridgov.stats.models import StatsDirty, StatsState
from gridgov.stats.periods import day_window_start, month_start, next_month
from gridgov.stats.sources import Source

SNAPSHOT = dt.date(1970, 1, 1)  # the period column of snapshot rows
FAR = dt.date(2999, 1, 1)
CHUNK = 12  # villages: every bucket below is recounted from the records at once
EVENT_BATCH = 5000
MARK_BATCH = 5000
LEASE = dt.timedelta(minutes=5)


class Busy(Exception):
    """Another process is refreshing or rebuilding the rollups now."""


@dataclass
class Report:
    events: int = 0
    marks: int = 0
    chunks: int = 0
    uppers: int = 0
    rows: int = 0
    rebuilt: bool = False
    skipped: str = ""
    families: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v or k == "events"}


def _grace() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "GRIDGOV_STATS_GRACE_SECONDS", 120)))


# ---------------------------------------------------------------- the lease (one refresher at a time)


def _state() -> StatsState:
    state, _ = StatsState.objects.get_or_create(pk=1)
    return state


def _acquire(now: dt.datetime) -> None:
    _state()
    taken = (
        StatsState.objects.filter(pk=1)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )
    if not taken:
        raise Busy("统计汇总正在由另一进程刷新")


def _renew() -> None:
    StatsState.objects.filter(pk=1).update(lease_until=timezone.now() + LEASE)


def _release(**fields) -> None:
    StatsState.objects.filter(pk=1).update(lease_until=None, **fields)


# ---------------------------------------------------------------- buckets


def _buckets(items) -> tuple[set, set]:
    """(chunks, uppers): {(village code, month or None)} and {(code above villages, month or None)}."""
    chunks, uppers = set(), set()
    for code, day in items:
        day = local_day(day)
        month = month_start(day) if day is not None else None
        if len(code) >= CHUNK:
            chunks.add((code[:CHUNK], month))
        elif code:
            uppers.add((code, month))
    return chunks, uppers


def _key(bucket) -> tuple[str, dt.date]:
    return bucket[0], bucket[1] or dt.date.min


def _project(rows: list[dict], cube: Cube, grain: str, depth_min: int, depth_max: int, into: dict) -> None:
    """Add ``rows`` (with ``code`` and ``month``/``day``) to ``into`` at every depth of ``cube`` they reach."""
    for row in rows:
        code = row["code"]
        period = row.get("month") or row.get("day") or SNAPSHOT
        values = tuple(row[d] for d in cube.dims)
        for depth in cube.depths:
            if depth_min <= depth <= depth_max and depth <= len(code):
                slot = into.setdefault((code[:depth], grain, period, values), [0] * (1 + len(cube.sums)))
                slot[0] += row["n"]
                for i, name in enumerate(cube.sums, 1):
                    slot[i] += row[name]


def _write(cube: Cube, rows: dict) -> int:
    """Insert ``rows`` ({(place, grain, period, dim values): [n, sums...]}) straight into the table
    (`core.bulk.insert_rows`): the ORM's bulk_create spends most of a rebuild preparing values one by one."""
    meta = cube.table._meta
    columns = [
        meta.get_field(name).column for name in ("place", "parent", "grain", "period", "n", *cube.dims, *cube.sums)
    ]
    adapt = connection.ops.adapt_datefield_value
    values = (
        (
            place,
            cube.parent(place),
            grain,
            adapt(period),
            measures[0],
            *(adapt(v) if isinstance(v, dt.date) else v for v in dims),
            *measures[1:],
        )  # fmt: skip
        for (place, grain, period, dims), measures in rows.items()
        if measures[0]
    )
    return insert_rows(meta.db_table, columns, values)


def _delete(queryset) -> None:
    """DELETE without Django's collector: rollup rows have no relations and no signals of their own, but the
    audit's global post_delete receiver would make a queryset delete read every id first."""
    queryset._raw_delete(queryset.db)


def _source_dims(cubes: list[Cube]) -> tuple[list[str], list[str]]:
    dims = list(dict.fromkeys(d for c in cubes for d in c.dims))
    sums = list(dict.fromkeys(s for c in cubes for s in c.sums))
    return dims, sums


def _read(source: Source, cubes: list[Cube], *, code="", start=None, end=None, paths=None, today=None):
    """(month or snapshot rows, day rows) of ``source`` with every dimension its tables need."""
    dims, sums = _source_dims(cubes)
    prefix = max(c.bottom for c in cubes)
    where = {"paths": paths} if paths is not None else {}
    if source.date is None:
        return raw_rows(source, code, dims=dims, sums=sums, prefix=prefix, **where), []
    window = day_window_start(today)
    if start is not None and start >= window:  # a month of the day window: its month rows sum its days
        days = raw_rows(source, code, start, end, dims=dims, sums=sums, prefix=prefix, by_day=True, **where)
        return _months_of(days, dims, sums), days
    months = raw_rows(source, code, start, end, dims=dims, sums=sums, prefix=prefix, by_month=True, **where)
    days = []
    if end is None or end > window:
        d_start, d_end = max(start or window, window), end or FAR
        days = raw_rows(source, code, d_start, d_end, dims=dims, sums=sums, prefix=prefix, by_day=True, **where)
    return months, days


def _months_of(days: list[dict], dims: list[str], sums: list[str]) -> list[dict]:
    out: dict = {}
    for row in days:
        key = (row["code"], month_start(row["day"]), *(row[d] for d in dims))
        slot = out.setdefault(key, {"code": row["code"], "month": key[1], **{d: row[d] for d in dims}, "n": 0,
                                    **{name: 0 for name in sums}})  # fmt: skip
        slot["n"] += row["n"]
        for name in sums:
            slot[name] += row[name]
    return list(out.values())


def _recount_chunk(source: Source, cubes: list[Cube], chunk: str, month: dt.date | None, today=None) -> int:
    """Replace every row at or under the village ``chunk`` for ``month`` (None: all time), from the records."""
    start, end = (month, next_month(month)) if month else (None, None)
    months, days = _read(source, cubes, code=chunk, start=start, end=end, today=today)
    written = 0
    for cube in cubes:
        rows: dict = {}
        grain = Grain.MONTH if source.date else Grain.SNAPSHOT
        _project(months, cube, grain, len(chunk), 99, rows)
        _project(days, cube, Grain.DAY, len(chunk), 99, rows)
        old = cube.table.objects.filter(place__within=chunk)
        if source.date is None:
            old = old.filter(grain=Grain.SNAPSHOT)
        elif month is None:
            old = old.filter(grain__in=[Grain.MONTH, Grain.DAY])
        else:
            old = old.filter(Q(grain=Grain.MONTH, period=month) | Q(grain=Grain.DAY, period__gte=start, period__lt=end))
        _delete(old)
        written += _write(cube, rows)
    return written


def _recount_upper(source: Source, cubes: list[Cube], code: str, month: dt.date | None, today=None) -> int:
    """Replace ``code``'s rows for ``month`` in ``cubes`` (all of ``source``): the sum of its children's rows plus
    the records held at the place itself (one read of those for every table)."""
    dims, sums = _source_dims(cubes)
    window_too = source.date is not None and next_month(month) > day_window_start(today)
    if source.date is None:
        direct = {Grain.SNAPSHOT: raw_rows(source, code, exact=True, dims=dims, sums=sums)}
    else:
        start, end = month, next_month(month)
        direct = {Grain.MONTH: raw_rows(source, code, start, end, exact=True, dims=dims, sums=sums, by_month=True)}
        if window_too:
            direct[Grain.DAY] = raw_rows(source, code, start, end, exact=True, dims=dims, sums=sums, by_day=True)
    written = 0
    for cube in cubes:
        if not cube.keeps(code):
            continue
        rows: dict = {}
        measures = {"n": Sum("n"), **{s: Sum(s) for s in cube.sums}}
        for grain, found in direct.items():
            period_rows = [{**r, "period": r.get("month") or r.get("day") or SNAPSHOT} for r in found]
            if grain == Grain.SNAPSHOT:
                children = cube.table.objects.filter(parent=code, grain=grain)
            elif grain == Grain.MONTH:
                children = cube.table.objects.filter(parent=code, grain=grain, period=month)
            else:
                children = cube.table.objects.filter(parent=code, grain=grain, period__gte=month,
                                                     period__lt=next_month(month))  # fmt: skip
            period_rows += list(children.order_by().values("period", *cube.dims).annotate(**measures))
            for row in period_rows:
                key = (code, grain, row["period"], tuple(row[d] for d in cube.dims))
                slot = rows.setdefault(key, [0] * (1 + len(cube.sums)))
                slot[0] += row["n"]
                for i, name in enumerate(cube.sums, 1):
                    slot[i] += row[name] or 0
        old = Q(grain=Grain.SNAPSHOT) if source.date is None else Q(grain=Grain.MONTH, period=month)
        if window_too:
            old |= Q(grain=Grain.DAY, period__gte=month, period__lt=next_month(month))
        _delete(cube.table.objects.filter(Q(place=code) & old))
        written += _write(cube, rows)
    return written


def recount(family: str, items, today=None) -> Report:
    """Recount the buckets of ``items`` ((place path, date or None) pairs) in every table of ``family``."""
    report = Report()
    chunks, uppers = _buckets(items)
    dated = family_sources(family)[0].date is not None
    if not dated:
        chunks = {(c, None) for c, _ in chunks}
        uppers = {(c, None) for c, _ in uppers}
    for chunk, month in sorted(chunks, key=_key):
        with transaction.atomic():
            for source in family_sources(family):
                cubes = [c for c in FAMILIES[family] if c.source == source]
                report.rows += _recount_chunk(source, cubes, chunk, month, today)
        report.chunks += 1
    pending = chunks | uppers
    depths = sorted({d for cube in FAMILIES[family] for d in cube.depths if d < CHUNK}, reverse=True)
    for depth in depths:  # bottom up: each level sums the one below
        level = {(code[:depth], month) for code, month in pending if len(code) >= depth}
        for code, month in sorted(level, key=_key):
            with transaction.atomic():
                for source in family_sources(family):
                    cubes = [c for c in FAMILIES[family] if c.source == source]
                    report.rows += _recount_upper(source, cubes, code, month, today)
            report.uppers += 1
    return report


# ---------------------------------------------------------------- the refresh


MAX_GAPS = 10_000


def _matter_items(state: StatsState, now: dt.datetime) -> tuple[list, list, int, dict]:
    """(matter buckets, open-matter unit buckets, events read, new timeline state) from the timeline: the rows past
    the cursor, and those that were missing below it (ids taken by transactions that had not committed)."""
    from gridgov.matters.models import MatterEvent

    columns = ("id", "created_at", "matter__path", "matter__created_at", "from_unit__code", "to_unit__code")
    gaps = {int(pk): dt.datetime.fromisoformat(at) for pk, at in state.event_gaps}
    cursor = max(state.event_cursor, state.matter_event_id)
    matters, units, read = [], [], 0

    def take(rows) -> None:
        for _pk, _created, path, recorded, before, after in rows:
            matters.append((path, recorded))
            units.extend((code, None) for code in (before, after) if code)

    missing = sorted(gaps)
    for start in range(0, len(missing), 500):
        found = list(MatterEvent.objects.filter(id__in=missing[start : start + 500]).values_list(*columns))
        take(found)
        read += len(found)
        for row in found:
            gaps.pop(row[0], None)
    while True:
        batch = list(MatterEvent.objects.filter(id__gt=cursor).order_by("id").values_list(*columns)[:EVENT_BATCH])
        take(batch)
        read += len(batch)
        for row in batch:
            # Ids skipped over: taken by a transaction not yet committed? Only the newest can still commit (a
            # transaction holds its id while it runs); a jump of the sequence (ids handed out and rolled back, a
            # restore) leaves older ones that never come, so at most MAX_GAPS below each row are watched.
            for pk in range(max(cursor + 1, row[0] - MAX_GAPS), row[0]):
                gaps[pk] = now
            cursor = row[0]
        if len(batch) < EVENT_BATCH:
            break
        _renew()
    if len(gaps) > MAX_GAPS:  # the newest are the ones that may still commit
        gaps = dict(sorted(gaps.items())[-MAX_GAPS:])
    gaps = {pk: at for pk, at in gaps.items() if now - at <= _grace()}  # rolled back, or never used: given up
    watermark = min(gaps) - 1 if gaps else cursor
    timeline = {
        "matter_event_id": watermark,
        "event_cursor": cursor,
        "event_gaps": [[pk, at.isoformat()] for pk, at in sorted(gaps.items())],
    }
    return matters, units, read, timeline


def refresh(now: dt.datetime | None = None, today: dt.date | None = None) -> Report:
    """Bring every rollup up to date with the records (see the module text). Safe to run at any time."""
    now = now or timezone.now()
    if not rollups_on():
        return Report(skipped="off")
    try:
        _acquire(now)
    except Busy:
        return Report(skipped="busy")
    try:
        state = _state()
        if state.built_at is None:
            report, timeline = _rebuild_all(now, today)
            _release(built_at=now, refreshed_at=now, day_window=day_window_start(today), **timeline)
            return report
        report = Report()
        matters, units, report.events, timeline = _matter_items(state, now)
        _run(report, "matters", matters, today)
        _run(report, "open_matters", units, today)
        _run(report, "open_places", [(path, None) for path, _ in matters], today)
        while True:
            marks = list(StatsDirty.objects.order_by("id").values_list("id", "source", "code", "day")[:MARK_BATCH])
            by_family = defaultdict(list)
            for _, family, code, day in marks:
                by_family[family].append((code, day))
            for family, items in by_family.items():
                if family in FAMILIES:
                    _run(report, family, items, today)
            _delete(StatsDirty.objects.filter(id__in=[m[0] for m in marks]))
            forget()
            report.marks += len(marks)
            if len(marks) < MARK_BATCH:
                break
            _renew()
        window = day_window_start(today)
        if state.day_window != window:
            for cube in CUBES:
                _delete(cube.table.objects.filter(grain=Grain.DAY, period__lt=window))
        _release(refreshed_at=now, day_window=window, **timeline)
        return report
    except BaseException:
        _release()
        raise


def _run(report: Report, family: str, items, today) -> None:
    if not items:
        return
    done = recount(family, items, today)
    report.chunks += done.chunks
    report.uppers += done.uppers
    report.rows += done.rows
    report.families[family] = report.families.get(family, 0) + done.chunks + done.uppers
    _renew()


# ---------------------------------------------------------------- the rebuild


def _village_codes(code: str) -> list[str]:
    from gridgov.places.models import Place

    if len(code) >= CHUNK:
        return [code[:CHUNK]]
    return list(Place.objects.within(code).filter(kind="village").order_by("code").values_list("code", flat=True))


def _upper_codes(code: str) -> list[str]:
    from gridgov.places.models import Place

    qs = Place.objects.within(code) if code else Place.objects.all()
    return [c for c in qs.order_by("code").values_list("code", flat=True) if len(c) < CHUNK]


def rebuild(code: str = "", today: dt.date | None = None) -> Report:
    """Recount every rollup under ``code`` ('' = everything) from the records."""
    now = timezone.now()
    _acquire(now)
    try:
        if not code:
            report, timeline = _rebuild_all(now, today)
            _release(built_at=now, refreshed_at=now, day_window=day_window_start(today), **timeline)
            return report
        report = _rebuild_subtree(code, today)
        _release()
        return report
    except BaseException:
        _release()
        raise


def _start_marks(now: dt.datetime) -> tuple[dict, list[int]]:
    """(timeline state, ids of the marks) as a rebuild starts: what it covers, so the refresh need not. Ids
    missing among the last ones may belong to transactions still in flight: they stay to be looked for."""
    from gridgov.matters.models import MatterEvent

    last = MatterEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    recent = set(MatterEvent.objects.filter(id__gt=last - 1000).values_list("id", flat=True))
    gaps = [[pk, now.isoformat()] for pk in range(max(last - 1000, 0) + 1, last) if pk not in recent]
    timeline = {
        "matter_event_id": gaps[0][0] - 1 if gaps else last,
        "event_cursor": last,
        "event_gaps": gaps,
    }
    return timeline, list(StatsDirty.objects.values_list("id", flat=True))


def _rebuild_all(now: dt.datetime, today=None) -> tuple[Report, dict]:
    timeline, marks = _start_marks(now)
    for cube in CUBES:
        _delete(cube.table.objects.all())
    report = _rebuild_under("", today)
    _delete(StatsDirty.objects.filter(id__in=marks))
    forget()
    report.rebuilt = True
    return report, timeline


def _rebuild_subtree(code: str, today=None) -> Report:
    code = code[:CHUNK]
    months: dict[str, set] = {}
    for cube in CUBES:
        periods = cube.table.objects.filter(place=code).values_list("period", flat=True).distinct()
        months[cube.name] = {month_start(p) for p in periods} if cube.dated else {None}
        _delete(cube.table.objects.filter(place__within=code))
    report = _rebuild_under(code, today)
    for cube in CUBES:  # the places above: their sums, for every month the subtree has or had
        found = cube.table.objects.filter(place=code).values_list("period", flat=True).distinct()
        wanted = months[cube.name] | ({month_start(p) for p in found} if cube.dated else {None})
        for depth in sorted((d for d in cube.depths if d < len(code)), reverse=True):
            for month in sorted(wanted, key=lambda m: m or dt.date.min):
                with transaction.atomic():
                    report.rows += _recount_upper(cube.source, [cube], code[:depth], month, today)
                report.uppers += 1
    return report


def _rebuild_under(code: str, today=None) -> Report:
    """Write every rollup row at or under ``code`` (whose rows are already gone), village by village."""
    villages = _village_codes(code)
    uppers = _upper_codes(code) if len(code) < CHUNK else []
    report = Report(chunks=len(villages))
    for family in FAMILIES:
        for source in family_sources(family):
            cubes = [c for c in FAMILIES[family] if c.source == source]
            above: dict[str, dict] = {c.name: {} for c in cubes}
            for village in villages:
                months, days = _read(source, cubes, code=village, today=today)
                with transaction.atomic():
                    for cube in cubes:
                        rows: dict = {}
                        grain = Grain.MONTH if source.date else Grain.SNAPSHOT
                        _project(months, cube, grain, CHUNK, 99, rows)
                        _project(days, cube, Grain.DAY, CHUNK, 99, rows)
                        report.rows += _write(cube, rows)
                        _project(months, cube, grain, len(code), CHUNK - 1, above[cube.name])
                        _project(days, cube, Grain.DAY, len(code), CHUNK - 1, above[cube.name])
            if uppers:
                months, days = _read(source, cubes, paths=uppers, today=today)
                for cube in cubes:
                    grain = Grain.MONTH if source.date else Grain.SNAPSHOT
                    _project(months, cube, grain, len(code), CHUNK - 1, above[cube.name])
                    _project(days, cube, Grain.DAY, len(code), CHUNK - 1, above[cube.name])
            with transaction.atomic():
                for cube in cubes:
                    report.rows += _write(cube, above[cube.name])
    return report
