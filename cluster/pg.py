"""A PostgreSQL 15 primary and a streaming replica made with pg_basebackup, on loopback (Debian's
postgresql-15, installed by .ci/pg-start when missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg

BIN = Path("/usr/lib/postgresql/15/bin")
ROOT = Path(__file__).resolve().parent.parent


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def run(*command: str, check: bool = True, quiet: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([*_as_postgres(), *command], check=check, capture_output=quiet, text=True, cwd="/tmp")


def ensure_installed() -> None:
    if not (BIN / "postgres").exists():
        subprocess.run([str(ROOT / ".ci" / "pg-start")], check=True, env={**os.environ, "PGPORT": "54399"})
        stop(Path("/tmp/gridgov-pg-54399"))


class Server:
    def __init__(self, name: str, port: int, base: Path):
        self.name, self.port = name, port
        self.data = base / f"pg-{name}-{port}"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/gridgov"

    def conninfo(self, db: str = "gridgov") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={db} connect_timeout=3"

    def options(self) -> str:
        return (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.data.parent}"
            " -c fsync=off -c wal_level=replica -c max_wal_senders=6 -c hot_standby=on"
            " -c shared_buffers=256MB -c max_connections=200 -c wal_keep_size=512MB"
            " -c hot_standby_feedback=on"
        )

    def start(self) -> None:
        run(str(BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "-l", str(self.data / "server.log"),
            "-o", self.options(), "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        stop(self.data, mode)

    def running(self) -> bool:
        return run(str(BIN / "pg_ctl"), "-D", str(self.data), "status", check=False).returncode == 0

    def query(self, sql: str, params=None, db: str = "gridgov"):
        with psycopg.connect(self.conninfo(db), autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


def stop(data: Path, mode: str = "fast") -> None:
    if (data / "postmaster.pid").exists():
        run(str(BIN / "pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop", check=False)


def fresh_dir(path: Path) -> None:
    stop(path, "immediate")
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, mode=0o700)
    path.chmod(0o700)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def make_primary(port: int, base: Path) -> Server:
    server = Server("primary", port, base)
    fresh_dir(server.data)
    run(str(BIN / "initdb"), "-D", str(server.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
        "--locale=C.UTF-8")  # fmt: skip
    server.start()
    server.query("CREATE DATABASE gridgov", db="postgres")
    return server


def make_replica(primary: Server, port: int, base: Path) -> Server:
    """pg_basebackup of the running primary, started as a hot standby streaming from it (-R)."""
    replica = Server("replica", port, base)
    fresh_dir(replica.data)
    run(str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
        "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast")  # fmt: skip
    replica.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = primary.query("SELECT state FROM pg_stat_replication", db="postgres")
        if rows and rows[0][0] == "streaming":
            return replica
        time.sleep(0.2)
    raise RuntimeError("the replica did not start streaming")


def replay_lag_ms(primary: Server) -> float | None:
    """The primary's view of the replica's replay lag (pg_stat_replication.replay_lag), in ms."""
    rows = primary.query(
        "SELECT EXTRACT(EPOCH FROM replay_lag) * 1000 FROM pg_stat_replication WHERE state = 'streaming'",
        db="postgres",
    )
    if not rows:
        return None
    return float(rows[0][0] or 0.0)


def table_reads(server: Server, table: str) -> int:
    """Scans of ``table`` counted by ``server`` itself (pg_stat_user_tables; a standby counts its own)."""
    rows = server.query(
        "SELECT COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = %s", (table,)
    )
    return int(rows[0][0]) if rows else 0
