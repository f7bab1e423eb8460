"""Connection pooling measured side by side: Django's persistent connections, Django 5.2's psycopg pool,
and pgbouncer (Debian's, transaction pooling), against a new connection per request as the reference.

One throwaway PostgreSQL 15 on loopback (BENCH_PG_PORT, default 54338), the demo town, one gunicorn with
GRIDGOV_WORKERS sync workers (default 4), and closed-loop asyncio clients for BENCH_POOL_SECONDS (15) per
configuration, three rounds in turn (so the machine's drift hits each alike). Each request is a signed-in
household list page (a session read, the scoped list) or an Open311 read. Prints per configuration: the
median throughput, server CPU per request (gunicorn + PostgreSQL + pgbouncer, from /proc) and its ratio to
the reference, the PostgreSQL sessions opened per 1,000 requests, and the peak number of server connections.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import line

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PG_PORT", "54338"))
BOUNCER_PORT = PORT + 1000
APP_PORT = int(os.environ.get("BENCH_APP_PORT", "8118"))
SECONDS = float(os.environ.get("BENCH_POOL_SECONDS", "15"))
CLIENTS = int(os.environ.get("BENCH_POOL_CLIENTS", "8"))
WORKERS = int(os.environ.get("GRIDGOV_WORKERS", "4"))
ROUNDS = int(os.environ.get("BENCH_POOL_ROUNDS", "3"))
DB = "gridgov_pool"
TICKS = os.sysconf("SC_CLK_TCK")

CONFIGS = {
    "new connection per request (reference)": ({"GRIDGOV_CONN_MAX_AGE": "0"}, False),
    "persistent connections (CONN_MAX_AGE=600)": ({"GRIDGOV_CONN_MAX_AGE": "600"}, False),
    "psycopg pool in each process (GRIDGOV_DB_POOL=1)": ({"GRIDGOV_DB_POOL": "1", "GRIDGOV_DB_POOL_MAX": "2"}, False),
    "pgbouncer, transaction pooling, new client connection": (
        {"GRIDGOV_CONN_MAX_AGE": "0", "GRIDGOV_DB_PGBOUNCER": "1"},
        True,
    ),
    "pgbouncer, transaction pooling, persistent client connection": (
        {"GRIDGOV_CONN_MAX_AGE": "600", "GRIDGOV_DB_PGBOUNCER": "1"},
        True,
    ),
}


def cpu_seconds(pid: int) -> float:
    """CPU of a process and all its descendants, living or reaped (utime + stime + cutime + cstime)."""
    total = 0.0
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15]) / TICKS
        stack.extend(children.get(current, []))
    return total


def postmaster_pid(data: Path) -> int:
    return int((data / "postmaster.pid").read_text().split()[0])


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(PORT), "-U", "postgres", "-d", db, "-Atc", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def start_bouncer(work: Path) -> subprocess.Popen:
    if not shutil.which("pgbouncer") and not Path("/usr/sbin/pgbouncer").exists():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "pgbouncer"], check=True, env=env, capture_output=True)
    ini = work / "pgbouncer.ini"
    ini.write_text(
        f"[databases]\n{DB} = host=127.0.0.1 port={PORT} dbname={DB} user=postgres\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {BOUNCER_PORT}\nauth_type = trust\n"
        f"auth_file = {work / 'users.txt'}\npool_mode = transaction\ndefault_pool_size = {WORKERS}\n"
        f"max_client_conn = 200\nunix_socket_dir =\nlogfile = {work / 'pgbouncer.log'}\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    (work / "users.txt").write_text('"postgres" ""\n')
    shutil.chown(work, "postgres")
    for path in work.iterdir():
        shutil.chown(path, "postgres")
    bouncer = subprocess.Popen(["runuser", "-u", "postgres", "--", "/usr/sbin/pgbouncer", str(ini)])
    time.sleep(1.0)
    return bouncer


def start_app(env: dict) -> subprocess.Popen:
    from bench.common import wait_ready

    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "gridgov.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    wait_ready(APP_PORT, server, "/healthz")
    return server


def measure(cookie: str, app: subprocess.Popen, pg_pid: int, bouncer: subprocess.Popen | None) -> dict:
    from cluster.http import fetch

    sessions_before = int(psql(f"SELECT sessions FROM pg_stat_database WHERE datname = '{DB}'"))
    pids = [app.pid, pg_pid] + ([bouncer.pid] if bouncer else [])
    cpu_before = sum(cpu_seconds(p) for p in pids)
    done, errors, peak = 0, 0, 0

    async def client(number: int, deadline: float) -> None:
        nonlocal done, errors
        paths = ["/households/", "/open311/v2/requests.json", "/households/?page=2"]
        i = number
        while time.monotonic() < deadline:
            i += 1
            try:
                status, _ = await fetch(APP_PORT, "GET", paths[i % 3], headers={"Cookie": cookie})
            except OSError:
                errors += 1
                continue
            done += status == 200
            errors += status != 200

    async def watch(deadline: float) -> None:
        nonlocal peak
        while time.monotonic() < deadline:
            count = await asyncio.to_thread(
                psql,
                f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{DB}' AND backend_type = 'client backend'",
            )
            peak = max(peak, int(count) - 1)  # less the watcher's own
            await asyncio.sleep(0.5)

    async def main() -> None:
        deadline = time.monotonic() + SECONDS
        await asyncio.gather(watch(deadline), *(client(n, deadline) for n in range(CLIENTS)))

    started = time.monotonic()
    asyncio.run(main())
    elapsed = time.monotonic() - started
    cpu = sum(cpu_seconds(p) for p in pids) - cpu_before
    sessions = int(psql(f"SELECT sessions FROM pg_stat_database WHERE datname = '{DB}'")) - sessions_before
    return {"rps": done / elapsed, "cpu_ms": 1000 * cpu / max(done, 1), "sessions": sessions, "done": done,
            "errors": errors, "peak": peak}  # fmt: skip


def run() -> dict:
    from cluster import pg

    pg.ensure_installed()
    data = Path(f"/tmp/gridgov-pg-{PORT}")
    env = {**os.environ, "PGPORT": str(PORT)}
    subprocess.run([str(ROOT / ".ci" / "pg-start")], check=True, env=env, capture_output=True)
    psql(f"DROP DATABASE IF EXISTS {DB}")
    psql(f"CREATE DATABASE {DB}")
    direct = f"postgres://postgres@127.0.0.1:{PORT}/{DB}"
    base = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GRIDGOV_", "DATABASE_URL"))},
        "DATABASE_URL": direct,
        "GRIDGOV_VAR_DIR": tempfile.mkdtemp(prefix="gridgov-pool-"),
        "GRIDGOV_BIND": f"127.0.0.1:{APP_PORT}",
        "GRIDGOV_WORKERS": str(WORKERS),
        "GRIDGOV_SECURE_COOKIES": "0",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["seed_demo", "--no-matters", "--no-activity"], ["demo_accounts"]):
        subprocess.run(manage + command, cwd=ROOT, env=base, check=True, capture_output=True)
    pg_pid = postmaster_pid(data)
    work = Path(tempfile.mkdtemp(prefix="gridgov-pgbouncer-"))
    bouncer = start_bouncer(work)
    via_bouncer = f"postgres://postgres@127.0.0.1:{BOUNCER_PORT}/{DB}"
    print(f"connection pooling: {WORKERS} gunicorn workers, {CLIENTS} clients, {SECONDS:.0f} s x {ROUNDS} rounds"
          f" per configuration; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    cookie = None
    results: dict[str, list[dict]] = {name: [] for name in CONFIGS}
    try:
        for _ in range(ROUNDS):
            for name, (extra, bounced) in CONFIGS.items():
                env = {**base, **extra, "DATABASE_URL": via_bouncer if bounced else direct}
                app = start_app(env)
                try:
                    if cookie is None:
                        from cluster.http import Session

                        session = Session()
                        session.login(APP_PORT, "county")
                        cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
                    results[name].append(measure(cookie, app, pg_pid, bouncer if bounced else None))
                finally:
                    os.killpg(app.pid, 15)
                    app.wait(30)
    finally:
        bouncer.terminate()
        bouncer.wait(10)
    reference = statistics.median(r["cpu_ms"] for r in results[next(iter(CONFIGS))])
    summary = {}
    for name, runs in results.items():
        rps = statistics.median(r["rps"] for r in runs)
        cpu = statistics.median(r["cpu_ms"] for r in runs)
        per_k = statistics.median(1000 * r["sessions"] / max(r["done"], 1) for r in runs)
        peak = max(r["peak"] for r in runs)
        errors = sum(r["errors"] for r in runs)
        line(name, f"{rps:.1f} req/s", f"CPU {cpu:.1f} ms/req ({cpu / reference:.2f}x)")
        line("  PostgreSQL sessions per 1,000 requests; peak server connections",
             f"{per_k:.0f}; {peak}", f"errors {errors}")  # fmt: skip
        summary[name] = {"rps": rps, "cpu_ms": cpu, "sessions_per_1000": per_k, "peak": peak, "errors": errors}
    return summary


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
