"""`make test-cluster` (python -m cluster): issue 11's acceptance checks on a real cluster on loopback.

Starts a PostgreSQL 15 primary and a streaming replica (pg_basebackup), loads the demo town, starts two
gunicorn app nodes (A, B; sessions, cache and uploaded files shared through the database and a shared
directory) and two `run_periodic` workers, then checks, each against the database's own records:

1. a write through node A is read through node B (and a session signed in on A works on B);
2. list, figure and cockpit pages are served by the replica (the replica's own pg_stat_user_tables counters);
3. the replica stopped mid-run costs no error (reads fall back to the primary) and is used again after;
4. every periodic job and webhook delivery happens exactly once with two workers (a local receiver);
5. a photo uploaded through A is served by B;
6. kill -9 of a field sync and of a register import mid-write leaves nothing half-written, and the
   retry completes;
7. a bounded load test: mixed traffic for GRIDGOV_CLUSTER_LOAD_SECONDS (60) at the rate the machine
   sustains, 0 errors; then the same with node A killed (SIGKILL, master and workers) at second 20,
   clients retrying on B, and every acknowledged write in the database exactly once.

Prints what each check saw and ends with "cluster: N passed, M failed"; exits 1 if any failed.
"""

from __future__ import annotations

import io
import os
import sys
import time
import traceback
from collections.abc import Callable

from cluster.nodes import Cluster, Config

RESULTS: list[tuple[str, bool]] = []


def check(name: str, fn: Callable[[], list[str] | None]) -> None:
    print(f"\n== {name}", flush=True)
    started = time.monotonic()
    try:
        for line in fn() or []:
            print(f"   {line}", flush=True)
    except Exception:
        traceback.print_exc(file=sys.stdout)
        print(f"   FAILED ({time.monotonic() - started:.1f} s)", flush=True)
        RESULTS.append((name, False))
    else:
        print(f"   passed ({time.monotonic() - started:.1f} s)", flush=True)
        RESULTS.append((name, True))


def setup_django(cluster: Cluster) -> None:
    """This process reads and prepares the database directly (the primary), as an operator's shell would."""
    os.environ.update({**cluster.common_env(), "GRIDGOV_VAR_DIR": str(cluster.config.base / "var-harness")})
    # Before django.setup(), so that collectstatic below writes the hashed files' manifest the nodes serve from
    # (set after it, the settings were already read: no manifest, and every page failed in a fresh checkout).
    os.environ.update({"GRIDGOV_SERVE_STATIC": "1", "GRIDGOV_STATIC_MANIFEST": "1"})
    import django

    django.setup()
    from django.core.management import call_command

    quiet = io.StringIO()
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", if_empty=True, stdout=quiet, stderr=quiet)
    call_command("demo_accounts", stdout=quiet)
    call_command("createcachetable")
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"   migrated and loaded the demo town in {time.monotonic() - started:.1f} s", flush=True)


def main() -> int:
    config = Config()
    cluster = Cluster(config)
    from cluster import checks
    from gridgov.notifications.tests.receiver import Receiver

    robot = Receiver()
    robot.start()
    cluster.robot_url = robot.url
    try:
        print("== starting: PostgreSQL primary and streaming replica", flush=True)
        cluster.prepare()
        print(f"   primary {cluster.primary.url}, replica {cluster.replica.url} (pg_basebackup -R)", flush=True)
        setup_django(cluster)
        cluster.start_nodes()
        cluster.start_workers()
        print(f"   app nodes A :{config.app_ports[0]} and B :{config.app_ports[1]} "
              f"({config.app_workers} gunicorn workers each), two run_periodic workers", flush=True)  # fmt: skip
        ctx = checks.Context(cluster, robot)
        seconds = f"{config.load_seconds:.0f} s"
        plan = [
            ("a write through node A is read through node B", ctx.write_a_read_b),
            ("list, figure and cockpit pages are served by the replica (its own statistics)", ctx.reads_on_replica),
            ("the replica stopped mid-run costs no error", ctx.replica_stops),
            ("every periodic job and webhook delivery happens exactly once with two workers", ctx.jobs_once),
            ("a photo uploaded through A is served by B", ctx.photo_a_to_b),
            ("kill -9 of a field sync mid-write: nothing half-written, the retry completes", ctx.kill_sync),
            ("kill -9 of a register import mid-write: nothing half-written, the retry completes", ctx.kill_import),
            (f"load test: {seconds} of mixed traffic, 0 errors", ctx.load_steady),
            (f"load test: {seconds} with node A killed (SIGKILL) at second 20", ctx.load_with_kill),
        ]
        only = [name for name in os.environ.get("GRIDGOV_CLUSTER_CHECKS", "").split(",") if name]
        for name, fn in plan:
            if not only or fn.__name__ in only:
                check(name, fn)
    except Exception:
        traceback.print_exc(file=sys.stdout)
        RESULTS.append(("cluster start-up", False))
    finally:
        cluster.stop()
        robot.stop()
    failed = [name for name, ok in RESULTS if not ok]
    print(f"\nlogs: {cluster.logs}")
    for name in failed:
        print(f"FAILED: {name}")
    print(f"cluster: {len(RESULTS) - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
