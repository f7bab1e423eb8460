"""Open311 `POST requests` sustained per second through a real server.

Sets up a temporary SQLite database (a county, a town, 2 villages, 16 grids with square boundaries,
one police key), starts gunicorn on loopback and drives it from a local load generator in this
process (gunicorn's are separate): Python threads, each with its own keep-alive `http.client`
connection, posting form-encoded GeoReport v2 requests for BENCH_OPEN311_SECONDS (20) or at most
BENCH_OPEN311_MAX (40,000) requests. Three runs; prints each and the median. Only 127.0.0.1 is ever
contacted. Each run also drives a second server on the same database without the intake checks
(`bench/open311_unchecked.py`), so the server CPU of a filing with them is compared with the same filing
without them, measured in the same run (the checks' budget: +10%).

The server is 3 gthread workers x 1 thread (BENCH_OPEN311_WORKERS, _WORKER_CLASS, _WORKER_THREADS):
gthread keeps connections alive (sync workers close after every response, so each filing paid a TCP
connect and accept on both sides). One thread per process: a filing holds SQLite's write lock while its
INSERTs run, and a second thread in the same process takes the GIL each time SQLite releases it, so the
lock is held for the other thread's Python too. Measured side by side on the shared 2-core machine
(2026-11-24, batched filings, 10 s runs): 2 workers x 4 threads 273/s, 3 x 1 359/s.
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


def _env(db: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="gridgov.settings",
        GRIDGOV_SQLITE_PATH=str(db),
        GRIDGOV_DEBUG="0",
        GRIDGOV_SECRET_KEY="bench-secret-key-not-for-production",
        GRIDGOV_MASTER_KEY="YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMTI=",
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


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="open311-bench-") as tmp:
        db = Path(tmp) / "bench.sqlite3"
        env = _env(db)
        setup = subprocess.run(
            [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=True, cwd=Path.cwd()
        )
        key = setup.stdout.strip().splitlines()[-1]
        port, reference_port = free_port(), free_port()
        server = _serve("gridgov.wsgi:application", port, env)
        reference = _serve("bench.open311_unchecked:application", reference_port, env)
        try:
            wait_ready(port, server, "/open311/discovery.json")
            wait_ready(reference_port, reference, "/open311/discovery.json")
            warm_ok, warm_errors, _ = load(port, key, 2.0, 500)  # warm every worker: imports, caches
            ref_ok, ref_errors, _ = load(reference_port, key, 2.0, 500)
            warm_ok, warm_errors = warm_ok + ref_ok, warm_errors + ref_errors
            rates, all_errors, filed = [], warm_errors, warm_ok
            print(
                f"Open311 POST requests, SQLite, gunicorn {WORKERS} {WORKER_CLASS} workers x {WORKER_THREADS} threads,"
                f" {THREADS} client threads"
            )
            cpu_ms, reference_ms = [], []
            for n in range(1, RUNS + 1):
                before = _cpu_seconds(reference.pid)
                ok, errors, elapsed = load(reference_port, key, SECONDS, MAX_REQUESTS)
                reference_ms.append((_cpu_seconds(reference.pid) - before) * 1000 / max(ok, 1))
                all_errors += errors
                filed += ok
                line(f"run {n} without the intake checks: {ok:,} filed", f"{ok / elapsed:,.0f} /s")
                server_cpu, client_cpu = _cpu_seconds(server.pid), time.process_time()
                ok, errors, elapsed = load(port, key, SECONDS, MAX_REQUESTS)
                server_cpu = _cpu_seconds(server.pid) - server_cpu
                client_cpu = time.process_time() - client_cpu
                rate = ok / elapsed
                rates.append(rate)
                all_errors += errors
                filed += ok
                cpu_ms.append((server_cpu * 1000 / max(ok, 1), client_cpu * 1000 / max(ok, 1)))
                line(f"run {n}: {ok:,} filed in {elapsed:.1f} s, {errors} errors", f"{rate:,.0f} /s")
            median = statistics.median(rates)
            server_ms = statistics.median(c[0] for c in cpu_ms)
            client_ms = statistics.median(c[1] for c in cpu_ms)
            line("server CPU per request (gunicorn master + workers)", f"{server_ms:.2f} ms")
            reference_median = statistics.median(reference_ms)
            line(
                "  the same filing without the intake checks",
                f"{reference_median:.2f} ms",
                f"with them {100 * (server_ms / reference_median - 1):+.1f}% (budget +10%)",
            )
            line("  of which any request costs (GET discovery.json)", f"{baseline_cpu_ms(port, server.pid):.2f} ms")
            line("load generator CPU per request", f"{client_ms:.2f} ms")
            cores = os.cpu_count() or 1
            line(
                f"capacity of {cores} idle cores at that CPU cost",
                f"{cores * 1000 / (server_ms + client_ms):,.0f} /s",
                f"load average now {os.getloadavg()[0]:.1f}",
            )
            with sqlite3.connect(db) as check:
                (stored,) = check.execute("SELECT count(*) FROM open311_servicerequest").fetchone()
            if stored != filed:
                all_errors += abs(stored - filed)
            line("requests answered 200 / rows stored", f"{filed:,} / {stored:,}")
            line(
                f"POST requests sustained (median of {RUNS})",
                f"{median:,.0f} /s",
                f"target >= {TARGET:.0f}/s, 0 errors ({all_errors} errors)",
            )
        finally:
            for process in (server, reference):
                process.terminate()
                process.wait(timeout=30)
    return {
        "median_per_second": median,
        "errors": all_errors,
        "runs": rates,
        "server_cpu_ms": server_ms,
        "server_cpu_ms_without_checks": reference_median,
    }


def _serve(application: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", application,
            "--bind", f"{HOST}:{port}", "--workers", str(WORKERS), "--worker-class", WORKER_CLASS,
            "--threads", str(WORKER_THREADS),
            "--log-level", "warning",
        ],
        env=env,
    )  # fmt: skip


if __name__ == "__main__":
    result = run()
    sys.exit(0 if result["errors"] == 0 else 1)
