"""One writer process for `test_concurrent_writers`: audit rows written the way a business write writes them
(three rows a transaction, batched on SQLite), sealing now and then like the periodic job of another process.

    python -m gridgov.audit.tests.concurrent_writer TAG TRANSACTIONS SEAL_EVERY BARRIER_DIR

Each writer starts writing only once every writer is ready (``BARRIER_DIR/go`` exists), so they overlap.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main(tag: str, transactions: int, seal_every: int, barrier: Path) -> None:
    import django

    django.setup()
    from gridgov.audit.actions import record, seal_chain
    from gridgov.audit.signals import write_change
    from gridgov.core.writes import batched_writes
    from gridgov.places.models import Place

    place = Place(pk=1, code="520330", name="习水县", kind="county")  # only its label, id and name are logged
    (barrier / f"ready-{tag}").touch()
    deadline = time.monotonic() + 120
    while not (barrier / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    for i in range(transactions):
        with batched_writes():
            for j in range(2):
                write_change(place, "update", {"name": f"{tag}-{i}-{j}"}, {"name": f"{tag}-{i}-{j}+"})
            record("view", None, detail={"writer": tag, "i": i})
        if seal_every and i % seal_every == seal_every - 1:
            seal_chain(batch=7)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
