"""The work-queue page and Chinese search with 1,000,000 matters (`python -m bench.matters_bench`).

Runs on the bench county (`bench.county`, built once and cached): 26 towns of 习水县 from `seed_demo`, then
BENCH_MATTERS matters spread over all of the county's grids over three years with a realistic course (most
resolved at the grid, a quarter at the village, some at the town or through its departments, a few at the
county; the recent ones open, some overdue), the bigram search column filled and the full-text index built.

Prints medians (each the median of 3 runs of N requests): the work-queue page's server time through Django's
test client (grid worker, town staff; target < 25 ms) and search time for two-character words (target
< 100 ms), next to the raw queries they run, and the SQL statements per page (counted by an execute wrapper).
"""

from __future__ import annotations

import io
import os
import statistics
import sys

from bench import county
from bench.common import count_queries, line, median_ms, median_wall_cpu_ms

RUNS = 3
REQUESTS = 20
WORDS = ("纠纷", "漏水", "垃圾")
RAW_FTS = "SELECT rowid FROM matters_matter_fts WHERE matters_matter_fts MATCH %s ORDER BY rowid DESC LIMIT 100"


def _median_of_runs(fn, runs: int = RUNS, n: int = REQUESTS) -> float:
    return statistics.median(median_ms(fn, runs=n, warmup=2) for _ in range(runs))


def _wall_and_cpu(fn, runs: int = RUNS, n: int = REQUESTS) -> tuple[float, float]:
    """Median of ``runs`` medians of ``n`` calls: (wall ms, CPU ms)."""
    results = [median_wall_cpu_ms(fn, runs=n, warmup=2) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def run() -> dict:
    county.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from gridgov.accounts.models import User
    from gridgov.matters import queries
    from gridgov.matters.models import Matter

    built = county.ensure()
    call_command("demo_accounts", verbosity=0, stdout=io.StringIO())
    count = Matter.objects.count()
    results: dict = {"matters": count, "build_seconds": built}
    print(f"matters, {connection.vendor}, {count:,} matters ({Matter.objects.filter(is_open=True).count():,} open)")
    print("  spread: " + county.spread())
    for part, seconds in built.items():
        line(f"build: {part}", f"{seconds:.1f} s")
    from gridgov.testing import force_verified_login

    client = Client()
    for label, username in (("grid worker", "grid1"), ("town staff", "town")):
        user = User.objects.select_related("place").get(username=username)
        force_verified_login(client, user)  # as after the sign-in pages (town must pass a code)
        url = "/matters/queue/"
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        statements = count_queries(lambda url=url: client.get(url))
        page_ms, page_cpu = _wall_and_cpu(lambda url=url: client.get(url))
        qs = queries.work_queue(user)
        sql, params = qs[:50].query.sql_with_params()
        with connection.cursor() as cursor:
            raw_ms = _median_of_runs(lambda sql=sql, params=params: (cursor.execute(sql, params), cursor.fetchall()))
        queue = qs.count()
        line(f"{label}: work-queue page server time ({queue:,} in queue)", f"{page_ms:.2f} ms", "target < 25 ms")
        line(f"{label}:   CPU per page (this process)", f"{page_cpu:.2f} ms", f"load average {os.getloadavg()[0]:.1f}")
        line(f"{label}: SQL queries per page", str(statements))
        line(f"{label}: the queue's raw query (first page, SQL only)", f"{raw_ms:.2f} ms")
        results[f"queue {label}"] = {
            "page_ms": page_ms, "cpu_ms": page_cpu, "raw_ms": raw_ms, "queries": statements
        }  # fmt: skip
        for word in WORDS:
            search_ms, search_cpu = _wall_and_cpu(lambda word=word, user=user: list(queries.search(user, word)))
            found = len(list(queries.search(user, word)))
            expr = f'"{word}"'
            with connection.cursor() as cursor:
                raw = _median_of_runs(lambda expr=expr: (cursor.execute(RAW_FTS, [expr]), cursor.fetchall()))
                cursor.execute("SELECT count(*) FROM matters_matter_fts WHERE matters_matter_fts MATCH %s", [expr])
                matches = cursor.fetchone()[0]
            line(
                f"{label}: search {word} ({found} shown, {matches:,} match in all)",
                f"{search_ms:.2f} ms",
                f"target < 100 ms (CPU {search_cpu:.2f} ms)",
            )
            line(f"{label}: raw FTS query for {word} (newest 100, unscoped)", f"{raw:.2f} ms")
            results[f"search {label} {word}"] = {"ms": search_ms, "raw_ms": raw, "matches": matches}
    return results


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
