"""The bounded load test: closed-loop asyncio clients on loopback for a fixed time, mixed traffic
(list and figure reads, Open311 POSTs, field sync uploads), every write carrying its own id so that the
acknowledged ones can be counted against the rows afterwards.

With ``retry`` a client that gets no answer (a node killed) or a 5xx tries the other node with the same
request (the same Idempotency-Key, the same client_uuid) and leaves the dead node alone for a while,
as a load balancer's passive health check would. Without it every failed attempt is an error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from cluster.http import fetch

MIX = (("list", 40), ("cockpit", 20), ("open311", 20), ("sync", 20))
SYNC_RECORDS = 5


@dataclass
class Traffic:
    ports: list[int]
    county_cookie: str  # a county staff session (list and figure pages)
    token: str  # a grid worker's API token (field sync)
    open311_key: str
    household_ids: list[int]  # in the grid worker's scope
    point: tuple[float, float]  # (long, lat) inside a grid of the key's area
    tag: str = "load"


@dataclass
class Report:
    seconds: float = 0.0
    done: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    retried: int = 0
    latency: dict = field(default_factory=lambda: defaultdict(list))
    acked_open311: list[str] = field(default_factory=list)
    sent_open311: list[str] = field(default_factory=list)
    acked_visits: list[str] = field(default_factory=list)
    sent_visits: list[str] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.done.values())

    def lines(self) -> list[str]:
        out = [
            f"{self.total} requests in {self.seconds:.1f} s = {self.total / self.seconds:.1f} req/s; "
            f"errors {sum(self.errors.values())}; retried on the other node {self.retried}"
        ]
        for kind, _ in MIX:
            samples = sorted(self.latency[kind])
            if samples:
                p95 = samples[int(len(samples) * 0.95) - 1] if len(samples) >= 20 else samples[-1]
                out.append(
                    f"  {kind:<8} {self.done[kind]:>6} ok, {self.errors[kind]:>3} errors, "
                    f"median {statistics.median(samples):6.1f} ms, p95 {p95:6.1f} ms"
                )
        if self.lag_ms:
            lags = sorted(self.lag_ms)
            out.append(
                f"  replica replay lag (pg_stat_replication, {len(lags)} samples): "
                f"median {statistics.median(lags):.1f} ms, max {lags[-1]:.1f} ms"
            )
        out.append(
            f"  writes acknowledged: Open311 {len(self.acked_open311)} of {len(self.sent_open311)} sent, "
            f"field-sync visits {len(self.acked_visits)} of {len(self.sent_visits)} sent"
        )
        return out


class Client:
    def __init__(self, number: int, traffic: Traffic, report: Report, deadline: float, retry: bool, down: dict):
        self.number, self.t, self.r, self.deadline, self.retry, self.down = (
            number,
            traffic,
            report,
            deadline,
            retry,
            down,
        )
        self.rng = random.Random(number)

    def node_order(self) -> list[int]:
        ports = self.t.ports[self.number % 2 :] + self.t.ports[: self.number % 2]
        now = time.monotonic()
        return sorted(ports, key=lambda p: self.down.get(p, 0) > now)  # nodes seen dead lately go last

    async def send(self, kind: str, method: str, path: str, body: bytes = b"", headers=None) -> bytes | None:
        tries = self.node_order() if self.retry else self.node_order()[:1]
        for attempt, port in enumerate(tries):
            started = time.perf_counter()
            try:
                status, content = await fetch(port, method, path, body, headers, timeout=30)
            except (TimeoutError, OSError, ValueError, IndexError) as exc:
                failure = f"{kind} on {port}: {type(exc).__name__}"
            else:
                if status < 500:
                    self.r.latency[kind].append((time.perf_counter() - started) * 1000)
                    if status >= 400:
                        self.r.errors[kind] += 1
                        self._sample(f"{kind} on {port}: HTTP {status} {content[:200]!r}")
                        return None
                    self.r.done[kind] += 1
                    return content
                failure = f"{kind} on {port}: HTTP {status}"
            self.down[port] = time.monotonic() + 5
            if attempt + 1 < len(tries):
                self.r.retried += 1
                await asyncio.sleep(0.1)
                continue
            self.r.errors[kind] += 1
            self._sample(failure)
            return None
        return None

    def _sample(self, text: str) -> None:
        if len(self.r.error_samples) < 20:
            self.r.error_samples.append(text)

    async def run(self) -> None:
        kinds = [k for k, w in MIX for _ in range(w)]
        while time.monotonic() < self.deadline:
            await getattr(self, "do_" + self.rng.choice(kinds))()

    async def do_list(self) -> None:
        page = self.rng.randint(1, 20)
        await self.send("list", "GET", f"/households/?page={page}", headers={"Cookie": self.t.county_cookie})

    async def do_cockpit(self) -> None:
        await self.send("cockpit", "GET", "/stats/", headers={"Cookie": self.t.county_cookie})

    async def do_open311(self) -> None:
        key = f"{self.t.tag}-{uuid.uuid4().hex}"
        self.r.sent_open311.append(key)
        body = urlencode(
            {
                "api_key": self.t.open311_key,
                "service_code": "environment.rubbish",
                "long": self.t.point[0],
                "lat": self.t.point[1],
                "description": f"负载测试：村道旁积存垃圾 {key[-8:]}",
            }
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": key}
        if await self.send("open311", "POST", "/open311/v2/requests.json", body, headers) is not None:
            self.r.acked_open311.append(key)

    async def do_sync(self) -> None:
        now = dt.datetime.now(dt.UTC)
        records = []
        for _ in range(SYNC_RECORDS):
            uid = str(uuid.uuid4())
            self.r.sent_visits.append(uid)
            records.append(
                {
                    "kind": "visit",
                    "client_uuid": uid,
                    "household_id": self.rng.choice(self.t.household_ids),
                    "visited_at": (now - dt.timedelta(minutes=self.rng.randint(1, 600))).isoformat(),
                    "mode": "door",
                    "findings": "负载测试：入户走访，家中一切正常。",
                }
            )
        body = json.dumps({"records": records}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.t.token}"}
        content = await self.send("sync", "POST", "/api/v1/field/sync", body, headers)
        if content is None:
            return
        for result in json.loads(content)["results"]:
            if result["status"] in ("created", "existing"):
                self.r.acked_visits.append(result["client_uuid"])
            else:
                self.r.errors["sync-record"] += 1
                self._sample(f"sync record {result['status']}: {result.get('detail')}")


def run(
    traffic: Traffic,
    seconds: float,
    clients: int,
    *,
    retry: bool = False,
    at: tuple[float, Callable[[], None]] | None = None,
    lag: Callable[[], float | None] | None = None,
) -> Report:
    """Run ``clients`` closed-loop clients for ``seconds``; ``at=(t, fn)`` calls fn at second t (in a thread)."""
    report = Report()
    stop = threading.Event()

    def sample_lag() -> None:
        while not stop.wait(0.5):
            try:
                value = lag()
            except Exception:  # the primary is busy or restarting: no sample
                continue
            if value is not None:
                report.lag_ms.append(value)

    sampler = threading.Thread(target=sample_lag, daemon=True) if lag else None
    if sampler:
        sampler.start()
    timer = threading.Timer(at[0], at[1]) if at else None
    if timer:
        timer.start()
    started = time.monotonic()
    down: dict[int, float] = {}

    async def main() -> None:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(Client(i, traffic, report, deadline, retry, down).run() for i in range(clients)))

    asyncio.run(main())
    report.seconds = time.monotonic() - started
    stop.set()
    if timer:
        timer.join()
    return report
