"""A province for the benchmarks: N counties of generated records on PostgreSQL, written with COPY and
INSERT ... SELECT (`python -m bench.province --counties N`, or `make province COUNTIES=N`).

County 1 is the demo county (`seed_demo --towns T`: 习水县's real towns, villages, grids, clusters,
households, residents with sealed ID numbers, personnel and the demo logins). Counties 2..N are copies of
its place tree, households and residents under new codes (52 60 xx, 52 61 xx, ...), each resident with
its own ID number (the county's code as region, so all differ), sealed and indexed as the app does.
Then every county gets visits (``--visits-per-household``, spread over two years, with each household's
visit state) and matters (``--matters-per-county``, over ten years, about 3% open, held by grids,
villages and towns, with the search column filled).

100 counties x 26 towns is about 53 million residents, 13 million households, 53 million visits
(4 a household) and 10 million matters (100,000 a county): see docs/deploy.md for time and disk.
Requires DATABASE_URL=postgres://... (an empty database, or one this command filled before: counties
already present are skipped, so a run that stopped can be started again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from contextlib import contextmanager

from bench.common import setup_django

TEMPLATE = "520330"
PLACE_STRIDE = 10_000_000  # ids of county k's copies: template id + k * stride (no lookups, no joins)
HOUSEHOLD_STRIDE = 10_000_000
RESIDENT_STRIDE = 10_000_000

PROVINCE_OPEN_SHARE = 0.03  # of a county's matters still open (more among the last 60 days')


def county_code(k: int) -> tuple[str, str]:
    """(city code, county code) of the k-th copy, k >= 1: 90 counties a city, 5260xx, 5261xx, ..."""
    city = f"52{60 + (k - 1) // 90:02d}"
    return city, f"{city}{(k - 1) % 90 + 10:02d}"


def _log(text: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {text}", flush=True)


def ensure_template(towns: int) -> None:
    from django.core.management import call_command

    from gridgov.places.models import Place

    if Place.objects.filter(code=TEMPLATE).exists():
        return
    t0 = time.perf_counter()
    call_command("seed_demo", towns=towns, no_matters=True, no_activity=True, verbosity=0)
    _log(f"template county {TEMPLATE}: seed_demo --towns {towns} in {time.perf_counter() - t0:.0f} s")


def copy_county(k: int) -> bool:
    """Copy the template county's places, households and residents as county k; False if present."""
    from django.db import connection, transaction

    from gridgov.core.pii import sealer
    from gridgov.demo.seed import Table, write
    from gridgov.households.models import ID_CONTEXT, Resident, id_number_index
    from gridgov.places.models import Place
    from gridgov.utils.masking import mask_id_number

    city, code = county_code(k)
    if Place.objects.filter(code=code).exists():
        return False
    t0 = time.perf_counter()
    province = Place.objects.get(code="52")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO places_place (created_at, updated_at, code, name, kind, parent_id) "
            "SELECT now(), now(), %s, %s, 'city', %s WHERE NOT EXISTS (SELECT 1 FROM places_place WHERE code = %s)",
            [city, f"生成市{city[2:]}", province.pk, city],
        )
        cursor.execute("SELECT id FROM places_place WHERE code = %s", [city])
        city_id = cursor.fetchone()[0]
        p, h, r = k * PLACE_STRIDE, k * HOUSEHOLD_STRIDE, k * RESIDENT_STRIDE
        cursor.execute(
            """
            INSERT INTO places_place (id, created_at, updated_at, code, name, kind, parent_id, boundary, centre)
            SELECT id + %(p)s, now(), now(), %(code)s || substr(code, 7),
                   CASE WHEN code = %(t)s THEN %(name)s ELSE name END, kind,
                   CASE WHEN code = %(t)s THEN %(city)s ELSE parent_id + %(p)s END, boundary, centre
            FROM places_place WHERE code LIKE %(t)s || '%%'
            """,
            {"p": p, "code": code, "t": TEMPLATE, "name": f"生成县{code}", "city": city_id},
        )
        cursor.execute(
            """
            INSERT INTO households_household (id, created_at, updated_at, path, number, grid_id, cluster_id, address,
                   house_type, householder_id, member_count, point)
            SELECT id + %(h)s, now(), now(), %(code)s || substr(path, 7),
                   CASE WHEN number LIKE %(t)s || '%%' THEN %(code)s || substr(number, 7)
                        ELSE %(code)s || '-' || number END, grid_id + %(p)s,
                   cluster_id + %(p)s, address, house_type, householder_id + %(r)s, member_count, point
            FROM households_household WHERE path LIKE %(t)s || '%%'
            """,
            {"h": h, "p": p, "r": r, "code": code, "t": TEMPLATE},
        )
        seal, fields = sealer(), RESIDENT_FIELDS
        template = Resident.objects.filter(path__startswith=TEMPLATE).order_by("id").values_list(*fields)
        rows, taken = [], set()
        for row in template.iterator(chunk_size=20_000):
            values = dict(zip(fields, row, strict=True))
            number = _with_region(seal.open(bytes(values["id_number_sealed"]), ID_CONTEXT), code, taken)
            values.update(
                id=values["id"] + r,
                path=code + values["path"][6:],
                place=values["place"] + p,
                household=None if values["household"] is None else values["household"] + h,
                id_number_sealed=seal.seal(number, ID_CONTEXT),
                id_number_index=id_number_index(number),
                id_number_masked=mask_id_number(number),
            )
            rows.append(tuple(values[f] for f in fields))
        write(Table(Resident, fields), rows)
    _log(
        f"county {code}: places, {len(rows):,} residents and their households copied ({time.perf_counter() - t0:.0f} s)"
    )
    return True


RESIDENT_FIELDS = [
    "id", "created_at", "updated_at", "path", "place", "household", "name", "id_number_sealed", "id_number_index",
    "id_number_masked", "sex", "birth_date", "phone_sealed", "phone_index", "phone_masked", "relation", "ethnicity",
    "is_party_member", "residence_type", "works_away", "works_away_place",
]  # fmt: skip


def _with_region(number: str, region: str, taken: set[str]) -> str:
    """The same person's ID number registered in ``region`` (new check digit, GB 11643); the sequence
    digits move on when two people of the template (from different regions) would meet."""
    birth, sequence = number[6:14], int(number[14:17])
    while (body := f"{region}{birth}{sequence:03d}") in taken:
        sequence = (sequence + 2) % 1000
    taken.add(body)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def add_visits(code: str, per_household: int) -> int:
    """``per_household`` visits of every household of the county over the last two years, and the
    households' visit states (latest visit, count, next due date under the default rule)."""
    from django.db import connection, transaction

    from gridgov.visits.actions import pick_rule, rules_covering
    from gridgov.visits.models import Visit

    if Visit.objects.filter(path__startswith=code).exists():
        return 0
    interval = pick_rule(rules_covering(code), code).interval(False)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO visits_visit (created_at, updated_at, path, household_id, visited_at, mode, companions,
                   people_met, findings)
            SELECT at, at, h.path, h.id, at, CASE WHEN n %% 5 = 0 THEN 'phone' ELSE 'door' END, '', '户主',
                   '入户走访，了解家庭生产生活情况，未发现矛盾纠纷和安全隐患。'
            FROM households_household h
            CROSS JOIN LATERAL (
                SELECT n, now() - make_interval(secs => (random() * 730 * 86400)::int + h.id %% 7) AS at
                FROM generate_series(1, %(v)s) AS n
            ) g
            WHERE h.path LIKE %(code)s || '%%'
            """,
            {"v": per_household, "code": code},
        )
        added = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO visits_householdvisitstate (household_id, last_visited_at, last_visit_id, visit_count,
                   has_vulnerable, has_key_person, due_on, key_due_on)
            SELECT household_id, max(visited_at), (array_agg(id ORDER BY visited_at DESC, id DESC))[1], count(*),
                   false, false, (max(visited_at) AT TIME ZONE %(tz)s)::date + %(days)s,
                   (max(visited_at) AT TIME ZONE %(tz)s)::date + %(days)s
            FROM visits_visit WHERE path LIKE %(code)s || '%%'
            GROUP BY household_id
            ON CONFLICT (household_id) DO NOTHING
            """,
            {"code": code, "days": interval, "tz": "Asia/Shanghai"},
        )
    return added


def add_matters(code: str, total: int, seed: int) -> int:
    """``total`` matters over the county's grids and ten years (as bench.matters_bench builds one town)."""
    from django.db import transaction
    from django.utils import timezone
    from psycopg.types.json import Jsonb

    from bench.county import GIVEN, SURNAMES, TEMPLATES
    from gridgov.demo.seed import Table, write
    from gridgov.matters.demo import MATTER_FIELDS
    from gridgov.matters.models import Category, DeadlineRule, Matter
    from gridgov.matters.search import bigram_tokens
    from gridgov.places.models import Place

    if Matter.objects.filter(path__startswith=code).exists():
        return 0
    rng = random.Random(seed)
    places = Place.objects.filter(code__startswith=code)
    grids = list(places.filter(kind="grid").order_by("code").values_list("code", "id", "name"))
    ids = dict(places.filter(kind__in=["village", "town"]).values_list("code", "id"))
    categories = dict(Category.objects.values_list("code", "id"))
    hours = {(k, c, lv): h for k, c, lv, h in DeadlineRule.objects.values_list("kind", "color", "level", "hours")}
    names = [s + g1 + g2 for s in SURNAMES for g1 in GIVEN[:8] for g2 in GIVEN[8:]]
    texts = []
    for _ in range(2000):
        kind, category, title_t, desc_t = rng.choice(TEMPLATES)
        g, a, b = rng.choice(grids), rng.choice(names), rng.choice(names)
        title, desc = title_t.format(a=a, b=b, g=g[2]), desc_t.format(a=a, b=b, g=g[2])
        texts.append((kind, categories[category], title, desc, bigram_tokens(f"{title} {desc}")))
    now = timezone.now()
    start = now - dt.timedelta(days=3650)
    empty = Jsonb({})
    rows = []
    for i in range(total):
        created = start + dt.timedelta(seconds=(i / total) * 3650 * 86400 + rng.random() * 60)
        kind, category, title, desc, tokens = texts[rng.randrange(len(texts))]
        gcode, gid, _ = grids[rng.randrange(len(grids))]
        color = rng.choices(("blue", "yellow", "red"), (6, 3, 1))[0]
        is_open = rng.random() < PROVINCE_OPEN_SHARE * (2 if created > now - dt.timedelta(days=60) else 0.9)
        level, holder_code, holder_id = "grid", gcode, gid
        arrived = created + dt.timedelta(hours=rng.randint(1, 48))
        if is_open:
            roll = rng.random()
            if roll < 0.15:
                level, holder_code, holder_id = "village", gcode[:12], ids[gcode[:12]]
            elif roll < 0.2:
                level, holder_code, holder_id = "town", gcode[:9], ids[gcode[:9]]
            state = rng.choice(("pending", "in_progress", "in_progress", "resolved"))
        else:
            state = "closed"
        h = hours.get((kind, color, level), 168)
        deadline, red = arrived + dt.timedelta(hours=h), arrived + dt.timedelta(hours=2 * h)
        overdue = is_open and deadline < now
        card = ("red" if red < now else "yellow") if overdue else ""
        resolved = None if is_open else arrived + dt.timedelta(hours=rng.randint(1, 100))
        closed = None if is_open else resolved + dt.timedelta(hours=rng.randint(1, 48))
        rows.append((
            created, closed or arrived, gcode, kind, category, empty, title, desc, tokens, "visit", "anonymous",
            None, "", "", None, gid, color, state, is_open, level, holder_id, holder_code, None, arrived, deadline,
            red, overdue, card, "已办结" if resolved else "", resolved, closed, closed, "", "", None, None, False,
        ))  # fmt: skip
    with transaction.atomic():
        write(Table(Matter, MATTER_FIELDS[1:]), rows)  # ids from the sequence
    return total


@contextmanager
def bulk_load():
    """Rows written here are correct by construction (their ids are computed): skip the foreign-key
    triggers while loading (session_replication_role = replica, superuser only; a benchmark's data)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        if superuser:
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '1GB'")
    try:
        yield
    finally:
        if superuser:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")


@contextmanager
def indexes_dropped(model):
    """Build the model's secondary indexes (its Meta.indexes) once after the load, not row by row."""
    from django.db import connection

    indexes = list(model._meta.indexes)
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(index.name)}")
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            for index in indexes:
                editor.add_index(model, index)


def generate(counties: int, towns: int, visits_per_household: int, matters_per_county: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from gridgov.demo.seed import reset_sequences
    from gridgov.matters import fts
    from gridgov.matters.models import Matter
    from gridgov.visits.models import Visit

    if connection.vendor != "postgresql":
        sys.exit("the province is generated on PostgreSQL: set DATABASE_URL=postgres://...")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    ensure_template(towns)
    call_command("demo_accounts", verbosity=0, stdout=io.StringIO())
    with bulk_load():
        for k in range(1, counties):
            copy_county(k)
        reset_sequences()
        codes = [TEMPLATE] + [county_code(k)[1] for k in range(1, counties)]
        t1 = time.perf_counter()
        with indexes_dropped(Visit):
            visits = sum(add_visits(code, visits_per_household) for code in codes)
        _log(f"visits: {visits:,} in {time.perf_counter() - t1:.0f} s (with their indexes)")
        t1 = time.perf_counter()
        fts.drop_search_index(connection)
        matters = 0
        with indexes_dropped(Matter):
            for n, code in enumerate(codes):
                matters += add_matters(code, matters_per_county, seed=n)
                if n % 10 == 9:
                    _log(f"matters: {matters:,} ({n + 1} counties)")
        fts.create_search_index(connection)
        _log(f"matters: {matters:,} in {time.perf_counter() - t1:.0f} s (with their indexes and the search index)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    _log(f"province of {counties} counties generated in {time.perf_counter() - t0:.0f} s; database {size}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=int(os.environ.get("COUNTIES", "100")))
    parser.add_argument("--towns", type=int, default=int(os.environ.get("TOWNS", "26")), help="towns a county (<= 26)")
    parser.add_argument("--visits-per-household", type=int, default=4)
    parser.add_argument("--matters-per-county", type=int, default=100_000)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://... (the province is a PostgreSQL benchmark)")
    setup_django()
    generate(args.counties, args.towns, args.visits_per_household, args.matters_per_county)


if __name__ == "__main__":
    main()
