"""Demo seeding speed: `seed_demo` for 寨坝镇 and for the whole county (`--towns 26`, ~530,000 residents).

Each run migrates a fresh SQLite file in a temp directory and runs `manage.py seed_demo` in its own
process, so the figure includes start-up, generation, sealing of ID numbers and phones, and the
inserts, as an operator sees it. Target: 500,000 residents in under 5 minutes on a 2-core machine.

    python -m bench.seed_bench [--towns 26]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import line

ROOT = Path(__file__).resolve().parents[1]


def seed(towns: int, workdir: Path) -> dict:
    env = {**os.environ, "GRIDGOV_SQLITE_PATH": str(workdir / f"seed_{towns}.sqlite3")}
    env.pop("DATABASE_URL", None)  # always a fresh SQLite file
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    t0 = time.perf_counter()
    done = subprocess.run(
        [*manage, "seed_demo", "--towns", str(towns), "--no-accounts"],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    match = re.search(r"居民 ([\d,]+) 人，用时", done.stdout)
    residents = int(match.group(1).replace(",", "")) if match else 0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"towns": towns, "residents": residents, "seconds": seconds, "peak_mb": peak_mb}


def run(towns: int = 26) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="gridgov-seed-bench-"))
    try:
        demo = seed(1, workdir)
        county = seed(towns, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("seed_demo on a fresh SQLite file (process wall time, start-up included)")
    line("demo town 寨坝镇 (seed_demo)", f"{demo['seconds']:.1f} s", f"{demo['residents']:,} residents")
    line(f"county, seed_demo --towns {towns}", f"{county['seconds']:.1f} s", "target < 300 s")
    line("  residents written", f"{county['residents']:,}", "target ~500,000")
    line("  residents per second", f"{county['residents'] / county['seconds']:,.0f}")
    line("  peak memory of the seeding process", f"{county['peak_mb']:.0f} MB")
    return {"demo": demo, "county": county}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, default=26)
    args = parser.parse_args()
    result = run(args.towns)
    sys.exit(0 if result["county"]["seconds"] < 300 else 1)
