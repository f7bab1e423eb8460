"""The yearly briefing (年度工作简报) of a town and of the county, as PDF and as Word file
(`python -m bench.briefing_bench`; SQLite, or PostgreSQL with DATABASE_URL).

On the bench county (`bench.county`: BENCH_TOWNS towns, BENCH_MATTERS matters over three years spread over every
grid, BENCH_VISITS visits), for the last whole year, prints medians of BENCH_BRIEFING_RUNS runs (wall and CPU of this
process) and the SQL statements each sends (an execute wrapper on the connection):
- the download through the view (`/stats/<code>/briefing.pdf?year=` and `.docx`, signed in as the county's staff:
  scope, content, rendering, the audit row) - the figure the target names (a county year < 3 s);
- its parts: the content read from the rollups, the same content read from the records (rollups off: the raw
  GROUP BYs the rollups replace), and the rendering alone;
- the floor of any PDF of ours: a one-line PDF with the same Chinese font (loading and subsetting Noto Sans CJK).
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time

from bench import county
from bench.common import count_queries, line

RUNS = int(os.environ.get("BENCH_BRIEFING_RUNS", "5"))
RAW_RUNS = int(os.environ.get("BENCH_BRIEFING_RAW_RUNS", "3"))
TOWN = "520330113"
COUNTY = "520330"


def _median(fn, runs: int) -> tuple[float, float, object]:
    """(median wall ms, median CPU ms, the last result) of ``runs`` calls after one warm-up."""
    result = fn()
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu), result


def _font_floor() -> bytes:
    from fpdf import FPDF

    from gridgov.utils.pdffonts import add_cjk_font

    pdf = FPDF(format="A4")
    name = add_cjk_font(pdf)
    pdf.add_page()
    pdf.set_font(name, size=11)
    pdf.cell(0, 8, "寨坝镇年度工作简报")
    return bytes(pdf.output())


def run() -> dict:
    county.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from gridgov.accounts.models import User
    from gridgov.matters.models import Matter
    from gridgov.places.models import Place
    from gridgov.stats import actions, briefing, briefing_docx, briefing_pdf, queries
    from gridgov.stats.models import StatsState
    from gridgov.visits.models import Visit

    county.ensure()
    call_command("demo_accounts", verbosity=0, stdout=io.StringIO())
    state = StatsState.objects.filter(pk=1).first()
    if state is None or state.built_at is None:
        actions.rebuild()
    actions.refresh()
    year = timezone.localdate().year - 1
    print(f"yearly briefing, {connection.vendor}, {Matter.objects.count():,} matters, {Visit.objects.count():,} visits")
    print("  spread: " + county.spread())
    results: dict = {}

    wall, cpu, floor = _median(_font_floor, RUNS)
    line("floor: a one-line PDF with the Chinese font", f"{wall:.0f} ms", f"CPU {cpu:.0f} ms, {len(floor):,} bytes")
    results["font_floor_ms"] = wall

    staff = User.objects.select_related("place").get(username="county")
    client = Client()
    client.force_login(staff)
    for label, code in (("town", TOWN), ("county", COUNTY)):
        place = queries.place_for(staff, code)
        received = Matter.objects.within(code).filter(created_at__year=year).exclude(state="merged").count()
        print(f"  {label} {place.name} ({code}), {year}: {received:,} matters received in the year")
        actions.refresh()  # the reads below use the rollups (they fall back to the records when stale)

        fast_ms, fast_cpu, made = _median(lambda place=place: briefing.build(staff, place, year), RUNS)
        n_fast = count_queries(lambda place=place: briefing.build(staff, place, year))
        line(f"{label}: content from the rollups ({n_fast} queries)", f"{fast_ms:.0f} ms", f"CPU {fast_cpu:.0f} ms")

        def from_records(place=place):
            with override_settings(GRIDGOV_STATS_ROLLUPS=False):
                return briefing.build(staff, place, year)

        slow_ms, slow_cpu, slow = _median(from_records, RAW_RUNS)
        same = slow.text == made.text
        verdict = "same text" if same else "DIFFERENT TEXT"
        line(f"{label}: the same content from the records", f"{slow_ms:.0f} ms",
             f"CPU {slow_cpu:.0f} ms, ratio {slow_ms / fast_ms:,.1f}x, {verdict}")  # fmt: skip
        results[f"{label} content"] = {"rollup_ms": fast_ms, "raw_ms": slow_ms, "same": same}

        for fmt, render in (("pdf", briefing_pdf.render), ("docx", briefing_docx.render)):
            ms, cpu_ms, body = _median(lambda render=render, made=made: render(made), RUNS)
            line(f"{label}: render {fmt.upper()} alone", f"{ms:.0f} ms", f"CPU {cpu_ms:.0f} ms, {len(body):,} bytes")
            url = f"/stats/{code}/briefing.{fmt}?year={year}"

            def download(url=url):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            actions.refresh()
            ms, cpu_ms, response = _median(download, RUNS)
            queries_sent = count_queries(download)
            pages = response.content.count(b"/Type /Page\n") if fmt == "pdf" else 0
            target = "target < 3,000 ms" if fmt == "pdf" and label == "county" else ""
            line(f"{label}: GET briefing.{fmt} ({queries_sent} queries)", f"{ms:.0f} ms",
                 f"CPU {cpu_ms:.0f} ms, {len(response.content):,} bytes{f', {pages} pages' if pages else ''}"
                 f"{', ' + target if target else ''}")  # fmt: skip
            results[f"{label} {fmt}"] = {"ms": ms, "cpu_ms": cpu_ms, "queries": queries_sent}
    assert Place.objects.filter(code=COUNTY).exists()
    return results


if __name__ == "__main__":
    outcome = run()
    sys.exit(0 if all(v.get("same", True) for v in outcome.values() if isinstance(v, dict)) else 1)
