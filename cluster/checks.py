"""The cluster checks (see cluster/__main__.py). Each returns the lines it prints, and raises on failure.

Every outcome is read back from the database (the primary, through the ORM of this process) or from the
replica's own statistics, never from what the app answered alone.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass

import psycopg

from cluster import load, pg
from cluster.http import Session
from cluster.nodes import ROOT, Cluster, node_name, wait_ready


def ensure(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def jpeg(color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, "JPEG")
    return out.getvalue()


def demo_code(username: str) -> str:
    """The code a demo login's demo authenticator shows now (`manage.py demo_totp`), as the operator reads it.
    The checks sign the same login in more than once within one 30-second step; django-otp refuses a step used
    already (a replayed code), so the step last used is forgotten first."""
    from django_otp.oath import TOTP

    from gridgov.accounts.models import SealedTOTPDevice
    from gridgov.demo.accounts import DEMO_DEVICE_NAME

    # The sealed device: its bin_key opens the secret sealed at rest (django-otp's own class would read the
    # sealed column as hex).
    device = SealedTOTPDevice.objects.get(user__username=username, name=DEMO_DEVICE_NAME, confirmed=True)
    SealedTOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@dataclass
class Context:
    cluster: Cluster
    robot: object

    def __post_init__(self) -> None:
        from gridgov.accounts.actions import issue_api_token
        from gridgov.accounts.models import User
        from gridgov.households.models import Household
        from gridgov.open311.actions import create_key
        from gridgov.places.models import Place

        self.a, self.b = self.cluster.config.app_ports
        self.grid_worker = User.objects.select_related("place").get(username="grid1")
        self.token = issue_api_token(self.grid_worker, "集群测试")
        self.town = Place.objects.get(code="520330113")
        _, self.open311_key = create_key(name="集群测试", channel="police", place=self.town)
        grid = Place.objects.filter(code__startswith=self.town.code, kind="grid").exclude(centre=None).order_by("code")
        self.point = grid.first().centre["coordinates"]  # (long, lat) inside a grid: filings are routed to it
        self.household_ids = list(Household.objects.for_user(self.grid_worker).values_list("id", flat=True)[:200])
        ensure(len(self.household_ids) >= 10, "the grid worker has no households in scope")

    # ------------------------------------------------------------ 1. write on A, read on B

    def write_a_read_b(self) -> list[str]:
        from gridgov.open311.models import ServiceRequest

        out = []
        key = f"a-to-b-{uuid.uuid4().hex}"
        filed = Session().post_form(
            self.a,
            "/open311/v2/requests.json",
            {
                "api_key": self.open311_key,
                "service_code": "environment.rubbish",
                "long": self.point[0],
                "lat": self.point[1],
                "description": "A节点提交，B节点读取",
            },
            headers={"Idempotency-Key": key},
        )
        ensure(filed.status == 200, f"Open311 POST on A: {filed.status} {filed.text[:300]}")
        reference = filed.json()[0]["service_request_id"]
        read = Session().get(self.b, f"/open311/v2/requests/{reference}.json")
        ensure(read.status == 200, f"Open311 GET on B right after: {read.status} {read.text[:200]}")
        ensure(read.json()[0]["service_request_id"] == reference, "B answered another request")
        ensure(
            ServiceRequest.objects.filter(idempotency_key=key).count() == 1, "the filing is not in the database once"
        )
        out.append(f"Open311 request {reference} filed on A ({self.a}), read on B ({self.b}) at once: 200")

        browser = self.signed_in(self.a, "town")
        page = browser.get(self.b, "/households/")
        ensure(page.status == 200, f"a session signed in on A is not known on B: {page.status}")  # else 302 to login
        out.append("a session signed in on A opens /households/ on B (sessions in the shared database)")

        token = Session().request(
            self.a,
            "POST",
            "/api/v1/field/sync",
            body=json.dumps({"records": [self._visit(str(uuid.uuid4()))]}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        ensure(token.status == 200, f"field sync on A: {token.status} {token.text[:300]}")
        visit_id = token.json()["results"][0]["id"]
        worker = Session()
        worker.login(self.b, "grid1")
        detail = worker.get(self.b, f"/visits/{visit_id}/")
        ensure(detail.status == 200, f"the visit synced on A is not shown on B: {detail.status}")
        out.append(f"visit {visit_id} synced through A is shown by B")
        return out

    def signed_in(self, port: int, username: str) -> Session:
        """A browser signed in as a demo login, with the demo authenticator's code where the login needs one."""
        browser = Session()
        browser.login(port, username, code=lambda: demo_code(username))
        return browser

    def _visit(self, uid: str, household: int | None = None) -> dict:
        return {
            "kind": "visit",
            "client_uuid": uid,
            "household_id": household or self.household_ids[0],
            "visited_at": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat(),
            "mode": "door",
            "findings": "集群测试：入户走访。",
        }

    # ------------------------------------------------------------ 2. reads on the replica

    def county_session(self, port: int) -> Session:
        browser = Session()
        browser.login(port, "county")
        browser.cookies.pop("gridgov_primary_until", None)  # the sign-in's read-your-writes window: not now
        return browser

    def reads_on_replica(self) -> list[str]:
        primary, replica = self.cluster.primary, self.cluster.replica
        # households: the lists and coverage pages; the rollups: the cockpit (the task workers keep them current,
        # so the cockpit reads them; their refresh reads and writes them on the primary once a round); visits: the
        # visits ledger (走访信息台账).
        tables = ("households_household", "stats_matterkpi", "visits_visit")
        browser = self.county_session(self.a)
        time.sleep(12)  # let every backend flush its counters (idle backends flush within 10 s)
        before = {t: (pg.table_reads(replica, t), pg.table_reads(primary, t)) for t in tables}
        pages = 20
        for i in range(pages):
            node = (self.a, self.b)[i % 2]
            answer = browser.get(node, f"/households/?page={i % 5 + 1}")
            ensure(answer.status == 200, f"household list: {answer.status}")
            figures = browser.get(node, "/coverage/")
            ensure(figures.status == 200, f"coverage figures: {figures.status}")
            cockpit = browser.get(node, "/stats/")
            ensure(cockpit.status == 200 and 'id="cockpit"' in cockpit.text, f"cockpit: {cockpit.status}")
            ledger = browser.get(node, "/ledgers/visit/")
            ensure(ledger.status == 200 and 'id="ledger-total"' in ledger.text, f"visits ledger: {ledger.status}")

        def counted() -> dict[str, tuple[int, int]]:
            return {
                t: (pg.table_reads(replica, t) - before[t][0], pg.table_reads(primary, t) - before[t][1])
                for t in tables
            }

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and min(r for r, _ in counted().values()) < pages:
            time.sleep(1)
        time.sleep(11)
        found = counted()
        out = [
            f"{pages} household lists, {pages} coverage pages, {pages} cockpits and {pages} visits ledgers"
            " through A and B as county staff:"
        ]
        for table, (on_replica, on_primary) in found.items():
            ensure(on_replica >= pages, f"the replica counted {on_replica} scans of {table} for {pages} pages")
            if table == "households_household":  # the rollups' refresh scans its tables on the primary each round
                ensure(on_primary < pages, f"the primary counted {on_primary} scans of {table}: reads did not leave it")
            out.append(f"scans of {table} counted by the replica: +{on_replica}; by the primary: +{on_primary}")
        return out

    # ------------------------------------------------------------ 3. the replica stops

    def replica_stops(self) -> list[str]:
        browser = self.county_session(self.a)
        statuses: Counter = Counter()
        replica = self.cluster.replica
        for i in range(150):
            if i == 50:
                replica.stop("fast")
                stopped_at = i
            port = (self.a, self.b)[i % 2]
            path = "/households/" if i % 3 else "/open311/v2/requests.json"
            try:
                statuses[browser.get(port, path).status] += 1
            except OSError as exc:
                statuses[type(exc).__name__] += 1
        ensure(set(statuses) == {200}, f"answers while the replica stopped: {dict(statuses)}")
        ready = json.loads(Session().get(self.a, "/readyz").body)
        ensure(ready["status"] == "ready" and ready["replicas"]["replica1"]["usable"] is False, f"readyz: {ready}")
        out = [
            f"150 reads through A and B, the replica stopped after {stopped_at}: {dict(statuses)}",
            f"/readyz while it is down: ready, replica1 {ready['replicas']['replica1']['reason']}",
        ]
        replica.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = json.loads(Session().get(self.a, "/readyz").body)
            if ready["replicas"]["replica1"]["usable"]:
                break
            time.sleep(0.5)
        ensure(ready["replicas"]["replica1"]["usable"], f"the replica is not used again: {ready}")
        out.append(f"started again: usable once more (lag {ready['replicas']['replica1']['lag_seconds']} s)")
        return out

    # ------------------------------------------------------------ 4. jobs exactly once

    def jobs_once(self) -> list[str]:
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        from gridgov.matters.models import Matter, Supervision
        from gridgov.notifications.models import OutboundMessage, PeriodicRound

        now = timezone.now()
        hour = dt.timedelta(hours=1)
        marker = uuid.uuid4().hex[:8]
        late = list(Matter.objects.filter(is_open=True, card="", holder_department__isnull=True).order_by("id")[:15])
        ensure(len(late) == 15, "too few open matters in the demo")
        start_round = PeriodicRound.objects.count()
        Matter.objects.filter(pk__in=[m.pk for m in late]).update(
            arrived_at=now - 170 * hour, deadline_at=now - 2 * hour, red_card_at=now + hour
        )
        OutboundMessage.objects.bulk_create(
            OutboundMessage(dedupe_key=f"cluster:{marker}:{i}", next_attempt_at=now - hour, attempts=1,
                            payload={"msgtype": "text", "text": {"content": f"集群测试消息 {marker} {i}"}})
            for i in range(30)
        )  # fmt: skip
        waiting = OutboundMessage.objects.exclude(status="sent")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and (
            waiting.exists() or Supervision.objects.filter(matter__in=late).count() < len(late)
        ):
            time.sleep(0.5)
        time.sleep(4)  # two more rounds: nothing may be done twice later either
        ensure(not waiting.exists(), f"{waiting.count()} messages still waiting")
        cards = Counter(Supervision.objects.filter(matter__in=late).values_list("matter_id", "color"))
        ensure(cards == {(m.pk, "yellow"): 1 for m in late}, f"cards: {cards}")
        bodies = [json.dumps(b, ensure_ascii=False, sort_keys=True) for b in self.robot.bodies]
        mine = Counter(b for b in bodies if marker in b)
        ensure(len(mine) == 30 and set(mine.values()) == {1}, f"deliveries of the 30 messages: {sorted(mine.values())}")
        twice = [b for b, n in Counter(bodies).items() if n > 1]
        ensure(not twice, f"{len(twice)} messages were delivered more than once")
        sent = OutboundMessage.objects.filter(status="sent").count()
        ensure(len(bodies) == sent, f"the receiver got {len(bodies)} POSTs for {sent} sent messages")
        for _ in range(20):  # a round claimed a moment ago may not be enqueued yet
            rounds = list(PeriodicRound.objects.values_list("task_path", "worker"))
            per_task = Counter(path for path, _ in rounds)
            results = Counter(DBTaskResult.objects.values_list("task_path", flat=True))
            if results == per_task:
                break
            time.sleep(0.1)
        ensure(results == per_task, f"task results {dict(results)} != claimed rounds {dict(per_task)}")
        runners = Counter(len(r) for r in DBTaskResult.objects.values_list("worker_ids", flat=True))
        ensure(set(runners) == {1}, f"tasks run by several workers: {runners}")
        workers = Counter(worker.rsplit("-", 1)[-1] for _, worker in rounds)
        return [
            "15 overdue matters -> 15 yellow cards, one each; 30 queued messages -> 30 POSTs, one each",
            f"the receiver got {len(bodies)} POSTs in all, none twice, = {sent} messages marked sent",
            f"{len(rounds)} rounds claimed ({len(rounds) - start_round} during this check), each by one worker "
            f"(by process: {dict(workers)}); {sum(results.values())} tasks, each run by one worker",
        ]

    # ------------------------------------------------------------ 5. a photo through A, served by B

    def photo_a_to_b(self) -> list[str]:
        from gridgov.matters.models import Attachment, Matter

        matter = (
            Matter.objects.filter(is_open=True, holder_place=self.town, holder_department__isnull=True)
            .order_by("id")
            .first()
        )
        ensure(matter is not None, "no open matter held by the town")
        browser = self.signed_in(self.a, "town")
        token = browser.csrf(self.a, f"/matters/{matter.pk}/")
        photo = jpeg((200, 40, 40))
        before = set(Attachment.objects.filter(matter=matter).values_list("id", flat=True))
        sent = browser.post_multipart(
            self.a,
            f"/matters/{matter.pk}/act/add_attachment/",
            {"csrfmiddlewaretoken": token, "add_attachment-caption": "集群测试照片"},
            {"add_attachment-file": ("现场.jpg", "image/jpeg", photo)},
        )
        ensure(sent.status == 302, f"upload on A: {sent.status} {sent.text[:300]}")
        (new,) = Attachment.objects.filter(matter=matter).exclude(id__in=before)
        served = browser.get(self.b, f"/matters/attachments/{new.pk}/")
        ensure(served.status == 200 and served.body == photo, f"B served {served.status}, {len(served.body)} bytes")
        return [f"photo of {len(photo)} bytes uploaded on A to matter {matter.pk}, served byte for byte by B"]

    # ------------------------------------------------------------ 6. kill -9 mid-write

    def wait_for_write(self, table: str, application: str, timeout: float = 60.0) -> bool:
        """True once a transaction of ``application`` (the process's PGAPPNAME) writing ``table`` (a name or its
        prefix) is open on the primary (it holds an xid): that process, not a worker's refresh reading the same
        tables, and not before it writes."""
        deadline = time.monotonic() + timeout
        sql = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'gridgov' AND backend_xid IS NOT NULL "
            "AND application_name = %s AND (query ILIKE %s OR query ILIKE %s OR query ILIKE %s)"
        )
        # the ORM's inserts and updates, the importer's COPY
        patterns = (f'INSERT INTO "{table}%', f'UPDATE "{table}%', f'COPY "{table}%')
        with psycopg.connect(self.cluster.primary.conninfo("gridgov"), autocommit=True) as conn:  # one, polled
            while time.monotonic() < deadline:
                if conn.execute(sql, (application, *patterns)).fetchone()[0]:
                    return True
                time.sleep(0.002)
        return False

    def kill_sync(self) -> list[str]:
        from gridgov.field.models import SyncReceipt
        from gridgov.visits.models import Visit

        uids = [str(uuid.uuid4()) for _ in range(500)]
        records = [self._visit(uid, self.household_ids[i % len(self.household_ids)]) for i, uid in enumerate(uids)]
        body = json.dumps({"records": records}).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        answer: dict = {}

        def upload() -> None:
            try:
                answer["status"] = Session().request(self.a, "POST", "/api/v1/field/sync", body, headers, 120).status
            except OSError as exc:
                answer["error"] = type(exc).__name__

        thread = threading.Thread(target=upload)
        thread.start()
        caught = self.wait_for_write("visits_", node_name(0))
        self.cluster.nodes[0].kill(signal.SIGKILL)
        thread.join(60)
        ensure(caught, "the sync's write was not seen")
        time.sleep(0.5)
        visits = Visit.objects.filter(client_uuid__in=uids).count()
        receipts = SyncReceipt.objects.filter(client_uuid__in=uids).count()
        ensure(visits == receipts == 0, f"after kill -9: {visits} visits, {receipts} receipts of the 500")
        out = [f"500-record sync killed mid-write on A (client saw {answer}): 0 visits, 0 receipts written"]
        retry = Session().request(self.b, "POST", "/api/v1/field/sync", body, headers, 120)
        ensure(retry.status == 200, f"retry on B: {retry.status}")
        again = Session().request(self.b, "POST", "/api/v1/field/sync", body, headers, 120).json()
        visits = Counter(Visit.objects.filter(client_uuid__in=uids).values_list("client_uuid", flat=True))
        ensure(len(visits) == 500 and set(visits.values()) == {1}, f"after the retry: {len(visits)} visits")
        ensure(again["existing"] == 500, f"a second retry: {again['created']} created, {again['existing']} existing")
        self.cluster.restart_node(0)
        out.append(f"retry on B: {retry.json()['created']} created; once more: 500 existing; 500 visits, one each")
        out.append("node A restarted")
        return out

    def kill_import(self) -> list[str]:
        from gridgov.households.models import Household, Resident
        from gridgov.places.models import Place
        from gridgov.registers.choices import ImportStatus
        from gridgov.registers.models import RegisterImport
        from gridgov.registers.tests import workbooks

        grid = Place.objects.filter(code__startswith="520330113", kind="grid").order_by("code").first()
        cluster = Place.objects.filter(parent=grid, kind="cluster").order_by("code").first()
        households = 5000
        rows = workbooks.register_rows(households * 4, per_household=4, prefix="KILL-", grid=grid.code,
                                       cluster=cluster.code)  # fmt: skip
        for i, row in enumerate(rows):  # ID numbers of another county than the demo's: none taken yet
            row["身份证号"] = workbooks.id_number(i, region="520402")
            row["联系电话"] = f"137{i:08d}"
        path = self.cluster.config.base / "kill-register.xlsx"
        path.write_bytes(workbooks.workbook(rows))
        env = {**self.cluster.common_env(), "GRIDGOV_VAR_DIR": str(self.cluster.config.base / "var-import"),
               "PGAPPNAME": "import_register"}  # fmt: skip
        command = [sys.executable, "manage.py", "import_register", str(path), "--user", "town", "--no-progress"]
        log = self.cluster.logs / "import.log"
        ours = Household.objects.filter(number__startswith="KILL-")

        first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                                 start_new_session=True)  # fmt: skip
        caught = self.wait_for_write("households_", "import_register", timeout=120)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
        ensure(caught, "the import's write was not seen")
        time.sleep(0.5)
        left = ours.count(), Resident.objects.filter(household__number__startswith="KILL-").count()
        ensure(left == (0, 0), f"after kill -9: {left[0]} households, {left[1]} residents of the file")
        stale = RegisterImport.objects.order_by("-id").first()
        ensure(stale is not None and stale.status == ImportStatus.WRITING,
               f"the killed import's record: {stale and stale.status} (killed before it wrote?)")  # fmt: skip
        out = [
            f"import of {households} households / {households * 4} residents killed mid-write: 0 households,"
            f" 0 residents written (its import record stays '{stale.status}')"
        ]
        again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        ensure(again.returncode == 0, f"the retry failed: {again.stdout[-500:]} {again.stderr[-1000:]}")
        counts = ours.count(), Resident.objects.filter(household__number__startswith="KILL-").count()
        ensure(counts == (households, households * 4), f"after the retry: {counts}")
        out.append(
            f"the retry: {again.stdout.strip().splitlines()[0]} -> {counts[0]} households, {counts[1]} residents"
        )
        return out

    # ------------------------------------------------------------ 7. load

    def traffic(self, tag: str) -> load.Traffic:
        county = self.county_session(self.a)
        cookie = "; ".join(f"{k}={v}" for k, v in county.cookies.items())
        return load.Traffic(list(self.cluster.config.app_ports), cookie, self.token, self.open311_key,
                            self.household_ids, self.point, tag)  # fmt: skip

    def verify_writes(self, report: load.Report, tag: str) -> list[str]:
        from gridgov.open311.models import ServiceRequest
        from gridgov.visits.models import Visit

        filed = Counter(
            ServiceRequest.objects.filter(idempotency_key__startswith=f"{tag}-").values_list(
                "idempotency_key", flat=True
            )
        )
        missing = [k for k in report.acked_open311 if filed[k] != 1]
        ensure(not missing, f"{len(missing)} acknowledged Open311 filings not in the database exactly once")
        ensure(set(filed.values()) <= {1}, "an Open311 filing is in the database twice")
        visits = Counter(
            str(u)
            for u in Visit.objects.filter(client_uuid__in=report.sent_visits).values_list("client_uuid", flat=True)
        )
        missing = [u for u in report.acked_visits if visits[u] != 1]
        ensure(not missing, f"{len(missing)} acknowledged visits not in the database exactly once")
        ensure(set(visits.values()) <= {1}, "a visit is in the database twice")
        return [
            f"acknowledged Open311 filings in the database exactly once: {len(report.acked_open311)} of "
            f"{len(report.acked_open311)} ({sum(filed.values())} rows with this run's keys)",
            f"acknowledged visits in the database exactly once: {len(report.acked_visits)} of "
            f"{len(report.acked_visits)} ({sum(visits.values())} rows with this run's ids)",
        ]

    def load_steady(self) -> list[str]:
        c = self.cluster.config
        tag = f"steady{uuid.uuid4().hex[:6]}"
        report = load.run(self.traffic(tag), c.load_seconds, c.load_clients,
                          lag=lambda: pg.replay_lag_ms(self.cluster.primary))  # fmt: skip
        out = [f"{c.load_clients} clients, 2 nodes x {c.app_workers} workers (shared 2-core machine)", *report.lines()]
        out += [f"  sample error: {e}" for e in report.error_samples[:5]]
        print("\n".join(f"   {line}" for line in out), flush=True)
        out = []
        ensure(sum(report.errors.values()) == 0, "errors under load")
        return out + self.verify_writes(report, tag)

    def load_with_kill(self, sig: int = signal.SIGKILL) -> list[str]:
        c = self.cluster.config
        tag = f"killed{uuid.uuid4().hex[:6]}"
        killed = {}

        def kill_a() -> None:
            killed["at"] = time.monotonic()
            self.cluster.nodes[0].kill(sig)

        traffic = self.traffic(tag)
        started = time.monotonic()
        report = load.run(traffic, c.load_seconds, c.load_clients, retry=True, at=(20.0, kill_a),
                          lag=lambda: pg.replay_lag_ms(self.cluster.primary))  # fmt: skip
        out = [
            f"node A killed with signal {sig} (master and workers) at second {killed['at'] - started:.1f}; "
            "clients retry on B",
            *report.lines(),
        ]
        out += [f"  sample error: {e}" for e in report.error_samples[:5]]
        print("\n".join(f"   {line}" for line in out), flush=True)
        out = []
        ensure(sum(report.errors.values()) == 0, "errors seen by clients after retrying")
        out += self.verify_writes(report, tag)
        self.cluster.restart_node(0)
        wait_ready(self.a)
        return out
