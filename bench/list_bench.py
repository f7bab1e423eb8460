"""The household list page's server time in a county of ~500,000 residents, its total ("共 N 条", a count capped at
10,000 against the exact count), and today's plan (paged by due class) for the same accounts.

Builds (once, cached in bench/out/) a county with `seed_demo --towns N`, then times the
page in-process through Django's test client (middleware, session, scoping, template),
next to the raw indexed query the page runs, in the same process.
"""

from __future__ import annotations

import io
import os
import sys
import time

from bench.common import OUT, count_queries, line, median_ms, median_wall_cpu_ms, setup_django

TOWNS = int(os.environ.get("BENCH_TOWNS", "26"))


def run() -> dict:
    db_path = OUT / f"county_{TOWNS}towns.sqlite3"
    setup_django(db_path)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from gridgov.accounts.models import User
    from gridgov.core.paging import capped_count
    from gridgov.households.models import Household, Resident
    from gridgov.places.models import Place
    from gridgov.visits.queries import today_plan

    call_command("migrate", verbosity=0)
    built_in = None
    if not Place.objects.exists():
        t0 = time.perf_counter()
        call_command("seed_demo", towns=TOWNS, verbosity=0)
        built_in = time.perf_counter() - t0
    residents = Resident.objects.count()
    households = Household.objects.count()
    call_command("demo_accounts", verbosity=0, stdout=io.StringIO())
    results: dict = {"residents": residents, "households": households, "seed_seconds": built_in}
    print(f"household list page, {connection.vendor}, {residents:,} residents in {households:,} households")
    if built_in is not None:
        line(f"seed_demo --towns {TOWNS} (build time)", f"{built_in:.1f} s", "target < 300 s")
    from gridgov.testing import force_verified_login

    client = Client()
    for label, username in (("county staff", "county"), ("town staff", "town"), ("grid worker", "grid1")):
        user = User.objects.filter(username=username).select_related("place").first()
        if user is None:
            continue
        force_verified_login(client, user)  # as after the sign-in pages (town must pass a code)
        url = "/households/"
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        queries = count_queries(lambda url=url: client.get(url))
        page_ms = median_ms(lambda url=url: client.get(url), runs=40)
        qs = Household.objects.for_user(user).select_related("grid", "cluster", "householder").order_by("path", "id")
        raw_ms = median_ms(lambda qs=qs: list(qs[:51]), runs=40)
        sql, params = qs[:51].query.sql_with_params()
        with connection.cursor() as cursor:
            raw_sql_ms = median_ms(
                lambda sql=sql, params=params: (cursor.execute(sql, params), cursor.fetchall()), runs=40
            )
        # The page's total ("共 N 条"): counted up to the cap through the path index, against the exact count.
        capped_ms = median_ms(lambda qs=qs: capped_count(qs), runs=20)
        exact_ms = median_ms(lambda qs=qs: qs.order_by().count(), runs=5, warmup=1)
        total, more = capped_count(qs)
        line(f"{label}: page server time (median of 40)", f"{page_ms:.2f} ms", "target < 25 ms")
        line(f"{label}: SQL queries per page", str(queries), "fixed")
        line(f"{label}: the page's raw indexed query (SQL only)", f"{raw_sql_ms:.2f} ms", "target < 1 ms")
        line(f"{label}: same through the ORM", f"{raw_ms:.2f} ms")
        shown = f"{total:,}{'+' if more else ''}"
        line(f"{label}: the page's total ({shown}), capped count", f"{capped_ms:.2f} ms", "target < 2 ms")
        line(f"{label}: the exact count it avoids (reference)", f"{exact_ms:.2f} ms", f"x{exact_ms / capped_ms:.0f}")
        # Today's plan (the page this branch paged): every household of the demo county is due (never visited).
        today_url = "/visits/today/?show=households"
        client.get(today_url)
        today_queries = count_queries(lambda url=today_url: client.get(url))
        today_wall, today_cpu = median_wall_cpu_ms(lambda url=today_url: client.get(url), runs=10)
        line(f"{label}: today's plan, server CPU (median of 10)", f"{today_cpu:.2f} ms", f"wall {today_wall:.2f} ms")
        line(f"{label}: today's plan, SQL queries", str(today_queries), "fixed")
        # Reference: the unpaged read the page made before (100 households and 100 checks, no counts; the API's).
        _wall, before_cpu = median_wall_cpu_ms(lambda user=user: today_plan(user), runs=10)
        ratio = f"page x{today_cpu / before_cpu:.1f}"
        line(f"{label}: reference, the unpaged plan (queries only)", f"{before_cpu:.2f} ms", ratio)
        results[label] = {
            "page_ms": page_ms, "queries": queries, "raw_sql_ms": raw_sql_ms, "orm_ms": raw_ms,
            "capped_count_ms": capped_ms, "exact_count_ms": exact_ms, "today_cpu_ms": today_cpu,
            "today_queries": today_queries,
        }  # fmt: skip
    return results


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
