"""Register import benchmark: residents imported per second from xlsx, and the import's CPU and peak memory.

`run(rows)` builds a throw-away SQLite database in a temp directory, writes a register workbook of
``rows`` residents, and imports it in a fresh process through `manage.py import_register` (the same code
path as the command and the web upload). A large sheet is checked by two processes (the importer and its
row worker), so CPU time and peak memory are given for both: the rate alone hides how busy the machine is.

    python -m bench.import_bench [--rows 100000] [--runs 5]
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
VILLAGES = 4
GRIDS_PER_VILLAGE = 5
CLUSTERS_PER_GRID = 8
USERNAME = "bench_town"


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def _cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _cluster_codes() -> list[tuple[str, str]]:
    out = []
    for v in range(1, VILLAGES + 1):
        village = f"{TOWN}{200 + v:03d}"
        for g in range(1, GRIDS_PER_VILLAGE + 1):
            grid = f"{village}01{g:02d}"
            out.extend((grid, f"{grid}{c:02d}") for c in range(1, CLUSTERS_PER_GRID + 1))
    return out


def write_workbook(path: str, rows: int, seed: int = 2026) -> None:
    """A register of ``rows`` residents in households of 1-6, spread over the bench town's clusters."""
    import xlsxwriter

    from gridgov.registers.excel import HEADERS
    from gridgov.utils.idnumber import check_char

    rnd = random.Random(seed)
    clusters = _cluster_codes()
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
    given = "建国秀英明华伟芳军丽强敏静磊洋勇艳杰娟涛超霞平刚桂兰文斌"
    relations = ["配偶", "子女", "子女", "父母", "孙子女", "兄弟姐妹"]
    base = dt.date(1930, 1, 1)
    # Shared strings, as Excel and WPS save them (constant_memory would write inline strings instead).
    workbook = xlsxwriter.Workbook(path, {"strings_to_numbers": False})
    sheet = workbook.add_worksheet("户籍")
    sheet.write_row(0, 0, HEADERS)
    row, household = 1, 0
    # Unique ID numbers: each (birth day, sequence) pair is used once.
    days = list(range(0, 32000))
    while row <= rows:
        household += 1
        grid, cluster = clusters[household % len(clusters)]
        number = f"B{household:07d}"
        address = f"寨坝镇第{household % VILLAGES + 1}村{household % 40 + 1}组{household}号"
        for member in range(rnd.randint(1, 6)):
            if row > rows:
                break
            birth = base + dt.timedelta(days=days[(row * 7919) % len(days)])
            first17 = f"520330{birth:%Y%m%d}{(row * 7919) // len(days) % 1000:03d}"
            id_number = first17 + check_char(first17)
            sheet.write_row(
                row,
                0,
                [
                    number,
                    grid,
                    cluster,
                    address,
                    "自建房",
                    rnd.choice(surnames) + rnd.choice(given) + rnd.choice(given),
                    id_number,
                    "户主" if member == 0 else rnd.choice(relations),
                    f"1{rnd.randint(3, 9)}{rnd.randint(0, 999999999):09d}",
                    "汉族" if rnd.random() < 0.8 else "苗族",
                    "是" if rnd.random() < 0.08 else "否",
                    "户籍人口",
                    "是" if rnd.random() < 0.25 else "否",
                    "广东东莞" if rnd.random() < 0.1 else "",
                ],
            )
            row += 1
    workbook.close()


def _child_env(workdir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "gridgov.settings",
            "GRIDGOV_SQLITE_PATH": os.path.join(workdir, "bench.sqlite3"),
            "GRIDGOV_VAR_DIR": workdir,
            "GRIDGOV_IMPORT_MAX_ROWS": str(max(200_000, int(os.environ.get("GRIDGOV_IMPORT_MAX_ROWS", "0") or 0))),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _prepare(rows: int) -> None:
    """Child 1: migrate the temp database, create the bench town and its user, write the workbook."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from gridgov.accounts.choices import Role
    from gridgov.accounts.models import User
    from gridgov.places.choices import PlaceKind
    from gridgov.places.models import Place

    county = Place.objects.create(code="520330", name="习水县", kind=PlaceKind.COUNTY)
    town = Place.objects.create(code=TOWN, name="寨坝镇", kind=PlaceKind.TOWN, parent=county)
    made: dict[str, Place] = {TOWN: town}
    for grid_code, cluster_code in _cluster_codes():
        village_code, group_code = grid_code[:12], grid_code[:14]
        for code, kind, name in (
            (village_code, PlaceKind.VILLAGE, f"第{village_code[-2:]}村"),
            (group_code, PlaceKind.GROUP, f"第{village_code[-2:]}村一组"),
            (grid_code, PlaceKind.GRID, f"网格{grid_code[-4:]}"),
            (cluster_code, PlaceKind.CLUSTER, f"联户{cluster_code[-6:]}"),
        ):
            if code not in made:
                parent = made[code[: {12: 9, 14: 12, 16: 14, 18: 16}[len(code)]]]
                made[code] = Place.objects.create(code=code, name=name, kind=kind, parent=parent)
    User.objects.create(username=USERNAME, display_name="镇综治中心", role=Role.CENTER_STAFF, place=town)
    write_workbook(os.path.join(os.environ["GRIDGOV_VAR_DIR"], "register.xlsx"), rows)


def _import() -> dict:
    """Child 2: import the workbook through the command, timed, in a process that did nothing else."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import gridgov.registers.management.commands.import_register  # noqa: F401  (module loading is not import speed)
    from gridgov.households.models import Household, Resident

    path = os.path.join(os.environ["GRIDGOV_VAR_DIR"], "register.xlsx")
    connection.ensure_connection()
    before = _rss_mb()
    cpu_before = _cpu_seconds()
    worker_cpu_before = _cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        call_command("import_register", path, user=USERNAME, no_progress=True, verbosity=0, stdout=devnull)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    worker_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN) - worker_cpu_before  # the row worker, once it has ended
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "residents": Resident.objects.count(),
        "households": Household.objects.count(),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu + worker_cpu, 3),
        "main_cpu_seconds": round(cpu, 3),
        "worker_cpu_seconds": round(worker_cpu, 3),
        "rss_before_mb": round(before, 1),
        "main_peak_rss_mb": round(peak, 1),
        "worker_peak_rss_mb": round(worker_peak, 1),
        # Both peaks added up: more than the two processes ever held at once, so a safe upper bound.
        "peak_rss_mb": round(peak + worker_peak, 1),
        "file_mb": round(os.path.getsize(path) / 1024 / 1024, 1),
    }


def run(rows: int = 100_000) -> dict:
    """One benchmark run; returns residents/s, seconds, and the import process's peak RSS in MB."""
    workdir = tempfile.mkdtemp(prefix="gridgov-import-bench-")
    try:
        env = _child_env(workdir)
        cmd = [sys.executable, "-m", "bench.import_bench"]
        subprocess.run([*cmd, "--child", "prepare", "--rows", str(rows)], cwd=ROOT, env=env, check=True)
        out = subprocess.run([*cmd, "--child", "import"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if result["residents"] != rows:
        raise RuntimeError(f"imported {result['residents']} residents, expected {rows}")
    result["rows"] = rows
    result["rows_per_s"] = round(rows / result["seconds"])
    result["rows_per_cpu_s"] = round(rows / result["cpu_seconds"])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", choices=["prepare", "import"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "prepare":
        _prepare(args.rows)
        return
    if args.child == "import":
        print(json.dumps(_import()))
        return
    from bench.common import line

    results = []
    for i in range(args.runs):
        result = run(args.rows)
        results.append(result)
        print(
            f"  run {i + 1}: {result['rows_per_s']:,} residents/s ({result['seconds']} s wall; CPU "
            f"{result['main_cpu_seconds']} s importer + {result['worker_cpu_seconds']} s row worker; "
            f"peak RSS {result['main_peak_rss_mb']} + {result['worker_peak_rss_mb']} MB; "
            f"{args.rows:,} rows, {result['file_mb']} MB xlsx)",
            flush=True,
        )
    n = len(results)

    def median(key: str) -> float:
        return statistics.median(r[key] for r in results)

    loadavg = os.getloadavg()[0]
    rate = f"{median('rows_per_s'):,.0f} rows/s"
    line(f"register import from xlsx, {args.rows:,} rows (median of {n})", rate, "target >= 20,000")
    line(
        "  CPU seconds, importer + row worker (median)",
        f"{median('main_cpu_seconds'):.2f} + {median('worker_cpu_seconds'):.2f} s",
        f"{median('rows_per_cpu_s'):,.0f} rows per CPU-second",
    )
    line(
        f"register import peak memory, importer + row worker (median of {n})",
        f"{median('peak_rss_mb'):.0f} MB RSS",
        f"target < 500 MB ({median('main_peak_rss_mb'):.0f} + {median('worker_peak_rss_mb'):.0f})",
    )
    line("  machine load (1-minute average) at the end; 2 cores", f"{loadavg:.2f}", "other work slows the rate")


if __name__ == "__main__":
    main()
