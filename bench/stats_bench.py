"""Statistics panels from the rollups against the raw GROUP BY over the same rows, in the same run
(`python -m bench.stats_bench`; SQLite, or PostgreSQL with DATABASE_URL).

On the bench county (`bench.county`: 26 towns, BENCH_MATTERS matters over three years, BENCH_VISITS visits),
for a town and for the county, prints medians of N runs and their ratio:
- the 12-month month x kind x state panel (`engine.count(..., dims=["kind", "state"], by_month=True)`);
- the child-unit ranking (received, resolved, on time, resolved at grid or village, feedback, overdue now per
  child place: the KPIs of `queries.ranking`);
- the visits per month of the period.
Each pair is checked to give the same rows. Also: the rollups' size per table and depth, a wide table with
every matter dimension built in the same run for comparison (its rows and its panel time: why the tables are
narrow), the full rebuild's time, and an incremental refresh after new filings.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time

from bench import county
from bench.common import count_queries, line

RUNS = int(os.environ.get("BENCH_STATS_RUNS", "5"))
RAW_RUNS = int(os.environ.get("BENCH_STATS_RAW_RUNS", "3"))
FILINGS = int(os.environ.get("BENCH_STATS_FILINGS", "200"))
TOWN = "520330113"
COUNTY = "520330"
WIDE = ("kind", "category", "state", "color", "channel", "level", "late", "feedback", "overdue")


def _median(fn, runs: int) -> tuple[float, object]:
    result = fn()  # warm
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), result


def _same(a, b) -> bool:
    key = lambda r: sorted((k, str(v)) for k, v in r.items())  # noqa: E731
    return sorted(a, key=key) == sorted(b, key=key)


def _panels(period):
    from gridgov.stats import engine

    def panel(code, rollups):
        return lambda: engine.count("matters", code, period, dims=["kind", "state"], by_month=True, rollups=rollups)

    def ranking(code, rollups):
        from django.test.utils import override_settings

        from gridgov.stats import queries

        indicators, _rates = queries.ranking_indicators()

        def run():  # the ranking's own read (`queries.values`), the rollups switched on or off
            with override_settings(GRIDGOV_STATS_ROLLUPS=rollups):
                found = queries.values(indicators, code, period, by_child=True)
            return [{"place": k, **v} for k, v in found.items()]

        return run

    def visits(code, rollups):
        return lambda: engine.count("visits", code, period, dims=["mode"], by_month=True, rollups=rollups)

    return {"12-month month x kind x state panel": panel, "child-unit ranking": ranking, "visits per month": visits}


def _wide(period) -> None:
    """A wide rollup (every matter dimension) at village, town and county, built here: rows and panel time."""
    from django.db import connection

    from gridgov.stats import engine
    from gridgov.stats.cubes import CUBES
    from gridgov.stats.sources import MATTERS

    t0 = time.perf_counter()
    acc: dict = {}
    for village in county_villages():
        for row in engine.raw_rows(MATTERS, village, dims=WIDE, prefix=12, by_month=True):
            for depth in (6, 9, 12):
                key = (row["code"][:depth], row["month"], *(row[d] for d in WIDE))
                acc[key] = acc.get(key, 0) + row["n"]
    build = time.perf_counter() - t0
    by_depth = {6: 0, 9: 0, 12: 0}
    for key in acc:
        by_depth[len(key[0])] += 1
    narrow = {}
    for cube in CUBES:
        if cube.source is MATTERS:
            narrow[cube.name] = {
                d: cube.table.objects.filter(grain="m", place__regex=rf"^\d{{{d}}}$").count() for d in (6, 9, 12)
            }
    matters = sum(v for k, v in acc.items() if len(k[0]) == 12)
    rows = f"{by_depth[12]:,} / {by_depth[9]:,} / {by_depth[6]:,}"
    line("wide table (all 9 matter dims) rows: village / town / county", rows, f"{matters:,} matters, {build:.0f} s")
    for name, counts in narrow.items():
        line(f"narrow {name} rows: village / town / county", f"{counts[12]:,} / {counts[9]:,} / {counts[6]:,}")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_wide")
        cols = ", ".join(f"{quote(d)} varchar(24)" for d in WIDE)
        cursor.execute(f"CREATE TABLE bench_wide (place varchar(24), period date, {cols}, n integer)")
        cursor.execute("CREATE INDEX bench_wide_place ON bench_wide (place, period)")
        adapt = connection.ops.adapt_datefield_value
        values = [(k[0], adapt(k[1]), *(str(v) for v in k[2:]), n) for k, n in acc.items()]
        sql = f"INSERT INTO bench_wide VALUES ({', '.join(['%s'] * (3 + len(WIDE)))})"
        for start in range(0, len(values), 5000):
            cursor.executemany(sql, values[start : start + 5000])
        panel = (
            "SELECT period, kind, state, SUM(n) FROM bench_wide WHERE place = %s AND period >= %s AND period <= %s"
            " GROUP BY period, kind, state"
        )
        for label, code in (("town", TOWN), ("county", COUNTY)):
            params = [code, adapt(period.since.replace(day=1)), adapt(period.until)]
            ms, _ = _median(lambda params=params: (cursor.execute(panel, params), cursor.fetchall()), RUNS)
            line(f"{label}: 12-month panel from the wide table", f"{ms:.2f} ms")
        cursor.execute("DROP TABLE bench_wide")


def county_villages() -> list[str]:
    from gridgov.places.models import Place

    return list(Place.objects.filter(kind="village").order_by("code").values_list("code", flat=True))


def _file_matters(n: int) -> float:
    """Record ``n`` matters through the action (as grid workers of the demo town), then time one refresh."""
    from gridgov.accounts.models import User
    from gridgov.households.models import Household
    from gridgov.matters import actions as matter_actions
    from gridgov.matters.choices import ReporterType
    from gridgov.matters.models import Category
    from gridgov.stats import actions

    user = User.objects.select_related("place").get(username="grid1")
    households = list(Household.objects.within(user.place.code).order_by("id")[:20])
    category = Category.objects.get(code="dispute.neighbour")
    for i in range(n):
        matter_actions.record_matter(
            user,
            matter_actions.MatterInput(
                kind="dispute", category=category, title=f"邻里纠纷 {i}", description="", channel="visit",
                color="blue", reporter=matter_actions.Reporter(type=ReporterType.ANONYMOUS),
                household=households[i % len(households)], place=None, extra={},
            ),
        )  # fmt: skip
    t0 = time.perf_counter()
    actions.refresh()
    return (time.perf_counter() - t0) * 1000


def run() -> dict:
    county.setup()
    import io

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from gridgov.matters.models import Matter
    from gridgov.stats import actions
    from gridgov.stats.cubes import CUBES
    from gridgov.stats.models import StatsState
    from gridgov.stats.periods import Period, month_start
    from gridgov.visits.models import Visit

    built = county.ensure()
    call_command("demo_accounts", verbosity=0, stdout=io.StringIO())
    results: dict = {"build": built}
    print(f"statistics, {connection.vendor}, {Matter.objects.count():,} matters, {Visit.objects.count():,} visits")
    print("  spread: " + county.spread())
    state = StatsState.objects.filter(pk=1).first()
    if state is None or state.built_at is None:
        t0 = time.perf_counter()
        report = actions.rebuild()
        results["rebuild_s"] = time.perf_counter() - t0
        line("rebuild_stats (every rollup from the records)", f"{results['rebuild_s']:.1f} s", f"{report.rows:,} rows")
    actions.refresh()
    sizes = {c.name: c.table.objects.count() for c in CUBES}
    line("rollup rows in all tables", f"{sum(sizes.values()):,}", ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    today = timezone.localdate()
    first = month_start(today)
    for _ in range(11):
        first = month_start(first - dt.timedelta(days=1))
    period = Period(first, today)
    for name, make in _panels(period).items():
        for label, code in (("town", TOWN), ("county", COUNTY)):
            fast, rows_fast = _median(make(code, True), RUNS)
            slow, rows_slow = _median(make(code, False), RAW_RUNS)
            same = _same(rows_fast, rows_slow)
            queries = count_queries(make(code, True))
            line(f"{label}: {name} from the rollups ({queries} queries)", f"{fast:.2f} ms",
                 "same rows as raw" if same else "DIFFERENT ROWS")  # fmt: skip
            line(f"{label}: {name}, raw GROUP BY", f"{slow:.1f} ms", f"ratio {slow / fast:,.0f}x")
            results[f"{label} {name}"] = {"rollup_ms": fast, "raw_ms": slow, "same": same}
            actions.refresh()  # keep the rollups current (reads fall back to the records when stale)
    _wide(period)
    if FILINGS:
        ms = _file_matters(FILINGS)
        line(f"refresh after {FILINGS} filings (recount their buckets)", f"{ms:.0f} ms",
             f"{ms / FILINGS:.2f} ms per filing")  # fmt: skip
        results["refresh_ms"] = ms
    return results


if __name__ == "__main__":
    outcome = run()
    sys.exit(0 if all(v.get("same", True) for v in outcome.values() if isinstance(v, dict)) else 1)
