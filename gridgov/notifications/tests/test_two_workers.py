"""Two `run_periodic` workers at once against the same PostgreSQL database: every job's effect happens
exactly once (one card per overdue matter, one reopening per recurrence, one robot POST per message),
every enqueued task is run by one worker, and in the scheduled mode each round is enqueued once."""

import datetime as dt
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gridgov.matters.choices import MatterAction, MatterState, Recurrence
from gridgov.matters.models import Matter, MatterEvent, Supervision
from gridgov.matters.tests.helpers import record
from gridgov.notifications.models import Notice, OutboundMessage, PeriodicRound

ROOT = Path(__file__).resolve().parents[3]
H = dt.timedelta(hours=1)
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="two worker processes need a database server both reach (run with DATABASE_URL=postgres://...)",
    ),
]


def worker_env(robot_url: str) -> dict:
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "gridgov.settings_test",
        "GRIDGOV_WECOM_WEBHOOK_URL": robot_url,
        "GRIDGOV_WECOM_PER_MINUTE": "1000",
    }


# Each worker sets Django up, then waits for a common start time, so that both run the same jobs at once.
# ``jobs``: each calls every periodic job's function itself, as two overlapping rounds would.
AT_THE_SAME_TIME = """
import sys, time, django
django.setup()
from django.core.management import call_command
from gridgov.notifications.management.commands.run_periodic import PERIODIC
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
if sys.argv[2:] == ["jobs"]:
    for job in PERIODIC:
        print(job.name, job.call())
else:
    call_command("run_periodic", *sys.argv[2:])
"""


def start_workers(env: dict, *args: str) -> list[subprocess.Popen]:
    command = [sys.executable, "-c", AT_THE_SAME_TIME, str(time.time() + 6), *args]
    return [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]


@pytest.fixture
def backlog(engine, robot):
    """What two workers find waiting: 30 overdue matters, 20 environment problems due to come back,
    20 messages in the outbox (the robot was down when they were written)."""
    now = timezone.now()
    late = [record(engine.grid_worker_a, color="blue", title=f"超期纠纷{i}") for i in range(30)]
    Matter.objects.filter(pk__in=[m.pk for m in late]).update(
        arrived_at=now - 170 * H, deadline_at=now - 2 * H, red_card_at=now + H
    )
    back = [
        record(engine.grid_worker_a, code="environment.rubbish", color="blue", title=f"积存垃圾{i}") for i in range(6)
    ]
    Matter.objects.filter(pk__in=[m.pk for m in back]).update(
        state=MatterState.RESOLVED,
        is_open=False,
        recurrence=Recurrence.RECURRING,
        next_recurrence=timezone.localdate() - dt.timedelta(days=1),
    )
    OutboundMessage.objects.bulk_create(
        OutboundMessage(dedupe_key=f"backlog:{i}", payload={"msgtype": "text", "text": {"content": f"待发{i}"}},
                        attempts=1, next_attempt_at=now - H)
        for i in range(20)
    )  # fmt: skip
    Notice.objects.all().delete()
    return late, back


@pytest.mark.parametrize("how", ["--once", "jobs"])
def test_two_workers_at_once_do_every_job_exactly_once(backlog, robot, how):
    late, back = backlog
    workers = start_workers(worker_env(robot.url), how)
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err[-2000:] for _, err in outputs]

    cards = Counter(Supervision.objects.values_list("matter_id", "color"))
    assert cards == {(m.pk, "yellow"): 1 for m in late}
    reopened = Counter(MatterEvent.objects.filter(action=MatterAction.REOPEN).values_list("matter_id", flat=True))
    assert reopened == {m.pk: 1 for m in back}
    assert set(Matter.objects.filter(pk__in=[m.pk for m in back]).values_list("state", flat=True)) != {"resolved"}
    # One notice per card and recipient, one robot POST per outbox row (20 waiting + 30 cards), none twice.
    notices = Counter(Notice.objects.filter(kind="supervision").values_list("matter_id", "recipient_id"))
    assert notices and set(notices.values()) == {1}
    sent = OutboundMessage.objects.filter(status="sent")
    assert sent.count() == OutboundMessage.objects.count() == 50
    posted = Counter(str(body) for body in robot.bodies)
    assert len(robot.bodies) == 50 and set(posted.values()) == {1}
    # Every task row ran in one worker, to success.
    if how == "--once":
        assert {(len(r.worker_ids), r.status) for r in DBTaskResult.objects.all()} == {(1, "SUCCESSFUL")}


def test_scheduled_rounds_are_enqueued_once_however_many_workers_share_the_schedule(backlog, robot):
    env = worker_env(robot.url)
    workers = start_workers(env, "--interval", "2")
    time.sleep(14)
    for w in workers:
        w.terminate()
    for w in workers:
        w.communicate(timeout=30)
    rounds = list(PeriodicRound.objects.values_list("task_path", "slot", "worker"))
    slots = {slot for _, slot, _ in rounds}
    assert len(slots) >= 2
    per_task = Counter(path for path, _, _ in rounds)
    assert len(per_task) == 5 and set(per_task.values()) == {len(slots)}  # every job, once per round
    assert len({worker for _, _, worker in rounds}) <= 2
    results = Counter(DBTaskResult.objects.values_list("task_path", flat=True))
    assert results == per_task  # a task per claimed round, no more
    assert {len(r.worker_ids) for r in DBTaskResult.objects.all()} == {1}
    assert Counter(Supervision.objects.values_list("matter_id", flat=True)) == {m.pk: 1 for m in backlog[0]}
    assert len(robot.bodies) == OutboundMessage.objects.filter(status="sent").count() == 50
