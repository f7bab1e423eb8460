"""The grid worker's day at county scale: the "today" plan's server time, and syncing an offline queue.

Builds once (cached in bench/out/): a county of ~530,000 residents (`seed_demo --towns 26 --no-matters`)
and 5,000,000 visits since 2021 written with raw multi-row inserts in chunks, each household's
`HouseholdVisitState` set from them as the actions keep it (the visitor links are left out: the plan
and the sync do not read them). Then:

1. ``/visits/today/`` (and ``/api/v1/visits/today``) for a grid worker, in-process through Django's
   test client (middleware, session, scoping, template): median of many runs, SQL queries per page,
   and the plan's raw indexed household query for comparison.
2. A phone's offline queue of 200 mixed records (visits, matters, key-person follow-ups) posted to
   ``/api/v1/field/sync`` through gunicorn on loopback, end to end; then the same queue again, which
   must add nothing. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid

from bench.common import OUT, free_port, line, median_ms, setup_django, wait_ready

TOWNS = int(os.environ.get("BENCH_FIELD_TOWNS", "26"))
VISITS = int(os.environ.get("BENCH_FIELD_VISITS", "5000000"))
RUNS = int(os.environ.get("BENCH_FIELD_RUNS", "50"))
QUEUE = 200
HOST = "127.0.0.1"
CHUNK = 100_000
START = dt.date(2021, 1, 1)
FINDINGS = [
    "家中一切正常，户主身体健康，生产生活无困难。",
    "宣传防范电信网络诈骗知识，提醒不接陌生来电、不点陌生链接。",
    "了解外出务工人员情况，家中老人生活正常。",
    "检查家中用电用气安全，提醒不私拉乱接电线。",
]


# ---------------------------------------------------------------- building the county


def build_visits(target: int) -> float:
    """Write ``target`` visits spread over every household since 2021, and the households' visit states."""
    from django.db import connection, transaction

    from gridgov.demo.seed import Table, write
    from gridgov.households.models import Household
    from gridgov.visits.models import HouseholdVisitState, Visit

    t0 = time.perf_counter()
    households = list(Household.objects.order_by("id").values_list("id", "path"))
    rng = random.Random(20210101)
    today = dt.date.today()
    span = (today - START).days
    sqlite = connection.vendor == "sqlite"
    utc = dt.UTC

    def stamp(day: int, minute: int):
        moment = dt.datetime.combine(START + dt.timedelta(days=day), dt.time(minute // 60, minute % 60), tzinfo=utc)
        return str(moment.replace(tzinfo=None)) if sqlite else moment

    table = Table(
        Visit,
        [
            "id", "created_at", "updated_at", "path", "household", "visited_at", "mode", "companions", "people_met",
            "findings",
        ],
    )  # fmt: skip
    per, extra = divmod(target, len(households))
    next_id = (Visit.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    states = []
    rows: list[tuple] = []

    def flush() -> None:
        with transaction.atomic():
            write(table, rows)
        rows.clear()

    for n, (household_id, path) in enumerate(households):
        count = per + (1 if n < extra else 0)
        if not count:
            continue
        step = span / count
        offset = rng.random() * step  # where in its round the household stands today
        last = None
        for k in range(count):
            day = min(int(k * step + offset), span - 1)
            minute = 60 + rng.randrange(600)  # 09:00 to 19:00 Beijing time, as UTC
            at = stamp(day, minute)
            mode = "door" if rng.random() < 0.8 else "phone"
            rows.append((next_id, at, at, path, household_id, at, mode, "", "户主", FINDINGS[k % len(FINDINGS)]))
            last = (next_id, at, START + dt.timedelta(days=day))
            next_id += 1
        due = last[2] + dt.timedelta(days=90)
        states.append((household_id, last[1], last[0], count, False, False, due, due))
        if len(rows) >= CHUNK:
            flush()
    if rows:
        flush()
    state_table = Table(
        HouseholdVisitState,
        ["household", "last_visited_at", "last_visit", "visit_count", "has_vulnerable", "has_key_person", "due_on",
         "key_due_on"],
    )  # fmt: skip
    with transaction.atomic():
        HouseholdVisitState.objects.all().delete()
        write(state_table, [s if not sqlite else (*s[:6], s[6].isoformat(), s[7].isoformat()) for s in states])
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), [Visit])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        if sqlite:
            cursor.execute("ANALYZE")
    return time.perf_counter() - t0


def prioritise_one_in_five() -> int:
    """Give one household in five a vulnerable member (visited at least every 30 days, the default
    priority rule) so the plan has rows: with 5,000,000 visits every household is seen about every
    61 days, inside the 90-day rule, and the plan would be empty. Idempotent (set from the last
    visit). Returns how many households of the county are due within the plan's 7 days."""
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.visits.choices import DEFAULT_PRIORITY_EVERY_DAYS as DAYS
    from gridgov.visits.models import HouseholdVisitState

    table = HouseholdVisitState._meta.db_table
    due = (
        f"date(last_visited_at, '+{DAYS} days')"
        if connection.vendor == "sqlite"
        else f"(last_visited_at::date + {DAYS})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET has_vulnerable = TRUE, due_on = {due}, key_due_on = {due} "
            "WHERE household_id % 5 = 0 AND NOT has_vulnerable"
        )
    horizon = timezone.localdate() + dt.timedelta(days=7)
    return HouseholdVisitState.objects.filter(due_on__lte=horizon).count()


def build() -> dict:
    import io

    from django.core.management import call_command

    from gridgov.households.models import Resident
    from gridgov.places.models import Place
    from gridgov.visits.models import Visit

    call_command("migrate", verbosity=0)
    built: dict = {}
    if not Place.objects.exists():
        t0 = time.perf_counter()
        call_command("seed_demo", towns=TOWNS, no_matters=True, verbosity=0)
        built["seed"] = time.perf_counter() - t0
    call_command("demo_accounts", verbosity=0, stdout=io.StringIO())
    if not Visit.objects.exists():
        built["visits"] = build_visits(VISITS)
    built["due_households"] = prioritise_one_in_five()
    built["residents"] = Resident.objects.count()
    built["visit_count"] = Visit.objects.count()
    return built


# ---------------------------------------------------------------- the today plan


def _counting(seen: list[str]):
    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    return wrapper


def time_today_plan(results: dict) -> None:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from gridgov.accounts.models import User
    from gridgov.testing import force_verified_login
    from gridgov.visits import queries

    client = Client()
    # grid2: the sync benchmark below records its visits in grid1's grid (so grid1's households are all
    # visited today after one run); grid2's grid keeps the plan the county's visit history gives it.
    user = User.objects.select_related("place").get(username="grid2")
    force_verified_login(client, user)
    for label, url in (
        ("today page /visits/today/", "/visits/today/"),
        ("today API /api/v1/visits/today", "/api/v1/visits/today"),
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        seen: list[str] = []
        with connection.execute_wrapper(_counting(seen)):  # survives the connection's close after the request
            client.get(url)
        page_ms = median_ms(lambda url=url: client.get(url), runs=RUNS)
        line(f"grid worker, {label} (median of {RUNS})", f"{page_ms:.2f} ms", "target < 25 ms")
        line("  SQL queries per request", str(len(seen)), "fixed")
        results[url] = {"ms": page_ms, "queries": len(seen)}
    today = timezone.localdate()
    horizon = today + dt.timedelta(days=7)
    plan = queries.today_plan(user)
    line("  rows in grid2's plan (households, vulnerable checks)", f"{len(plan.households)}, {len(plan.checks)}")
    plan_ms = median_ms(lambda: queries.today_plan(user), runs=RUNS)
    line("  today_plan() alone (ORM, no HTTP/template)", f"{plan_ms:.2f} ms")
    qs = (
        queries.Household.objects.for_user(user)
        .filter(queries.Q(visit_state__due_on__isnull=True) | queries.Q(visit_state__due_on__lte=horizon))
        .select_related("visit_state", "householder")
        .order_by(queries.F("visit_state__due_on").asc(nulls_first=True), "path", "id")
    )
    sql, params = qs[:101].query.sql_with_params()
    with connection.cursor() as cursor:
        raw_ms = median_ms(lambda: (cursor.execute(sql, params), cursor.fetchall()), runs=RUNS)
    line("  the plan's raw indexed household query (SQL only)", f"{raw_ms:.2f} ms")
    results["plan_ms"], results["raw_sql_ms"] = plan_ms, raw_ms


# ---------------------------------------------------------------- sync through a real server


def _bench_people():
    """A grid worker holding the key-population grant in grid1's grid, and key persons there to follow up."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from gridgov.accounts.choices import Role
    from gridgov.accounts.models import User
    from gridgov.households.models import Resident
    from gridgov.keypersons import actions as kp
    from gridgov.keypersons.models import KeyPerson, KeyPersonCategory

    grid = User.objects.select_related("place").get(username="grid1").place
    town = grid.code[:9]
    worker, _ = User.objects.get_or_create(
        username="bench_field",
        defaults={"display_name": "网格员（基准）", "role": Role.GRID_WORKER, "place": grid,
                  "may_view_key_population": True, "password": make_password(None)},  # token only
    )  # fmt: skip
    officer, _ = User.objects.get_or_create(
        username="bench_officer",
        defaults={"display_name": "重点人群专干（基准）", "role": Role.CENTER_STAFF,
                  "place_id": User.objects.get(username="town").place_id, "may_view_key_population": True,
                  "password": make_password(None)},
    )  # fmt: skip
    assert officer.place.code == town
    persons = list(KeyPerson.objects.filter(path__startswith=grid.code, status="under_follow_up")[:20])
    if len(persons) < 20:
        category = KeyPersonCategory.objects.get(code="drug_user")
        taken = set(KeyPerson.objects.values_list("resident_id", flat=True))
        for resident in Resident.objects.filter(path__startswith=grid.code, household__isnull=False).order_by("id"):
            if len(persons) >= 20:
                break
            if resident.pk in taken:
                continue
            persons.append(
                kp.enlist(
                    officer,
                    kp.EnlistInput(
                        resident=resident,
                        category=category,
                        color="yellow",
                        responsible=None,
                        enlisted_on=timezone.localdate() - dt.timedelta(days=60),
                    ),
                )  # fmt: skip
            )
    return worker, grid, persons


def _queue(grid, persons) -> list[dict]:
    from django.utils import timezone

    from gridgov.households.models import Household
    from gridgov.matters.models import Category

    households = list(Household.objects.filter(path__startswith=grid.code).order_by("id").values_list("id", flat=True))
    category = (
        Category.objects.filter(kind="hazard", selectable=True, active=True).order_by("sort_order", "code").first()
    )
    now = timezone.now()
    records = []
    for i in range(QUEUE):
        at = (now - dt.timedelta(minutes=5 + 2 * (QUEUE - i))).isoformat()
        client_uuid = str(uuid.uuid4())
        if i % 10 == 3:  # 20 matters
            records.append({
                "kind": "matter", "client_uuid": client_uuid, "matter_kind": category.kind, "category_id": category.pk,
                "title": f"村道边坡有落石（{i}）", "description": "雨后边坡松动，有石块滚落到路面", "color": "yellow",
                "household_id": households[i % len(households)],
            })  # fmt: skip
        elif i % 10 == 7:  # 20 follow-ups
            records.append({
                "kind": "follow_up", "client_uuid": client_uuid, "key_person_id": persons[(i // 10) % len(persons)].pk,
                "followed_up_at": at, "mode": "door", "whereabouts": "at_home", "notes": "在家务农，情绪稳定",
            })  # fmt: skip
        else:  # 160 visits
            records.append({
                "kind": "visit", "client_uuid": client_uuid, "household_id": households[i % len(households)],
                "visited_at": at, "mode": "door", "people_met": "户主", "findings": "家中一切正常，宣传防诈骗知识",
            })  # fmt: skip
    return records


def _post(port: int, token: str, records: list[dict]) -> tuple[float, int, dict]:
    body = json.dumps({"records": records}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    conn.request("POST", "/api/v1/field/sync", body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed, response.status, json.loads(data) if data else {}


def time_sync(results: dict) -> None:
    from django.db import connection

    from gridgov.accounts.actions import issue_api_token
    from gridgov.keypersons.models import FollowUp
    from gridgov.matters.models import Matter
    from gridgov.visits.models import Visit

    worker, grid, persons = _bench_people()
    token = issue_api_token(worker, "field bench")
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="gridgov.settings", GRIDGOV_DEBUG="0")
    if connection.vendor == "sqlite":
        env["GRIDGOV_SQLITE_PATH"] = str(connection.settings_dict["NAME"])
    port = free_port()
    connection.close()  # the server writes; this process only counts afterwards
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "gridgov.wsgi:application", "--bind", f"{HOST}:{port}",
         "--workers", "2", "--worker-class", "sync", "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    try:
        wait_ready(port, server, "/login/")
        firsts, repeats = [], []
        for run in range(3):
            queue = _queue(grid, persons)
            before = (Visit.objects.count(), Matter.objects.count(), FollowUp.objects.count())
            connection.close()
            first, status, body = _post(port, token, queue)
            assert status == 200, (status, str(body)[:500])
            after = (Visit.objects.count(), Matter.objects.count(), FollowUp.objects.count())
            added = tuple(a - b for a, b in zip(after, before, strict=True))
            connection.close()
            again, status2, body2 = _post(port, token, queue)
            assert status2 == 200, (status2, str(body2)[:500])
            again_added = tuple(
                a - b
                for a, b in zip(
                    (Visit.objects.count(), Matter.objects.count(), FollowUp.objects.count()), after, strict=True
                )
            )
            connection.close()
            counts = {k: body[k] for k in ("created", "existing", "conflict", "rejected")}
            counts2 = {k: body2[k] for k in ("created", "existing", "conflict", "rejected")}
            print(
                f"  run {run + 1}: first upload {first * 1000:.0f} ms {counts} added (visits, matters, follow-ups)"
                f" {added}; same queue again {again * 1000:.0f} ms {counts2} added {again_added}"
            )
            assert counts["created"] == QUEUE and added == (160, 20, 20), (counts, added, body["results"][:3])
            assert counts2["existing"] == QUEUE and again_added == (0, 0, 0), (counts2, again_added)
            firsts.append(first)
            repeats.append(again)
        line(f"sync {QUEUE} offline records (160 visits, 20 matters, 20 follow-ups), median of 3",
             f"{statistics.median(firsts):.2f} s", "target < 2 s")  # fmt: skip
        line("the same queue uploaded again (adds 0 records)", f"{statistics.median(repeats):.2f} s")
        results["sync_s"], results["resync_s"] = statistics.median(firsts), statistics.median(repeats)
    finally:
        server.terminate()
        server.wait(timeout=30)


def run() -> dict:
    db_path = OUT / f"field_{TOWNS}towns_{VISITS}visits.sqlite3"
    setup_django(db_path)
    from django.db import connection

    results = build()
    print(f"field work, {connection.vendor}: {results['residents']:,} residents, {results['visit_count']:,} visits")
    if "seed" in results:
        line(f"seed_demo --towns {TOWNS} --no-matters (build time)", f"{results['seed']:.1f} s")
    if "visits" in results:
        line(f"{results['visit_count']:,} visits written (build time)", f"{results['visits']:.1f} s")
    line("households due within 7 days (1 in 5 on the 30-day priority rule)", f"{results['due_households']:,}")
    time_today_plan(results)
    time_sync(results)
    return results


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
