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

from gridgov.accounts.choices import Role
from gridgov.core.periodic import periodic_tasks
from gridgov.keypersons.models import KeyPerson, KeyPersonAlert
from gridgov.matters.choices import MatterAction, MatterState, Recurrence
from gridgov.matters.models import Matter, MatterEvent, Supervision
from gridgov.matters.tests.helpers import record
from gridgov.notifications.models import Notice, OutboundMessage, PeriodicRound
from gridgov.testing import make_user

ROOT = Path(__file__).resolve().parents[3]
H = dt.timedelta(hours=1)
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="two worker processes need a database server both reach (run with DATABASE_URL=postgres://...)",
    ),
]


def worker_env(robot) -> dict:
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "gridgov.settings_test",
        "GRIDGOV_WECOM_WEBHOOK_URL": robot.url,
        "GRIDGOV_WECOM_PER_MINUTE": "1000",
        "GRIDGOV_CHAT_WEBHOOK_ORIGINS": f"http://127.0.0.1:{robot.port}",
    }


# Each worker sets Django up, then waits for a common start time, so that both run the same jobs at once.
# ``jobs``: each calls every periodic job's function itself, as two overlapping rounds would.
AT_THE_SAME_TIME = """
import sys, time, django
django.setup()
from django.core.management import call_command
from gridgov.core.periodic import periodic_tasks
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
if sys.argv[2:] == ["jobs"]:
    for job in periodic_tasks():
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
def key_persons(world):
    """Two red key persons last followed up 9 days ago (due every 7): two overdue alerts to raise, three
    notices (the responsible grid leader of the first, the town's officer of both)."""
    from gridgov.keypersons import actions as keyperson_actions
    from gridgov.keypersons.models import KeyPersonCategory

    officer = make_user("kp_officer", Role.CENTER_STAFF, world.town, may_view_key_population=True)
    leader = make_user("kp_leader_a", Role.GRID_LEADER, world.grid_a, may_view_key_population=True)
    category = KeyPersonCategory.objects.get(code="drug_user")
    for resident, responsible in ((world.resident_a, leader), (world.resident_b, None)):
        person = keyperson_actions.enlist(
            officer,
            keyperson_actions.EnlistInput(
                resident=resident,
                category=category,
                color="red",
                responsible=responsible,
                control_measures="每周见面一次",
                enlisted_on=timezone.localdate() - dt.timedelta(days=30),
            ),
        )
        when = timezone.make_aware(dt.datetime.combine(timezone.localdate() - dt.timedelta(days=9), dt.time(9)))
        keyperson_actions.record_follow_up(
            officer, person, keyperson_actions.FollowUpInput(followed_up_at=when, whereabouts="at_home")
        )
    return officer, leader


@pytest.fixture
def chat_backlog(world, robot, settings):
    """Five chat notices to three groups with robots, written while the robots were down: 15 deliveries due."""
    from gridgov.chatnotices import actions as chat_actions
    from gridgov.chatnotices.models import ChatDelivery
    from gridgov.personnel import actions as personnel_actions

    settings.GRIDGOV_CHAT_WEBHOOK_ORIGINS = (f"http://127.0.0.1:{robot.port}",)
    for n, grid in enumerate((world.grid_a, world.grid_b, world.grid_c)):
        group = personnel_actions.register_chat_group(world.town_staff, grid=grid, name=f"好邻居群{n}", member_count=50)
        chat_actions.set_group_webhook(world.town_staff, group, f"{robot.url.split('?')[0]}?key=group-{n}")
    robot.stop()
    for n in range(5):
        chat_actions.send_notice(
            world.town_staff, chat_actions.NoticeInput(title=f"防汛通知{n}", body="注意防范山洪。")
        )
    robot.start()
    due = ChatDelivery.objects.filter(method="robot")
    due.update(next_attempt_at=timezone.now() - H)
    assert due.count() == 15 and not due.filter(status="sent").exists()
    return due


@pytest.fixture
def backlog(engine, robot, key_persons, chat_backlog):
    """What two workers find waiting: 30 overdue matters, 20 environment problems due to come back,
    20 messages in the outbox (the robot was down when they were written), 15 chat-notice deliveries,
    two key persons overdue for a follow-up."""
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
def test_two_workers_at_once_do_every_job_exactly_once(backlog, chat_backlog, robot, how):
    late, back = backlog
    workers = start_workers(worker_env(robot), how)
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
    # 15 chat-notice deliveries, each POSTed once to its group's robot.
    chat = Counter(
        (path.split("key=")[1], body["markdown"]["content"].split("\n")[0])
        for path, body in zip(robot.paths, robot.bodies, strict=True)
        if "key=group-" in path
    )
    assert len(chat) == 15 and set(chat.values()) == {1}
    assert set(chat_backlog.values_list("status", "attempts")) == {("sent", 2)}
    posted = Counter((path, str(body)) for path, body in zip(robot.paths, robot.bodies, strict=True))
    assert len(robot.bodies) == 65 and set(posted.values()) == {1}  # nothing POSTed twice to the same robot
    # Two alerts, one each; three notices, one per (alert, recipient).
    assert Counter(KeyPersonAlert.objects.values_list("key_person_id", "kind")) == {
        (person, "overdue"): 1 for person in KeyPerson.objects.values_list("id", flat=True)
    }
    alert_notices = Counter(Notice.objects.filter(kind="key_person_alert").values_list("recipient_id", "source"))
    assert len(alert_notices) == 3 and set(alert_notices.values()) == {1}
    # Every task row ran in one worker, to success.
    if how == "--once":
        assert {(len(r.worker_ids), r.status) for r in DBTaskResult.objects.all()} == {(1, "SUCCESSFUL")}


def test_scheduled_rounds_are_enqueued_once_however_many_workers_share_the_schedule(backlog, robot):
    env = worker_env(robot)
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
    jobs = {job.module_path for job in periodic_tasks()}
    assert set(per_task) == jobs and set(per_task.values()) == {len(slots)}  # every job, once per round
    assert len({worker for _, _, worker in rounds}) <= 2
    results = Counter(DBTaskResult.objects.values_list("task_path", flat=True))
    assert results == per_task  # a task per claimed round, no more
    assert {len(r.worker_ids) for r in DBTaskResult.objects.all()} == {1}
    assert Counter(Supervision.objects.values_list("matter_id", flat=True)) == {m.pk: 1 for m in backlog[0]}
    assert len(robot.bodies) == OutboundMessage.objects.filter(status="sent").count() + 15 == 65
