"""Shared helpers for the benchmarks: a Django set-up on a chosen database, and timing."""

from __future__ import annotations

import os
import statistics
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


def line(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<58} {value:>14}   {target}")
