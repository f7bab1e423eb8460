"""The cockpit page's server time (`python -m bench.cockpit_bench [--towns 26 --matters 1000000 --visits 5000000]
[--counties 1] [--pg]`).

Builds (cached in bench/out/ for SQLite; PostgreSQL through DATABASE_URL, required with --pg) a province with
``--counties`` counties of ``--towns`` towns each (10 villages a town, 6 grids a village, one household a
grid), then per county ``--matters`` matters and ``--visits`` visits spread over every grid and the last
three years (about 3% open, a share held by villages, towns and departments, some resolved at town
level), written with raw inserts; then the real rollup builder (`gridgov.stats.actions.rebuild`) runs once
per county, as a deployment's `rebuild_stats --place` would.

Prints, each the median of several runs, side by side in the same run: the whole cockpit page (Django's test
client, CPU and wall, SQL queries per page counted by an execute wrapper) for a town, the county and (with
more than one county) the province; the raw GROUP BY of a 12-month month x kind x state panel over the same
rows; and the same panel read from the rollups. Targets: town < 50 ms, county < 100 ms, province (PG)
< 100 ms. Run it on a quiet machine: figures measured while other work runs are distorted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time

from bench.common import OUT, line, median_wall_cpu_ms, setup_django

VILLAGES = 10
GRIDS = 6  # per village (one group)
RUNS = 5
REQUESTS = 5


def _args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--towns", type=int, default=int(os.environ.get("BENCH_TOWNS", "26")))
    parser.add_argument("--matters", type=int, default=int(os.environ.get("BENCH_MATTERS", "1000000")))
    parser.add_argument("--visits", type=int, default=int(os.environ.get("BENCH_VISITS", "5000000")))
    parser.add_argument("--counties", type=int, default=1)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (DATABASE_URL must be set)")
    parser.add_argument("--measure-only", action="store_true", help="--pg: measure a province built before")
    parser.add_argument("--add-demo-county", type=int, metavar="TOWNS", default=0,
                        help="--pg: add 习水县 (seed_demo --towns TOWNS, with its logins) to a province built before, "
                             "for bench.province_bench's pages on province-sized tables")  # fmt: skip
    parser.add_argument("--fill-households", type=int, metavar="N", default=0,
                        help="--pg: give every generated grid N households (a province's 12-13 million)")  # fmt: skip
    return parser.parse_args()


def county_code(c: int) -> str:
    """The c-th county (0-based): ten to a city, 520301..520310 under 遵义市 (5203), then 520401... ."""
    return f"52{3 + c // 10:02d}{c % 10 + 1:02d}"


def _box(x0: float, y0: float, w: float, h: float) -> dict:
    ring = [[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _places(counties: int, towns: int):
    """Places with drawn boundaries (so the map's figures are measured too): towns on a lattice in each
    county, villages 5 x 2 in a town, grids 3 x 2 in a village."""
    from gridgov.places.models import Place

    tw, th = 0.12, 0.10
    rows = [Place(code="52", name="贵州省", kind="province")]
    for c in range(counties):
        county = county_code(c)
        if c % 10 == 0:
            rows.append(Place(code=county[:4], name="遵义市" if c == 0 else f"第{c // 10 + 1}市", kind="city"))
        cx, cy = 100 + (c % 10) * 0.8, 25 + (c // 10) * 0.6
        rows.append(Place(code=county, name=f"第{c + 1}县", kind="county", boundary=_box(cx, cy, 6 * tw, 5 * th)))
        for t in range(towns):
            town = f"{county}{t + 101:03d}"
            tx, ty = cx + (t % 6) * tw, cy + (t // 6) * th
            rows.append(Place(code=town, name=f"第{c + 1}县第{t + 1}镇", kind="town", boundary=_box(tx, ty, tw, th)))
            for v in range(VILLAGES):
                village = f"{town}{v + 201:03d}"
                vw, vh = tw / 5, th / 2
                vx, vy = tx + (v % 5) * vw, ty + (v // 5) * vh
                rows.append(Place(code=village, name=f"{town[-3:]}镇{v + 1}村", kind="village",
                                  boundary=_box(vx, vy, vw, vh)))  # fmt: skip
                rows.append(Place(code=f"{village}01", name=f"{v + 1}村一组", kind="group"))
                for g in range(GRIDS):
                    gw, gh = vw / 3, vh / 2
                    rows.append(Place(code=f"{village}01{g + 1:02d}", name=f"{v + 1}村第{g + 1}网格", kind="grid",
                                      boundary=_box(vx + (g % 3) * gw, vy + (g // 3) * gh, gw, gh)))  # fmt: skip
    Place.objects.bulk_create(rows, batch_size=5000)
    by_code = dict(Place.objects.values_list("code", "id"))
    updates = []
    for p in Place.objects.exclude(code="52").only("id", "code"):
        parent = p.code[:-2] if len(p.code) in (4, 6, 14, 16) else p.code[:-3]
        p.parent_id = by_code[parent]
        updates.append(p)
    Place.objects.bulk_update(updates, ["parent"], batch_size=5000)


def _households():
    """One household a grid, placed as `households.actions.create_household` places it (written in bulk: a
    province has 156,000 grids; the rollups are rebuilt from the records afterwards)."""
    from gridgov.accounts.choices import Role
    from gridgov.accounts.models import User
    from gridgov.households.actions import household_path
    from gridgov.households.models import Household
    from gridgov.places.models import Place

    User.objects.create_user("bench_province", password="x", role=Role.CENTER_STAFF, place=Place.objects.get(code="52"))
    rows = [
        Household(number=f"H{grid.code}", grid=grid, address=f"{grid.name}1号", house_type="self_built",
                  path=household_path(grid, None))
        for grid in Place.objects.filter(kind="grid").order_by("code")
    ]  # fmt: skip
    Household.objects.bulk_create(rows, batch_size=5000)
    return dict(Household.objects.values_list("grid__code", "id"))


def _matters(county: str, total: int, households: dict[str, int], rng: random.Random) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.demo.seed import Table, write
    from gridgov.matters.demo import MATTER_FIELDS, _adapters
    from gridgov.matters.models import Category, Department, Matter
    from gridgov.places.models import Place

    adt, jsn = _adapters()
    places = dict(Place.objects.within(county).values_list("code", "id"))
    grids = sorted(c for c in places if len(c) == 16)
    cats = list(Category.objects.filter(parent__isnull=False).values_list("id", "kind"))
    dept = Department.objects.order_by("id").values_list("id", flat=True).first()
    now = timezone.now()
    span = 3 * 365 * 86400
    empty = jsn({})
    table = Table(Matter, MATTER_FIELDS)
    next_id = (Matter.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    batch = 50_000
    for offset in range(0, total, batch):
        rows = []
        for i in range(offset, min(total, offset + batch)):
            created = now - dt.timedelta(seconds=span * rng.random())
            category, kind = cats[rng.randrange(len(cats))]
            gcode = grids[rng.randrange(len(grids))]
            color = rng.choices(("blue", "yellow", "red"), (6, 3, 1))[0]
            is_open = rng.random() < 0.03
            r = rng.random()
            level, holder = ("grid", gcode) if r < 0.6 else ("village", gcode[:12]) if r < 0.85 else ("town", gcode[:9])
            department = dept if (level == "town" and rng.random() < 0.3) else None
            arrived = created + dt.timedelta(hours=rng.randint(1, 48))
            deadline = arrived + dt.timedelta(hours=168)
            if is_open:
                state = rng.choice(("pending", "in_progress", "at_department" if department else "in_progress"))
                overdue = deadline < now
                resolved = closed = None
            else:
                state = "closed"
                overdue = False
                resolved = arrived + dt.timedelta(hours=rng.randint(1, 300))
                closed = resolved + dt.timedelta(hours=24)
            rows.append((
                next_id + i, adt(created), adt(closed or arrived), gcode, kind, category, empty, f"事项{i}", "", "",
                rng.choice(("visit", "phone", "walk_in")), "anonymous", None, "", "", households[gcode], places[gcode],
                color, state, is_open, level, places[holder], holder, department, adt(arrived), adt(deadline),
                adt(deadline + dt.timedelta(hours=168)), overdue, ("yellow" if overdue else ""),
                "已办结" if resolved else "", adt(resolved) if resolved else None, None,
                adt(closed) if closed else None, "", "", None, None, False,
            ))  # fmt: skip
        with transaction.atomic():
            write(table, rows)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _visits(county: str, total: int, households: dict[str, int], rng: random.Random) -> None:
    from django.db import transaction
    from django.utils import timezone

    from gridgov.demo.seed import Table, write
    from gridgov.matters.demo import _adapters
    from gridgov.visits.models import Visit

    adt, _jsn = _adapters()
    grids = sorted(c for c in households if c.startswith(county))
    now = timezone.now()
    span = 3 * 365 * 86400
    table = Table(Visit, ["id", "created_at", "updated_at", "path", "household", "visited_at", "mode", "companions",
                          "people_met", "findings"])  # fmt: skip
    next_id = (Visit.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    batch = 100_000
    for offset in range(0, total, batch):
        rows = []
        for i in range(offset, min(total, offset + batch)):
            at = adt(now - dt.timedelta(seconds=span * rng.random()))
            g = grids[rng.randrange(len(grids))]
            rows.append((next_id + i, at, at, g, households[g], at, "door", "", "", ""))
        with transaction.atomic():
            write(table, rows)


def _generate(args, households: dict[str, int], done=None) -> None:
    """Every county's matters and visits, in order (``done``: a queue told each county as it is written)."""
    for c in range(args.counties):
        county = county_code(c)
        rng = random.Random(9 + c)
        _matters(county, args.matters, households, rng)
        _visits(county, args.visits, households, rng)
        if done is not None:
            done.put(c)


def _written(args, households: dict[str, int]):
    """The counties' numbers as their records are written. On PostgreSQL with several counties a second
    process writes county k + 1 while this one builds county k's rollups (the two cores both at work)."""
    if not (args.pg and args.counties > 1):
        _generate(args, households)
        yield from range(args.counties)
        return
    import multiprocessing
    import queue

    from django.db import connections

    connections.close_all()  # the writer opens its own
    context = multiprocessing.get_context("fork")
    done = context.Queue()
    writer = context.Process(target=_generate, args=(args, households, done))
    writer.start()
    for _ in range(args.counties):
        while True:
            try:
                yield done.get(timeout=5)
                break
            except queue.Empty:
                if not writer.is_alive():
                    sys.exit(f"the writer stopped (exit code {writer.exitcode})")
    writer.join()


def build(args) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from gridgov.stats.actions import rebuild
    from gridgov.stats.models import StatsState

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    _places(args.counties, args.towns)
    households = _households()
    for c in _written(args, households):
        county = county_code(c)
        t1 = time.perf_counter()
        rebuild(county)  # the real rollup builder, one county at a time
        took, since = time.perf_counter() - t1, time.perf_counter() - t0
        print(f"  ... county {county}: {args.matters:,} matters, {args.visits:,} visits, rollups in {took:.1f} s "
              f"({since:.0f} s in all)", flush=True)  # fmt: skip
    # Every county was rebuilt: the rollups are as a full rebuild leaves them.
    now = timezone.now()
    StatsState.objects.update_or_create(pk=1, defaults={"built_at": now, "refreshed_at": now})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)


class Counter:
    """SQL statements run, seen by an execute wrapper (CaptureQueriesContext misses none either, but this
    does not depend on DEBUG cursors)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def measure(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from gridgov.accounts.choices import Role
    from gridgov.accounts.models import User
    from gridgov.places.models import Place
    from gridgov.stats import engine
    from gridgov.stats.models import StatsState
    from gridgov.stats.periods import Period

    now = timezone.now()
    StatsState.objects.filter(pk=1).update(refreshed_at=now)  # as the periodic job keeps it
    today = timezone.localdate()
    panel = Period(today.replace(day=1) - dt.timedelta(days=365), today)
    targets = [("town", "520301101", "< 50 ms"), ("county", "520301", "< 100 ms")]
    if args.counties > 1:
        targets.append(("province", "52", "< 100 ms (PG)"))
    print(f"  {connection.vendor}; {args.counties} county(ies) x {args.towns} towns; per county {args.matters:,} "
          f"matters, {args.visits:,} visits; medians of {RUNS} runs x {REQUESTS} requests")  # fmt: skip
    from gridgov.stats.cubes import CUBES

    rows = sum(cube.table.objects.count() for cube in CUBES)
    mine = sum(cube.table.objects.filter(place__startswith="520301").count() for cube in CUBES)
    line("rollup rows in all / at or under the measured county", f"{rows:,} / {mine:,}")
    bare = Client(HTTP_HOST="127.0.0.1")
    bare_wall, bare_cpu = _runs(lambda: [bare.get("/healthz") for _ in range(REQUESTS)])
    line("reference: a bare request (/healthz, no database), wall / CPU ms", f"{bare_wall:.2f} / {bare_cpu:.2f}")
    for level, code, target in targets:
        place = Place.objects.get(code=code)
        user, _ = User.objects.get_or_create(username=f"bench_{level}_{code}",
                                             defaults={"role": Role.CENTER_STAFF, "place": place})  # fmt: skip
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        counter = Counter()
        with connection.execute_wrapper(counter):
            assert client.get("/stats/").status_code == 200
        queries = counter.n

        def page(client=client):
            for _ in range(REQUESTS):
                client.get("/stats/")

        wall, cpu = _runs(page)

        def raw(code=code):
            engine.count("matters", code, panel, dims=["kind", "state"], by_month=True, rollups=False)

        def rolled(code=code):
            engine.count("matters", code, panel, dims=["kind", "state"], by_month=True, rollups=True)

        raw_wall, raw_cpu = median_wall_cpu_ms(raw, runs=3, warmup=1)
        roll_wall, _roll_cpu = median_wall_cpu_ms(rolled, runs=RUNS * REQUESTS, warmup=2)
        line(f"{level} cockpit page, wall / CPU ms ({queries} SQL queries)", f"{wall:.1f} / {cpu:.1f}",
             f"{target}; CPU {cpu / bare_cpu:.0f} x bare")  # fmt: skip
        line(f"{level} raw GROUP BY month x kind x state, 12 months, wall / CPU ms", f"{raw_wall:.1f} / {raw_cpu:.1f}",
             f"page = {wall / raw_wall:.2f} x raw")  # fmt: skip
        line(f"{level} the same panel from the rollups, wall ms", f"{roll_wall:.2f}")


def _runs(fn) -> tuple[float, float]:
    fn()  # warm-up
    walls, cpus = [], []
    for _ in range(RUNS):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - t0) * 1000 / REQUESTS)
        cpus.append((time.process_time() - c0) * 1000 / REQUESTS)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    args = _args()
    if args.pg and not os.environ.get("DATABASE_URL"):
        sys.exit("--pg: set DATABASE_URL to an empty PostgreSQL database (PGPORT=... .ci/pg-start prints one)")
    name = f"cockpit-{args.counties}x{args.towns}-{args.matters}-{args.visits}.sqlite3"
    path = OUT / name
    done = OUT / (name + ".done")  # written once the build finished (a build cut short is not reused)
    fresh = not args.measure_only and (args.pg or not done.exists())
    if not args.pg and fresh:
        for suffix in ("", "-wal", "-shm"):
            (OUT / (name + suffix)).unlink(missing_ok=True)
    os.environ.setdefault("GRIDGOV_SQLITE_PATH", str(path))
    os.environ.setdefault("GRIDGOV_ALLOWED_HOSTS", "127.0.0.1,localhost")
    setup_django(path)
    if args.add_demo_county or args.fill_households:
        if args.fill_households:
            fill_households(args.fill_households)
        if args.add_demo_county:
            add_demo_county(args.add_demo_county)
        return
    if fresh:
        from gridgov.places.models import Place

        if Place.objects.exists() if _migrated() else False:
            sys.exit("the database already holds places: give the bench an empty one")
        build(args)
        if not args.pg:
            done.touch()
    if args.measure_only:
        _describe(args)
    measure(args)
    if not args.pg:
        _province()


def fill_households(per_grid: int) -> None:
    """Households up to ``per_grid`` in every generated grid (not the demo county's), county by county, with
    INSERT ... SELECT: the household table at a province's size for the pages that read it."""
    from django.db import connection, transaction

    from gridgov.places.models import Place

    t0 = time.perf_counter()
    counties = Place.objects.filter(kind="county").exclude(code="520330").order_by("code")
    counties = counties.values_list("code", flat=True)
    added = 0
    for county in counties:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO households_household (created_at, updated_at, path, number, grid_id, address, house_type,
                       member_count)
                SELECT now(), now(), g.code, 'H' || g.code || '-' || n, g.id, g.name || n || '号', 'self_built', 4
                FROM places_place g CROSS JOIN generate_series(2, %s) AS n
                WHERE g.kind = 'grid' AND g.code LIKE %s || '%%'
                  AND NOT EXISTS (SELECT 1 FROM households_household h WHERE h.number = 'H' || g.code || '-' || n)
                """,
                [per_grid, county],
            )
            added += cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE households_household")
    print(f"  {added:,} households added ({per_grid} a generated grid) in {time.perf_counter() - t0:.0f} s")


def add_demo_county(towns: int) -> None:
    """The demo county (520330, real towns, households, residents, a year of matters, activity since 2021, the
    demo logins) beside the generated counties, and its rollups."""
    from django.core.management import call_command

    from gridgov.demo.seed import reset_sequences
    from gridgov.stats.actions import rebuild

    t0 = time.perf_counter()
    reset_sequences()  # the generated counties' ids were written without the sequences
    call_command("seed_demo", towns=towns, verbosity=0)
    t1 = time.perf_counter()
    rebuild("520330")
    took = time.perf_counter() - t1
    print(f"  demo county 520330 ({towns} towns) added in {t1 - t0:.0f} s, its rollups in {took:.0f} s")


def _describe(args) -> None:
    """The size of a province built before (--measure-only), from its rows."""
    from gridgov.matters.models import Matter
    from gridgov.places.models import Place
    from gridgov.visits.models import Visit

    args.counties = Place.objects.filter(kind="county").count()
    args.towns = Place.objects.filter(kind="town").count() // max(args.counties, 1)
    args.matters = Matter.objects.count() // max(args.counties, 1)
    args.visits = Visit.objects.count() // max(args.counties, 1)


def _province() -> None:
    """The province on PostgreSQL, measured in its own process when BENCH_COCKPIT_PROVINCE_URL names one
    built before (building it takes an hour: docs/deploy.md)."""
    import subprocess

    url = os.environ.get("BENCH_COCKPIT_PROVINCE_URL", "")
    if not url:
        print(
            "  province (PostgreSQL) skipped: set BENCH_COCKPIT_PROVINCE_URL to a province built with `python -m "
            "bench.cockpit_bench --pg --counties 100 --matters 100000 --visits 500000` (docs/deploy.md)"
        )
        return
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.call([sys.executable, "-m", "bench.cockpit_bench", "--pg", "--measure-only"], env=env)


def _migrated() -> bool:
    from django.db import connection

    return "places_place" in connection.introspection.table_names()


if __name__ == "__main__":
    main()
