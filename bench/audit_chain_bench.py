"""The tamper-evident audit chain's cost on the hottest write: server CPU per Open311 filing with the chain
against the same server without it, in the same run.

Two SQLite databases set up alike (a county, a town, 16 grids, one police key: `bench.open311_bench`'s set-up),
two gunicorn servers (3 gthread workers x 1 thread each): "chain" is the application as it is; "reference" is
`bench.audit_chain_off` (audit rows written as before the chain, on a database migrated back to audit 0002).
BENCH_AUDIT_RUNS (5) rounds, each BENCH_AUDIT_FILINGS (1,000) filings on one server then the same on the other
(the order alternates, so that the machine's drift falls on both; the same count, so that the servers' idle CPU
is spread over the same work), 6 client threads. Prints the server CPU per filing of
each run, the medians and their ratio (target: at most 1.10). A filing writes three audit rows; what the chain
adds to writing them (the normal JSON form and the keyed digest) is also timed alone, in one process, on the
rows of a real filing: a figure far less noisy than the servers' ratio on a shared machine.

Then, off the request path, the sealing step and the full verification on the chain's database: CPU per audit
row (one process, as the periodic job runs them), and the verification's verdict. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import free_port, line, wait_ready
from bench.open311_bench import HOST, SETUP, THREADS, WORKER_CLASS, WORKER_THREADS, WORKERS, _cpu_seconds, _env, load

FILINGS = int(os.environ.get("BENCH_AUDIT_FILINGS", "1000"))  # a run: this many filings (at most 120 s)
RUNS = int(os.environ.get("BENCH_AUDIT_RUNS", "5"))
TARGET = 1.10
BACK_TO_BEFORE_THE_CHAIN = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", "audit", "0002", verbosity=0)
"""
DIGEST_PER_FILING = """
import json, time
import django
django.setup()
from gridgov.audit import hashing
from gridgov.audit.models import AuditLog
from gridgov.open311.models import ServiceRequest
request = ServiceRequest.objects.select_related("matter").order_by("-id").first()
rows = list(AuditLog.objects.filter(request_id__in=AuditLog.objects.filter(
    object_type="open311.servicerequest", object_id=str(request.pk)).values("request_id")))
values = [tuple(getattr(r, f) for f in hashing.CONTENT_FIELDS) for r in rows]
def digest_all():
    for v in values:
        hashing.row_hash(v[:10] + (hashing.normal_json(v[10]), hashing.normal_json(v[11]), hashing.normal_json(v[12])))
samples = []
for _ in range(7):
    c0 = time.process_time()
    for _ in range(500):
        digest_all()
    samples.append((time.process_time() - c0) / 500)
samples.sort()
print(json.dumps({"rows": len(rows), "cpu": samples[3]}))
"""
SEAL_AND_VERIFY = """
import json, time
import django
django.setup()
from gridgov.audit.actions import seal_chain
from gridgov.audit.models import AuditLog
from gridgov.audit.queries import verify_chain
c0 = time.process_time()
sealed = seal_chain()
c1 = time.process_time()
report = verify_chain()
c2 = time.process_time()
print(json.dumps({"sealed": sealed, "seal_cpu": c1 - c0, "rows": AuditLog.objects.count(), "verify_cpu": c2 - c1,
                  "ok": report.ok, "summary": report.summary()}))
"""


def _python(code: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=Path.cwd()
    ).stdout


def _server(env: dict[str, str], app: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", app, "--bind", f"{HOST}:{port}", "--workers", str(WORKERS),
            "--worker-class", WORKER_CLASS, "--threads", str(WORKER_THREADS), "--log-level", "warning",
        ],
        env=env,
    )  # fmt: skip
    wait_ready(port, server, "/open311/discovery.json")
    return server, port


def _stored(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as check:
        (requests,) = check.execute("SELECT count(*) FROM open311_servicerequest").fetchone()
        (audit,) = check.execute("SELECT count(*) FROM audit_auditlog").fetchone()
    return requests, audit


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="audit-chain-bench-") as tmp:
        variants = {}
        for name, app in (("chain", "gridgov.wsgi:application"), ("reference", "bench.audit_chain_off:application")):
            db = Path(tmp) / f"{name}.sqlite3"
            env = _env(db)
            key = _python(SETUP, env).strip().splitlines()[-1]
            if name == "reference":
                _python(BACK_TO_BEFORE_THE_CHAIN, env)
            variants[name] = {"db": db, "env": env, "key": key, "app": app, "cpu": [], "filed": 0, "errors": 0}
        servers = []
        try:
            for v in variants.values():
                v["server"], v["port"] = _server(v["env"], v["app"])
                servers.append(v["server"])
                ok, errors, _ = load(v["port"], v["key"], 2.0, 400)  # warm every worker
                v["filed"] += ok
                v["errors"] += errors
            print(
                f"Open311 POST requests with and without the audit chain, SQLite, gunicorn {WORKERS} {WORKER_CLASS}"
                f" workers x {WORKER_THREADS} threads each, {THREADS} client threads, {FILINGS:,} filings a run"
            )
            for n in range(RUNS):
                order = ["chain", "reference"] if n % 2 == 0 else ["reference", "chain"]
                for name in order:
                    v = variants[name]
                    before = _cpu_seconds(v["server"].pid)
                    ok, errors, elapsed = load(v["port"], v["key"], 120.0, FILINGS)
                    cpu_ms = (_cpu_seconds(v["server"].pid) - before) * 1000 / max(ok, 1)
                    v["cpu"].append(cpu_ms)
                    v["filed"] += ok
                    v["errors"] += errors
                    line(f"run {n + 1} {name}: {ok:,} filed in {elapsed:.1f} s, {errors} errors", f"{cpu_ms:.2f} ms")
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
        chain, reference = (statistics.median(variants[k]["cpu"]) for k in ("chain", "reference"))
        line("server CPU per filing, with the chain (median)", f"{chain:.2f} ms")
        line("server CPU per filing, reference without it (median)", f"{reference:.2f} ms")
        ratio = chain / reference
        line("with / without", f"{ratio:.3f}", f"target <= {TARGET:.2f}")
        errors = 0
        for name, v in variants.items():
            requests, audit = _stored(v["db"])
            errors += v["errors"] + abs(requests - v["filed"])
            line(f"{name}: requests answered 200 / stored / audit rows", f"{v['filed']:,} / {requests:,} / {audit:,}")
        digest = json.loads(_python(DIGEST_PER_FILING, variants["chain"]["env"]).strip().splitlines()[-1])
        line(
            f"the digests of one filing's {digest['rows']} audit rows, in one process (median of 7)",
            f"{digest['cpu'] * 1e3:.3f} ms",
            f"{digest['cpu'] * 1e3 / reference:.1%} of the reference's CPU per filing",
        )
        t0 = time.monotonic()
        sealing = json.loads(_python(SEAL_AND_VERIFY, variants["chain"]["env"]).strip().splitlines()[-1])
        rows = max(sealing["rows"], 1)
        line("sealing, off the request path: CPU per audit row", f"{sealing['seal_cpu'] * 1e6 / rows:.1f} us")
        line("full verification: CPU per audit row", f"{sealing['verify_cpu'] * 1e6 / rows:.1f} us")
        line("verification of the chain", "ok" if sealing["ok"] else "BROKEN", sealing["summary"])
        line("sealing + verification, wall", f"{time.monotonic() - t0:.1f} s", f"{sealing['sealed']:,} rows sealed")
        if not sealing["ok"]:
            errors += 1
    return {"chain_ms": chain, "reference_ms": reference, "ratio": ratio, "errors": errors}


if __name__ == "__main__":
    result = run()
    sys.exit(0 if result["errors"] == 0 else 1)
