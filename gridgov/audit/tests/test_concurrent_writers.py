"""Several processes write audit rows and seal the chain at the same time (gunicorn workers, the periodic job):
every row ends up in one unbroken chain, once, and the chain verifies. Real processes on a real database file
(SQLite, WAL, one write lock) or on the PostgreSQL test database."""

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from gridgov.audit.actions import record, seal_chain
from gridgov.audit.models import AuditChain, AuditLog
from gridgov.audit.queries import verify_chain

WRITERS = 3
TRANSACTIONS = 60  # each: two change rows and one event row
ROOT = Path(__file__).resolve().parents[3]
EVENTS = "SELECT detail FROM audit_auditlog WHERE action = 'view' ORDER BY seq"


def _environment(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="gridgov.settings", PYTHONPATH=str(ROOT))
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        path = tmp_path / "concurrent.sqlite3"
        target = sqlite3.connect(path)
        connection.connection.backup(target)  # the migrated test database, triggers and all
        target.close()
        env.pop("DATABASE_URL", None)
        env["GRIDGOV_SQLITE_PATH"] = str(path)
    else:
        s = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    return env


def _run_writers(env: dict[str, str], barrier: Path) -> None:
    barrier.mkdir()
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gridgov.audit.tests.concurrent_writer",
                f"w{n}",
                str(TRANSACTIONS),
                str(n + 3),
                str(barrier),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n in range(WRITERS)
    ]
    deadline = time.monotonic() + 120
    while len(list(barrier.glob("ready-*"))) < WRITERS and time.monotonic() < deadline:
        time.sleep(0.05)
    (barrier / "go").touch()  # all start writing at once
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err[-2000:]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_keep_one_verifiable_chain(tmp_path):
    env = _environment(tmp_path)
    _run_writers(env, tmp_path / "barrier")
    expected = WRITERS * TRANSACTIONS * 3
    if connection.vendor == "sqlite":
        result = subprocess.run(
            [sys.executable, "manage.py", "verify_audit"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "审计链完好" in result.stdout
        with sqlite3.connect(env["GRIDGOV_SQLITE_PATH"]) as db:
            seqs = [s for (s,) in db.execute("SELECT seq FROM audit_auditlog ORDER BY seq")]
            order = [json.loads(d)["writer"] for (d,) in db.execute(EVENTS)]
    else:
        seal_chain()
        report = verify_chain()
        assert report.ok, report.problems
        seqs = list(AuditLog.objects.order_by("seq").values_list("seq", flat=True))
        events = AuditLog.objects.filter(action="view").order_by("seq").values_list("detail", flat=True)
        order = [d["writer"] for d in events]
    assert sorted(order) == sorted(f"w{n}" for n in range(WRITERS) for _ in range(TRANSACTIONS))
    assert len(seqs) >= expected
    assert seqs == list(range(1, len(seqs) + 1))  # every row sealed once, no gap, no double
    switches = sum(1 for a, b in zip(order, order[1:], strict=False) if a != b)
    assert switches > WRITERS  # the writers did overlap (one after the other would switch WRITERS - 1 times)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's sealer takes the one write lock before it reads (IMMEDIATE): no second sealer runs meanwhile",
)
@pytest.mark.django_db(transaction=True)
def test_a_sealer_that_finds_no_head_while_another_creates_it_waits_for_that_head():
    """The first rounds on a fresh database, two sealers at once: this one finds no head, then the other creates
    it, seals and commits before this one goes on. This one must take that head, not call it missing (which
    stopped the sealing for good: 审计链头缺失). Migration 0004 creates the head; a chain without one starts here."""
    AuditChain.objects.all().delete()
    for n in range(3):
        record("view", None, detail={"n": n})
    written = AuditLog.objects.count()  # these three, and the head's removal

    def other_sealer():
        try:
            sealed.append(seal_chain())
            for n in range(3, 5):
                record("view", None, detail={"n": n})
        finally:
            connections.close_all()

    sealed, raced = [], []

    def after_the_head_was_not_found(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not raced and "audit_auditchain" in sql and "FOR UPDATE" in sql:
            assert context["cursor"].rowcount == 0  # no head yet
            raced.append(True)
            thread = threading.Thread(target=other_sealer)
            thread.start()
            thread.join()
        return result

    with connection.execute_wrapper(after_the_head_was_not_found):
        mine = seal_chain()
    assert raced and sealed == [written] and mine == 2
    report = verify_chain()
    assert report.ok, report.problems
    chain = AuditLog.objects.order_by("seq")
    assert list(chain.values_list("seq", flat=True)) == list(range(1, written + 3))
    assert [d["n"] for d in chain.filter(action="view").values_list("detail", flat=True)] == [0, 1, 2, 3, 4]
