"""Ledger export benchmark: rows/s end to end (query, rows, workbook) of a 100,000-row visits ledger, by writer.

The database is the demo town (`seed_demo`: 寨坝镇 with its year of visits, matters linked to visits, vulnerable
members) topped up to ``--rows`` visits of its households, each with its grid's workers as visitors, in a
throw-away SQLite file. Each export runs in a fresh process (so peak memory is the export's own), timed from
the first query to the closed file, and is checked by reading the file back (rows, masks, no formula).

Writers, each fed the same rows by the same generator (`ledgers.books.visits.rows`, cells neutralised with
`registers.excel.safe_text`):
- ``rustpy``: rustpy-xlsxwriter, the product's writer, through `ledgers.actions.export_ledger` (with its audit row);
- ``xlsxwriter``: XlsxWriter in constant_memory mode, one write_string a cell (what the register export uses);
- ``pyexcelerate``: PyExcelerate, which takes the whole sheet as a list before writing;
- ``rows``: the reference, no writer: the query and the rows alone, read and dropped.
`make bench` runs ``rustpy`` and ``rows``; ``--compare`` adds the other two (installed by hand, not pinned:
``pip install XlsxWriter pyexcelerate``). Rates are medians of ``--runs`` runs; on a shared machine compare the
ratios between writers measured in the same run, not the absolute rates.

    python -m bench.ledger_bench [--rows 100000] [--runs 3] [--compare]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOWN = "520330113"
CHOSEN = ["rustpy", "rows"]
COMPARED = ["rustpy", "xlsxwriter", "pyexcelerate", "rows"]
FINDINGS = [
    "",
    "",
    "户主在家，身体健康，无诉求。",
    "反映村道路灯损坏，夜间出行不便。",
    "=HYPERLINK 邻居占道堆放柴草，已劝导。",
    "宣传防范电信网络诈骗知识，提醒不接陌生来电。",
    "检查家中用电用气安全，提醒不私拉乱接电线。",
]


def _env(workdir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # always a fresh SQLite file
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "gridgov.settings",
            "GRIDGOV_SQLITE_PATH": os.path.join(workdir, "bench.sqlite3"),
            "GRIDGOV_VAR_DIR": workdir,
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _prepare(rows: int) -> None:
    """Child: migrate, seed the demo town, top its visits up to ``rows``."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from gridgov.accounts.models import User
    from gridgov.demo.seed import Table, adapters, through, write
    from gridgov.households.models import Household
    from gridgov.visits.models import Visit

    with open(os.devnull, "w") as devnull:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=devnull)
    workers: dict[str, list[int]] = {}
    for pk, code in User.objects.filter(role__in=["grid_worker", "grid_leader"]).values_list("id", "place__code"):
        workers.setdefault(code, []).append(pk)
    households = list(Household.objects.filter(path__startswith=TOWN).values_list("id", "path"))
    have = Visit.objects.filter(path__startswith=TOWN).count()
    rng = random.Random(2026)
    adt, _adate = adapters()
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=365 * 3)
    table = Table(
        Visit, ["id", "created_at", "updated_at", "path", "household", "visited_at", "mode", "companions",
                "people_met", "findings"],
    )  # fmt: skip
    visitors = through(Visit, "visitors")
    next_id = (Visit.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    left = rows - have
    while left > 0:
        batch, pairs = [], []
        for _ in range(min(left, 10_000)):
            household, path = rng.choice(households)
            at = adt(start + dt.timedelta(minutes=rng.randrange(365 * 3 * 24 * 60)))
            mode = "door" if rng.random() < 0.8 else "phone"
            batch.append((next_id, at, at, path, household, at, mode, "", "户主", rng.choice(FINDINGS)))
            for user in workers.get(path[:16], [])[:2]:
                pairs.append((next_id, user))
            next_id += 1
        with transaction.atomic():
            write(table, batch)
            write(visitors, pairs)
        left -= len(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _export(writer: str, rows_expected: int) -> dict:
    """Child: one export of the town's visits ledger with ``writer``, timed, then read back and checked."""
    import django

    django.setup()
    from django.db import connection

    from gridgov.ledgers import actions
    from gridgov.ledgers.books import BOOKS, LedgerFilters
    from gridgov.registers.excel import safe_text

    book, filters = BOOKS["visit"], LedgerFilters(place=TOWN)
    path = os.path.join(os.environ["GRIDGOV_VAR_DIR"], f"ledger-{writer}.xlsx")
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    def cells():
        for values in book.rows(book.queryset(None, filters), None, 1):
            yield [safe_text(v) if v else None for v in values]

    connection.ensure_connection()
    import python_calamine  # noqa: F401  (loaded before timing, as every writer's module is)

    modules = {"xlsxwriter": "xlsxwriter", "pyexcelerate": "pyexcelerate", "rustpy": "rustpy_xlsxwriter"}
    if writer in modules:
        __import__(modules[writer])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, c0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        if writer == "rustpy":
            written = actions.export_ledger(None, "visit", path, filters)
        elif writer == "xlsxwriter":
            import xlsxwriter

            workbook = xlsxwriter.Workbook(
                path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                       "strings_to_urls": False},
            )  # fmt: skip
            sheet = workbook.add_worksheet(book.title)
            sheet.write_string(0, 0, book.title)
            for col, header in enumerate(book.headers):
                sheet.write_string(1, col, header)
            written = 0
            for row, values in enumerate(cells(), start=2):
                for col, value in enumerate(values):
                    if value is not None:
                        sheet.write_string(row, col, value)
                written += 1
            workbook.close()
        elif writer == "pyexcelerate":
            from pyexcelerate import Workbook

            data = [[book.title], book.headers, *cells()]
            workbook = Workbook()
            workbook.new_sheet(book.title, data=data)
            workbook.save(path)
            written = len(data) - 2
        else:
            written = sum(1 for _ in cells())
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"writer": writer, "rows": written, "seconds": seconds, "cpu": cpu, "queries": queries[0],
              "peak_mb": peak, "before_mb": rss_before}  # fmt: skip
    if writer != "rows":
        import zipfile

        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
        xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
        formula_like = sum(1 for r in sheet[2:] for v in r if isinstance(v, str) and v[:1] and v[:1] in "=+-@")
        result.update(
            file_mb=os.path.getsize(path) / 1024 / 1024,
            read_rows=len(sheet) - 2,
            formulas=xml.count(b"<f>") + xml.count(b"<f "),
            formula_like_cells=formula_like,
            masked_phones=all("*" in r[6] for r in sheet[2:] if r[6]),
        )
        os.remove(path)
    if written != rows_expected:
        raise RuntimeError(f"{writer}: wrote {written} rows, expected {rows_expected}")
    return result


def run(rows: int, runs: int, writers: list[str]) -> dict[str, list[dict]]:
    workdir = tempfile.mkdtemp(prefix="gridgov-ledger-bench-")
    try:
        env = _env(workdir)
        cmd = [sys.executable, "-m", "bench.ledger_bench"]
        t0 = time.perf_counter()
        subprocess.run([*cmd, "--child", "prepare", "--rows", str(rows)], cwd=ROOT, env=env, check=True)
        print(f"  prepared {rows:,} visits of the demo town in {time.perf_counter() - t0:.0f} s", flush=True)
        results: dict[str, list[dict]] = {w: [] for w in writers}
        for i in range(runs):
            order = writers[i % len(writers) :] + writers[: i % len(writers)]  # each writer in every position
            for writer in order:
                out = subprocess.run(
                    [*cmd, "--child", "export", "--writer", writer, "--rows", str(rows)],
                    cwd=ROOT, env=env, check=True, capture_output=True, text=True,
                )  # fmt: skip
                result = json.loads(out.stdout.strip().splitlines()[-1])
                results[writer].append(result)
                print(
                    f"  run {i + 1} {writer:<12} {rows / result['seconds']:>9,.0f} rows/s  "
                    f"CPU {result['cpu']:.2f} s  peak RSS {result['peak_mb']:.0f} MB  {result['queries']} queries",
                    flush=True,
                )
        return results
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare", action="store_true", help="also XlsxWriter and PyExcelerate (not pinned)")
    parser.add_argument("--writer", help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=["prepare", "export"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "prepare":
        _prepare(args.rows)
        return
    if args.child == "export":
        print(json.dumps(_export(args.writer, args.rows)))
        return
    from bench.common import line

    writers = COMPARED if args.compare else CHOSEN
    results = run(args.rows, args.runs, writers)

    def median(writer: str, key: str) -> float:
        return statistics.median(r[key] for r in results[writer])

    rate = {w: args.rows / median(w, "seconds") for w in writers}
    cpu_rate = {w: args.rows / median(w, "cpu") for w in writers}
    n = args.runs
    line(
        f"ledger export, visits, {args.rows:,} rows, rustpy-xlsxwriter (median of {n})",
        f"{rate['rustpy']:,.0f} rows/s",
        "target >= 20,000, end to end with the query",
    )
    for writer in writers:
        extra = ""
        if writer != "rows":
            last = results[writer][-1]
            extra = (
                f"{last['file_mb']:.1f} MB, {last['read_rows']:,} rows read back, {last['formulas']} formulas, "
                f"{last['formula_like_cells']} cells starting = + - @"
            )
        line(
            f"  {writer}: rows/s wall | rows per CPU-second",
            f"{rate[writer]:,.0f} | {cpu_rate[writer]:,.0f}",
            f"peak RSS {median(writer, 'peak_mb'):.0f} MB (start {median(writer, 'before_mb'):.0f}), "
            f"{median(writer, 'queries'):.0f} SQL queries; {extra}",
        )
    for writer in writers:
        if writer != "rustpy":
            line(
                f"  rustpy time / {writer} time (same run, CPU)",
                f"{median('rustpy', 'cpu') / median(writer, 'cpu'):.2f}",
                "below 1: rustpy faster" if writer != "rows" else "the share of the export that is query and rows",
            )
    line("  machine load (1-minute average) at the end; 2 cores", f"{os.getloadavg()[0]:.2f}", "others slow the rate")


if __name__ == "__main__":
    main()
