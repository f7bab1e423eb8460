"""`make bench`: every benchmark in its own process (each sets up Django on its own database)."""

import subprocess
import sys

BENCHES = [
    "bench.seed_bench",
    "bench.import_bench",
    "bench.list_bench",
    "bench.open311_bench",
    "bench.audit_chain_bench",
    "bench.matters_bench",
    "bench.field_bench",
    "bench.ledger_bench",
    "bench.login_bench",
    "bench.province_bench",
    "bench.pool_bench",
    "bench.stats_bench",
    "bench.cockpit_bench",
    "bench.briefing_bench",
]

if __name__ == "__main__":
    only = sys.argv[1:] or BENCHES
    failed = 0
    for module in only:
        print(f"\n== {module}", flush=True)
        failed |= subprocess.call([sys.executable, "-m", module])
    sys.exit(failed)
