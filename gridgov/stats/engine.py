"""Counting: the one primitive every figure goes through, from the rollups where they can answer and
from the records otherwise, with the same meaning either way.

``count(source, code, period, dims=..., filters=...)`` returns rows of dimension values with ``n``
(and the source's sums): the records under ``code`` (a place code) in ``period`` (None: all time),
grouped by ``dims`` and narrowed to ``filters`` ({dim: value or values}); ``by_child=True`` groups
them by the child place they lie under instead. A rollup answers when it has the dimensions asked for,
keeps the place's depth, is switched on and was refreshed lately; a partial month answers from the
day rows while they are kept (the current and previous month) and from the records before that.
This module knows no user: the read functions in `gridgov.stats.queries` check scope and grants.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connection, connections, router
from django.db.models import Count, F, Sum
from django.db.models.functions import Substr, TruncDate, TruncMonth
from django.utils import timezone

from gridgov.stats.choices import Grain
from gridgov.stats.cubes import Cube, cube_for
from gridgov.stats.periods import Period, day_start, day_window_start, month_start, next_month
from gridgov.stats.sources import SOURCES, Source

BOOL_DIMS = frozenset({"late", "overdue", "done", "in_village"})
PREFIX = "s_"


def rollups_on() -> bool:
    return bool(getattr(settings, "GRIDGOV_STATS_ROLLUPS", True))


def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "GRIDGOV_STATS_STALE_SECONDS", 300)))


_reading: ContextVar[bool | None] = ContextVar("stats_reading", default=None)


@contextmanager
def one_reading():
    """Decide once whether the rollups answer, for every count inside (a page of many figures reads the
    rollups' state once instead of once per count, and its figures come from the same source)."""
    token = _reading.set(rollups_current())
    try:
        yield
    finally:
        _reading.reset(token)


def rollups_current() -> bool:
    """Whether reads may use the rollups: switched on, built, and refreshed within the stale limit (a
    deployment whose periodic job stopped falls back to counting the records, slower but never wrong)."""
    pinned = _reading.get()
    if pinned is not None:
        return pinned
    if not rollups_on():
        return False
    from gridgov.stats.models import StatsState

    state = StatsState.objects.filter(pk=1).values_list("built_at", "refreshed_at").first()
    if state is None or state[0] is None or state[1] is None:
        return False
    return timezone.now() - state[1] <= _stale_after()


def _local_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _norm(dim: str, value):
    if dim in BOOL_DIMS:
        return bool(value)
    if isinstance(value, dt.datetime):
        return _local_date(value)
    return value


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


# ---------------------------------------------------------------- from the records


def date_range(source: Source, start: dt.date, end: dt.date) -> dict:
    """Filter kwargs for records dated from ``start`` to before ``end`` (local days)."""
    if source.datetime:
        return {f"{source.date}__gte": day_start(start), f"{source.date}__lt": day_start(end)}
    return {f"{source.date}__gte": start, f"{source.date}__lt": end}


def raw_rows(
    source: Source,
    code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    dims: Iterable[str] = (),
    filters: dict | None = None,
    sums: Iterable[str] = (),
    exact: bool = False,
    paths: list[str] | None = None,
    child: int | None = None,
    prefix: int | None = None,
    by_day: bool = False,
    by_month: bool = False,
) -> list[dict]:
    """Rows counted from the records: one GROUP BY over ``source`` under ``code`` (exactly at it with
    ``exact``, or exactly at one of ``paths``), optionally by the ``child``-long prefix of the place code
    (records at the place itself left out), by its ``prefix``-long prefix (``code`` of each row, all
    kept), by local day or by month."""
    dims, filters = list(dims), dict(filters or {})
    qs = source.queryset()
    if paths is not None:
        qs = qs.filter(**{f"{source.path}__in": paths})
    elif exact:
        qs = qs.filter(**{source.path: code})
    elif code:
        qs = qs.filter(**{f"{source.path}__within": code})
    if source.date and start is not None:
        qs = qs.filter(**date_range(source, start, end))
    wanted = list(dict.fromkeys([*dims, *filters]))
    qs = qs.annotate(**{PREFIX + d: source.expression(d) for d in wanted})
    for dim, value in filters.items():
        qs = qs.filter(**{f"{PREFIX}{dim}__in": _as_list(value)})
    keys = [PREFIX + d for d in dims]
    tz = timezone.get_current_timezone()
    if child is not None or prefix is not None:
        qs = qs.annotate(s__child=Substr(source.path, 1, child or prefix))
        keys.append("s__child")
    if by_day:
        qs = qs.annotate(s__day=TruncDate(source.date, tzinfo=tz) if source.datetime else F(source.date))
        keys.append("s__day")
    if by_month:
        qs = qs.annotate(s__month=TruncMonth(source.date, tzinfo=tz) if source.datetime else TruncMonth(source.date))
        keys.append("s__month")
    measures = {"n": Count("*"), **{name: Sum(source.sums[name]) for name in sums}}
    if keys:
        found = qs.order_by().values(*keys).annotate(**measures)
    else:
        found = [qs.order_by().aggregate(**measures)]
    out = []
    for row in found:
        if not row["n"]:
            continue
        item = {d: _norm(d, row[PREFIX + d]) for d in dims}
        if child is not None:
            if len(row["s__child"]) < child:
                continue  # recorded at the place itself, under no child
            item["place"] = row["s__child"]
        elif prefix is not None:
            item["code"] = row["s__child"]
        if by_day:
            item["day"] = _local_date(row["s__day"])
        if by_month:
            item["month"] = _local_date(row["s__month"])
        item["n"] = row["n"]
        for name in sums:
            item[name] = row[name] or 0
        out.append(item)
    return out


# ---------------------------------------------------------------- from the rollups


def segments(period: Period, today: dt.date | None = None) -> list[tuple[str, dt.date, dt.date]]:
    """The period cut into (grain, start, end): whole months from month rows, the days of a partial month
    from day rows while they are kept, and "raw" for older partial months."""
    window = day_window_start(today)
    out = []
    day = period.since
    end = period.end
    while day < end:
        month_end = next_month(month_start(day))
        stop = min(month_end, end)
        if day == month_start(day) and stop == month_end:
            out.append((Grain.MONTH, day, stop))
        elif day >= window:
            out.append((Grain.DAY, day, stop))
        else:
            out.append(("raw", day, stop))
        day = stop
    return _merge(out)


def _merge(parts: list[tuple[str, dt.date, dt.date]]) -> list[tuple[str, dt.date, dt.date]]:
    """Neighbouring spans of the same kind as one (one query for twelve whole months)."""
    merged: list[tuple[str, dt.date, dt.date]] = []
    for grain, start, end in parts:
        if merged and merged[-1][0] == grain and merged[-1][2] == start:
            merged[-1] = (grain, merged[-1][1], end)
        else:
            merged.append((grain, start, end))
    return merged


_STATEMENTS: dict[tuple, tuple[str, list]] = {}


def _statement(
    cube: Cube,
    spans: int,
    keys: tuple[str, ...],
    filters: tuple[tuple[str, int], ...],
    measures: tuple[str, ...],
    by_child: bool,
) -> tuple[str, list]:
    """The SQL of a rollup read (cached by its shape: a cockpit page runs a few dozen of a few shapes):
    the rows of ``spans`` (grain, place, period range) summed by ``keys``. Written here rather than through
    the ORM, which spends more time composing these small statements than the database spends on them."""
    shape = (cube.name, spans, keys, filters, measures, by_child)
    found = _STATEMENTS.get(shape)
    if found is not None:
        return found
    meta = cube.table._meta
    quote = connection.ops.quote_name
    column = {f.name: quote(f.column) for f in meta.concrete_fields}
    at = column["parent" if by_child else "place"]
    span = f"({column['grain']} = %s AND {at} = %s" + (
        f" AND {column['period']} >= %s AND {column['period']} < %s)" if cube.dated else ")"
    )
    where = " OR ".join([span] * spans)
    narrowed = "".join(f" AND {column[dim]} IN ({', '.join(['%s'] * n)})" for dim, n in filters)
    select = ", ".join([*(column[k] for k in keys), *(f"SUM({column[m]})" for m in measures)])
    group = f" GROUP BY {', '.join(column[k] for k in keys)}" if keys else ""
    sql = f"SELECT {select} FROM {quote(meta.db_table)} WHERE ({where}){narrowed}{group}"
    dates = [k for k in keys if meta.get_field(k).get_internal_type() == "DateField"]
    _STATEMENTS[shape] = found = (sql, dates)
    return found


def _as_date(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def rollup_rows(
    cube: Cube,
    code: str,
    spans: list[tuple[str, dt.date | None, dt.date | None]],
    *,
    dims: Iterable[str],
    filters: dict | None = None,
    sums: Iterable[str] = (),
    by_child: bool = False,
    by_month: bool = False,
) -> list[dict]:
    """The rollup rows of ``code`` (its children's with ``by_child``) over ``spans`` (grain, start, end; no
    dates for a snapshot), summed by ``dims``: one statement, on the connection the router reads from."""
    dims, filters, sums = list(dims), dict(filters or {}), list(sums)
    keys = (*dims, *(["place"] if by_child else []), *(["period"] if by_month else []))
    wanted = {dim: _as_list(value) for dim, value in filters.items()}
    measures = ("n", *sums)
    sql, dates = _statement(cube, len(spans), keys, tuple((d, len(v)) for d, v in wanted.items()), measures, by_child)
    params: list = []
    for grain, start, end in spans:
        params += [grain, code] + ([start, end] if cube.dated else [])
    for values in wanted.values():
        params += values
    with connections[router.db_for_read(cube.table)].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    out = []
    width = len(keys)
    for row in found:
        if not row[width]:
            continue
        item = {}
        for k, value in zip(keys, row, strict=False):
            if k in dates:
                value = _as_date(value)
            if k == "period":
                item["month"] = month_start(value)
            else:
                item[k] = _norm(k, value)
        for m, value in zip(measures, row[width:], strict=True):
            item[m] = int(value or 0)
        out.append(item)
    return out


def _add(into: dict, rows: list[dict], keys: list[str], measures: list[str]) -> None:
    for row in rows:
        key = tuple(row[k] for k in keys)
        slot = into.setdefault(key, {**{k: row[k] for k in keys}, **{m: 0 for m in measures}})
        for m in measures:
            slot[m] += row[m]


def count(
    source: str,
    code: str,
    period: Period | None = None,
    *,
    dims: Iterable[str] = (),
    filters: dict | None = None,
    sums: Iterable[str] = (),
    by_child: bool = False,
    by_month: bool = False,
    rollups: bool | None = None,
    current: bool | None = None,
) -> list[dict]:
    """Rows of ``dims`` (and ``place`` with ``by_child``, ``month`` with ``by_month``) with ``n`` and
    ``sums``; see the module text. ``rollups`` forces the answer from the rollups (True) or from the
    records (False); None decides (``current``: `rollups_current()` already asked by the caller).
    """
    src = SOURCES[source]
    dims, filters, sums = list(dims), dict(filters or {}), list(sums)
    keys = [*dims, *(["place"] if by_child else []), *(["month"] if by_month else [])]
    measures = ["n", *sums]
    cube = cube_for(source, [*dims, *filters], sums)
    usable = cube is not None and cube.keeps(code) and (not by_child or cube.child_depth(code) is not None)
    if rollups is None:
        rollups = usable and (rollups_current() if current is None else current)
    elif rollups and not usable:
        raise ValueError(f"no rollup of {source} answers {dims} {filters} at {code}")
    child = None
    if by_child:  # the same children either way: the table's next depth, else the next level of places
        child = (cube.child_depth(code) if cube is not None else None) or _child_length(code)
        if child is None:
            return []
    if not rollups:
        start, end = (period.since, period.end) if (period and src.date) else (None, None)
        return raw_rows(src, code, start, end, dims=dims, filters=filters, sums=sums, child=child, by_month=by_month)
    out: dict = {}
    if not cube.dated:
        rows = rollup_rows(cube, code, [(Grain.SNAPSHOT, None, None)], dims=dims, filters=filters, sums=sums,
                           by_child=by_child)  # fmt: skip
        _add(out, rows, keys, measures)
        return list(out.values())
    spans = segments(period) if period else [(Grain.MONTH, dt.date.min, dt.date.max)]
    stored = [span for span in spans if span[0] != "raw"]
    if stored:  # every month and day span in one statement
        rows = rollup_rows(cube, code, stored, dims=dims, filters=filters, sums=sums, by_child=by_child,
                           by_month=by_month)  # fmt: skip
        _add(out, rows, keys, measures)
    for _grain, start, end in (span for span in spans if span[0] == "raw"):
        rows = raw_rows(src, code, start, end, dims=dims, filters=filters, sums=sums, child=child, by_month=by_month)
        _add(out, rows, keys, measures)
    return list(out.values())


def _child_length(code: str) -> int | None:
    from gridgov.places.choices import CODE_LENGTH

    longer = sorted(n for n in CODE_LENGTH.values() if n > len(code))
    return longer[0] if longer else None


def total(source: str, code: str, period: Period | None = None, *, filters: dict | None = None, measure: str = "n",
          rollups: bool | None = None) -> int:  # fmt: skip
    sums = [] if measure == "n" else [measure]
    return sum(row[measure] for row in count(source, code, period, filters=filters, sums=sums, rollups=rollups))


def grouped(rows: list[dict], key: str, measure: str = "n") -> dict:
    """{row[key]: sum of measure}."""
    out: dict = defaultdict(int)
    for row in rows:
        out[row[key]] += row[measure]
    return dict(out)


def narrow(source: str, queryset, filters: dict):
    """``queryset`` (of ``source``'s model) narrowed to ``filters`` with the very expressions the counts use,
    so a record list filtered this way holds exactly the records a figure counts."""
    src = SOURCES[source]
    if not filters:
        return queryset
    queryset = queryset.annotate(**{PREFIX + dim: src.expression(dim) for dim in filters})
    for dim, value in filters.items():
        queryset = queryset.filter(**{f"{PREFIX}{dim}__in": _as_list(value)})
    return queryset
