"""Province scale on PostgreSQL: page server times on a generated province (`python -m bench.province`).

Set BENCH_PROVINCE_URL=postgres://... to a database that `bench.province` filled (`make province`);
without it this bench says so and does nothing (building a province takes an hour, see docs/deploy.md).

Prints, for the demo county's logins on province-sized tables: the today page (grid worker), the household
list (county, town, grid worker), the work queue (grid worker, town) and the disputes ledger query of one
town for one year, each as the median of 5 runs of 20 requests through Django's test client (middleware,
session, scoping, template), with the CPU of this process per page, the number of SQL queries, and the
page's main query alone as the reference; and, if a replica streams from this database, its replay lag
sampled during the run (pg_stat_replication).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import statistics
import sys
import threading

from bench.common import line, median_wall_cpu_ms

RUNS, REQUESTS = 5, 20


def _wall_cpu(fn) -> tuple[float, float]:
    results = [median_wall_cpu_ms(fn, runs=REQUESTS, warmup=2) for _ in range(RUNS)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


class LagSampler(threading.Thread):
    """Replay lag of the replicas streaming from this database, every half second (none: no samples)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            while not self.stop.wait(0.5):
                for (lag,) in conn.execute(
                    "SELECT EXTRACT(EPOCH FROM replay_lag) * 1000 FROM pg_stat_replication WHERE state = 'streaming'"
                ):
                    self.samples.append(float(lag or 0))


def run() -> dict:
    url = os.environ.get("BENCH_PROVINCE_URL", "")
    if not url.startswith("postgres"):
        print("province bench skipped: set BENCH_PROVINCE_URL to a province made by `make province` (docs/deploy.md)")
        return {"skipped": True}
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gridgov.accounts.models import User
    from gridgov.households import queries as household_queries
    from gridgov.households.models import Household, Resident
    from gridgov.ledgers import queries as ledger_queries
    from gridgov.ledgers.books import LedgerFilters
    from gridgov.matters import queries as matter_queries
    from gridgov.matters.models import Matter
    from gridgov.places.models import Place
    from gridgov.testing import force_verified_login

    call_command("demo_accounts", verbosity=0, stdout=io.StringIO())
    counties = Place.objects.filter(kind="county").count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN "
            "('households_household', 'households_resident', 'visits_visit', 'matters_matter')"
        )
        estimates = dict(cursor.fetchall())
    print(
        f"province, PostgreSQL: {counties} counties, ~{estimates.get('households_resident', 0):,} residents, "
        f"~{estimates.get('households_household', 0):,} households, ~{estimates.get('visits_visit', 0):,} visits, "
        f"~{estimates.get('matters_matter', 0):,} matters; database {size}; load average {os.getloadavg()[0]:.1f}"
    )
    sampler = LagSampler()
    sampler.start()
    client = Client()
    connection.force_debug_cursor = True
    results: dict = {"counties": counties, "size": size}

    bare_wall, bare_cpu = _wall_cpu(lambda: client.get("/healthz"))
    line("reference: a bare request (/healthz, no database)", f"{bare_wall:.2f} ms", f"CPU {bare_cpu:.2f} ms")
    results["bare"] = {"ms": bare_wall, "cpu_ms": bare_cpu}

    def page(label: str, username: str, url: str, reference) -> None:
        user = User.objects.select_related("place").get(username=username)
        force_verified_login(client, user)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        wall, cpu = _wall_cpu(lambda: client.get(url))
        raw = _wall_cpu(reference(user))[0]
        line(
            f"{label} ({username})", f"{wall:.2f} ms", f"target < 25 ms; CPU {cpu:.2f} ms = {cpu / bare_cpu:.1f}x bare"
        )
        line(f"  {len(ctx.captured_queries)} queries; the main query alone (ORM)", f"{raw:.2f} ms")
        results[f"{label} {username}"] = {"ms": wall, "cpu_ms": cpu, "queries": len(ctx.captured_queries), "raw": raw}

    def today_reference(user):
        from gridgov.visits.queries import due_households

        today = dt.date.today()
        return lambda: due_households(user, today, today + dt.timedelta(days=7), limit=50)

    page("today page", "grid1", "/visits/today/", today_reference)
    for username in ("county", "town", "grid1"):
        page("household list", username, "/households/",
             lambda u: lambda: list(household_queries.households_for(u, household_queries.Filters())
                                    .only(*household_queries.HOUSEHOLD_LIST_FIELDS)[:51]))  # fmt: skip
    for username in ("grid1", "town"):
        page("work queue", username, "/matters/queue/", lambda u: lambda: list(matter_queries.work_queue(u)[:50]))

    town_user = User.objects.get(username="town")
    year = dt.date.today().year - 1
    filters = LedgerFilters.for_year(year)
    book = ledger_queries.book_for(town_user, "dispute")
    qs = ledger_queries.records(town_user, book, filters)
    count = qs.count()

    def ledger_rows():
        return sum(1 for _ in book.rows(qs, town_user))

    wall, cpu = _wall_cpu(ledger_rows) if count < 20_000 else (float("nan"), float("nan"))
    line(f"disputes ledger, one town, {year} ({count:,} rows, all columns)", f"{wall:.1f} ms", f"CPU {cpu:.1f} ms")
    line("  its query alone (count)", f"{_wall_cpu(lambda: qs.count())[0]:.2f} ms")
    results["ledger"] = {"rows": count, "ms": wall, "cpu_ms": cpu}
    sampler.stop.set()
    sampler.join()
    if sampler.samples:
        lags = sorted(sampler.samples)
        line("replica replay lag during the bench", f"{statistics.median(lags):.1f} ms", f"max {lags[-1]:.1f} ms")
    else:
        line("replica replay lag", "no replica", "make test-cluster prints it under load")
    results["totals"] = {
        "households": Household.objects.count() if counties <= 5 else None,
        "residents": Resident.objects.count() if counties <= 5 else None,
        "matters": Matter.objects.count() if counties <= 5 else None,
    }
    return results


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
