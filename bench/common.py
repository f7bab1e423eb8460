"""Shared helpers for the benchmarks: a Django set-up on a chosen database, and timing."""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def setup_django(sqlite_path: Path | None = None) -> None:
    """Point Django at a benchmark database (SQLite file unless DATABASE_URL is set) and set it up."""
    OUT.mkdir(exist_ok=True)
    if sqlite_path is not None and not os.environ.get("DATABASE_URL"):
        os.environ["GRIDGOV_SQLITE_PATH"] = str(sqlite_path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()


def median_ms(fn: Callable[[], object], runs: int = 30, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def median_wall_cpu_ms(fn: Callable[[], object], runs: int = 30, warmup: int = 3) -> tuple[float, float]:
    """(median wall ms, median CPU ms of this process) per call: on a shared machine the wall time
    follows the others' load, the CPU time much less."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def count_queries(fn: Callable[[], object]) -> int:
    """SQL statements ``fn`` sends on the default connection, counted by an execute wrapper: unlike
    CaptureQueriesContext it sees every statement, whatever the connection's debug state (a test client's
    request closes and reopens the connection, which left the capture with nothing)."""
    from django.db import connection

    seen = [0]

    def counter(execute, sql, params, many, context):
        seen[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        fn()
    return seen[0]


def line(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<58} {value:>14}   {target}")


LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A free TCP port on loopback for a benchmark's server."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_ready(port: int, server: subprocess.Popen, path: str, timeout: float = 60.0) -> None:
    """Wait until the server started as ``server`` answers 200 for ``path`` on loopback."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            conn = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not answer in time")
