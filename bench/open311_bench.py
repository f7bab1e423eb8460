"""Open311 `POST requests` sustained per second through a real server.

Sets up a temporary SQLite database (a county, a town, 2 villages, 16 grids with square boundaries,
one police key), starts gunicorn on loopback and drives it from a local load generator in this
process (gunicorn's are separate): Python threads, each with its own keep-alive `http.client`
connection, posting form-encoded GeoReport v2 requests for BENCH_OPEN311_SECONDS (20) or at most
BENCH_OPEN311_MAX (40,000) requests. Three runs; prints each and the median. Only 127.0.0.1 is ever
contacted.

The server is 3 gthread workers x 1 thread (BENCH_OPEN311_WORKERS, _WORKER_CLASS, _WORKER_THREADS):
gthread keeps connections alive (sync workers close after every response, so each filing paid a TCP
connect and accept on both sides). One thread per process: a filing holds SQLite's write lock while its
INSERTs run, and a second thread in the same process takes the GIL each time SQLite releases it, so the
lock is held for the other thread's Python too. Measured side by side on the shared 2-core machine
(2026-11-24, batched filings, 10 s runs): 2 workers x 4 threads 273/s, 3 x 1 359/s.

Statistics rollups on against off, in the same run: two servers on two databases, one with
GRIDGOV_STATS_ROLLUPS=0 and one with the rollups on and their refresh running beside it every
BENCH_OPEN311_REFRESH seconds (60, as `run_periodic`; a refresh recounts the buckets the filings touched, so
its cost per filing falls as more filings share a round), loaded in turn run by run. The on side's CPU per
filing is its server's plus the refresher's whole CPU (after start-up) divided by its filings.
"""

from __future__ import annotations

import http.client
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.common import free_port, line, wait_ready

SECONDS = float(os.environ.get("BENCH_OPEN311_SECONDS", "20"))
MAX_REQUESTS = int(os.environ.get("BENCH_OPEN311_MAX", "40000"))
RUNS = int(os.environ.get("BENCH_OPEN311_RUNS", "3"))
WORKERS = int(os.environ.get("BENCH_OPEN311_WORKERS", "3"))
WORKER_CLASS = os.environ.get("BENCH_OPEN311_WORKER_CLASS", "gthread")
WORKER_THREADS = int(os.environ.get("BENCH_OPEN311_WORKER_THREADS", "1"))
THREADS = int(os.environ.get("BENCH_OPEN311_THREADS", "6"))
REFRESH_SECONDS = float(os.environ.get("BENCH_OPEN311_REFRESH", "60"))  # run_periodic's round
REFRESHER = """
import time
import django
django.setup()
from gridgov.stats.actions import refresh
while True:
    refresh()
    time.sleep({interval})
"""
HOST = "127.0.0.1"
TARGET = 300.0

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from gridgov.places.models import Place
from gridgov.open311.actions import create_key

def square(lon, lat, size=0.01):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}

county = Place.objects.create(code="520330", name="习水县", kind="county")
town = Place.objects.create(code="520330113", name="寨坝镇", kind="town", parent=county)
for v in range(2):
    village = Place.objects.create(code=f"520330113{201 + v}", name=f"第{v + 1}村", kind="village", parent=town)
    group = Place.objects.create(code=f"{village.code}01", name=f"第{v + 1}村一组", kind="group", parent=village)
    for g in range(8):
        Place.objects.create(
            code=f"{group.code}{g + 1:02d}", name=f"第{v + 1}村第{g + 1}网格", kind="grid", parent=group,
            boundary=square(106.2 + 0.01 * g, 28.3 + 0.01 * v),
        )
_, key = create_key(name="寨坝派出所", channel="police", place=town)
print(key)
"""


def _env(db: Path, rollups: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="gridgov.settings",
        GRIDGOV_SQLITE_PATH=str(db),
        GRIDGOV_DEBUG="0",
        GRIDGOV_SECRET_KEY="bench-secret-key-not-for-production",
        GRIDGOV_MASTER_KEY="YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMTI=",
        GRIDGOV_STATS_ROLLUPS="1" if rollups else "0",
    )
    return env


def _body(key: str, i: int) -> bytes:
    v, g = i % 2, (i // 2) % 8
    return urlencode(
        {
            "api_key": key,
            "service_code": "hazard.public_security.gambling",
            "lat": f"{28.305 + 0.01 * v:.4f}",
            "long": f"{106.205 + 0.01 * g:.4f}",
            "description": f"警情推送 {i}：有人聚众赌博",
            "account_id": f"JQ-{i}",
        }
    ).encode()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(root_pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's master and workers), from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def load(port: int, key: str, seconds: float, max_requests: int) -> tuple[int, int, float]:
    """(successes, errors, elapsed seconds)."""
    counter = iter(range(max_requests))
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    ok = errors = 0
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Connection": "keep-alive"}

    def worker() -> None:
        nonlocal ok, errors
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine_ok = mine_err = 0
        while time.monotonic() < stop:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            try:
                conn.request("POST", "/open311/v2/requests.json", body=_body(key, i), headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    mine_ok += 1
                else:
                    mine_err += 1
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                mine_err += 1
                conn.close()
        conn.close()
        with lock:
            ok += mine_ok
            errors += mine_err

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok, errors, time.monotonic() - t0


def baseline_cpu_ms(port: int, server_pid: int, count: int = 600) -> float:
    """Server CPU per GET discovery.json: what any request costs before the filing itself."""
    before = _cpu_seconds(server_pid)
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    for _ in range(count):
        conn.request("GET", "/open311/discovery.json")
        response = conn.getresponse()
        response.read()
        if response.will_close:
            conn.close()
    conn.close()
    return (_cpu_seconds(server_pid) - before) * 1000 / count


class Side:
    """One server (and, rollups on, its refresher) on its own database."""

    def __init__(self, tmp: Path, rollups: bool):
        self.rollups = rollups
        self.db = Path(tmp) / f"bench-{'on' if rollups else 'off'}.sqlite3"
        self.env = _env(self.db, rollups)
        setup = subprocess.run(
            [sys.executable, "-c", SETUP], env=self.env, capture_output=True, text=True, check=True, cwd=Path.cwd()
        )
        self.key = setup.stdout.strip().splitlines()[-1]
        self.port = free_port()
        self.server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "gridgov.wsgi:application",
                "--bind", f"{HOST}:{self.port}", "--workers", str(WORKERS), "--worker-class", WORKER_CLASS,
                "--threads", str(WORKER_THREADS),
                "--log-level", "warning",
            ],
            env=self.env,
        )  # fmt: skip
        self.refresher = None
        if rollups:
            code = REFRESHER.format(interval=REFRESH_SECONDS)
            self.refresher = subprocess.Popen([sys.executable, "-c", code], env=self.env, cwd=Path.cwd())
        self.filed = self.errors = 0
        self.rates: list[float] = []
        self.server_cpu = 0.0
        self.refresher_start = 0.0

    def warm(self) -> None:
        wait_ready(self.port, self.server, "/open311/discovery.json")
        ok, errors, _ = load(self.port, self.key, 2.0, 500)  # warm every worker: imports, caches
        self.filed += ok
        self.errors += errors
        self.refresher_start = _cpu_seconds(self.refresher.pid) if self.refresher else 0.0

    def run(self, n: int) -> None:
        before = _cpu_seconds(self.server.pid)
        ok, errors, elapsed = load(self.port, self.key, SECONDS, MAX_REQUESTS)
        self.server_cpu += _cpu_seconds(self.server.pid) - before
        self.filed += ok
        self.errors += errors
        self.rates.append(ok / elapsed)
        self.measured = getattr(self, "measured", 0) + ok
        label = "rollups on " if self.rollups else "rollups off"
        line(f"{label} run {n}: {ok:,} filed in {elapsed:.1f} s, {errors} errors", f"{ok / elapsed:,.0f} /s")

    def cpu_per_filing(self) -> tuple[float, float]:
        """(server ms, refresher ms) per filing measured."""
        refresher = (_cpu_seconds(self.refresher.pid) - self.refresher_start) if self.refresher else 0.0
        return self.server_cpu * 1000 / max(self.measured, 1), refresher * 1000 / max(self.measured, 1)

    def stored(self) -> int:
        with sqlite3.connect(self.db) as check:
            (stored,) = check.execute("SELECT count(*) FROM open311_servicerequest").fetchone()
        return stored

    def stop(self) -> None:
        for process in (self.server, self.refresher):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="open311-bench-") as tmp:
        sides = [Side(Path(tmp), rollups=False), Side(Path(tmp), rollups=True)]
        try:
            for side in sides:
                side.warm()
            print(
                f"Open311 POST requests, SQLite, gunicorn {WORKERS} {WORKER_CLASS} workers x {WORKER_THREADS} threads,"
                f" {THREADS} client threads; rollups off and on in turn"
            )
            client_cpu = time.process_time()
            for n in range(1, RUNS + 1):
                for side in sides:
                    side.run(n)
            time.sleep(REFRESH_SECONDS + 1)  # the refresher's last round over the last run's filings
            client_ms = (time.process_time() - client_cpu) * 1000 / max(sum(s.measured for s in sides), 1)
            off, on = sides
            off_ms, _ = off.cpu_per_filing()
            on_server, on_refresh = on.cpu_per_filing()
            line("server CPU per filing, rollups off", f"{off_ms:.2f} ms")
            line("server CPU per filing, rollups on (gunicorn)", f"{on_server:.2f} ms")
            line(f"  + refresher every {REFRESH_SECONDS:g} s, per filing", f"{on_refresh:.2f} ms")
            increase = 100 * (on_server + on_refresh - off_ms) / off_ms
            line("rollups on against off (server + refresher)", f"{increase:+.1f}%", "target <= +10%")
            line(
                "  of any request (GET discovery.json), rollups off",
                f"{baseline_cpu_ms(off.port, off.server.pid):.2f} ms",
            )
            line("load generator CPU per request", f"{client_ms:.2f} ms")
            cores = os.cpu_count() or 1
            line(
                f"capacity of {cores} idle cores at that CPU cost (off)",
                f"{cores * 1000 / (off_ms + client_ms):,.0f} /s",
                f"load average now {os.getloadavg()[0]:.1f}",
            )
            errors = 0
            for side in sides:
                stored = side.stored()
                errors += side.errors + abs(stored - side.filed)
                label = "on" if side.rollups else "off"
                line(f"rollups {label}: requests answered 200 / rows stored", f"{side.filed:,} / {stored:,}")
            median = statistics.median(off.rates)
            line(f"POST requests sustained, rollups off (median of {RUNS})", f"{median:,.0f} /s",
                 f"target >= {TARGET:.0f}/s, 0 errors ({errors} errors)")  # fmt: skip
            line(f"POST requests sustained, rollups on (median of {RUNS})", f"{statistics.median(on.rates):,.0f} /s")
        finally:
            for side in sides:
                side.stop()
    return {
        "median_per_second": median,
        "errors": errors,
        "runs": off.rates,
        "rollups_on_runs": on.rates,
        "cpu_increase_percent": increase,
    }


if __name__ == "__main__":
    result = run()
    sys.exit(0 if result["errors"] == 0 else 1)
