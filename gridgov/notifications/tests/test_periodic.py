"""`manage.py run_periodic`: the deadline job and the outbox delivery as django-tasks tasks, run by the
database backend's worker in-process (committed transactions, as in production)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gridgov.audit.models import AuditLog
from gridgov.matters.models import Matter, Supervision
from gridgov.matters.tests.helpers import record
from gridgov.notifications.models import Notice, OutboundMessage

H = dt.timedelta(hours=1)
PATHS = [
    "gridgov.matters.tasks.flag_overdue_matters",
    "gridgov.matters.tasks.reopen_recurrences",
    "gridgov.notifications.tasks.deliver_outbox",
    "gridgov.notifications.tasks.key_person_alerts",
    "gridgov.chatnotices.tasks.deliver_chat_notices",
    "gridgov.stats.tasks.refresh_rollups",
    "gridgov.audit.tasks.seal_audit_chain",
]
committed = pytest.mark.django_db(transaction=True)


def run_periodic(*args) -> list[str]:
    out = io.StringIO()
    call_command("run_periodic", "--once", *args, stdout=out)
    return [line.split(" ", 2)[2] for line in out.getvalue().splitlines()]


def overdue(matter: Matter) -> None:
    """Let the matter's time limit pass (but not twice over)."""
    now = timezone.now()
    Matter.objects.filter(pk=matter.pk).update(arrived_at=now - 170 * H, deadline_at=now - 2 * H, red_card_at=now + H)


@committed
def test_the_job_flags_overdue_matters_notifies_and_posts_the_card_once(engine, robot):
    matter = record(engine.grid_worker_a, color="blue", title="地界纠纷")
    Notice.objects.all().delete()
    overdue(matter)

    lines = run_periodic()
    assert lines[:5] == [
        "flag_overdue_matters: SUCCESSFUL escalated=0 red=0 yellow=1",
        "reopen_recurrences: SUCCESSFUL 0",
        "deliver_outbox: SUCCESSFUL deferred=0 failed=0 left=0 sent=0",  # sent after commit
        "key_person_alerts: SUCCESSFUL notices=0 raised=0",
        "deliver_chat_notices: SUCCESSFUL failed=0 left=0 sent=0",
    ]
    # The statistics' first refresh builds the rollups from the records (then reads only what changed).
    assert lines[5].startswith("refresh_rollups: SUCCESSFUL ") and " rebuilt=True " in lines[5]
    assert lines[6] == f"seal_audit_chain: SUCCESSFUL full=True ok=True sealed={AuditLog.objects.count()}"  # every row
    assert len(lines) == 7
    assert not AuditLog.objects.filter(seq__isnull=True).exists()
    card = Supervision.objects.get()
    assert (card.matter_id, card.color) == (matter.pk, "yellow")
    assert sorted(Notice.objects.values_list("recipient_id", "kind")) == [
        (u.pk, "supervision")
        for u in sorted([engine.grid_worker_a, engine.grid_leader_a, engine.village_committee], key=lambda u: u.pk)
    ]
    assert [b["markdown"]["content"].splitlines()[0] for b in robot.bodies] == [
        f'**<font color="warning">黄牌督办</font>** {matter.reference}'
    ]
    assert sorted(DBTaskResult.objects.values_list("task_path", "status")) == [(p, "SUCCESSFUL") for p in sorted(PATHS)]

    assert run_periodic()[0] == "flag_overdue_matters: SUCCESSFUL escalated=0 red=0 yellow=0"
    assert (Supervision.objects.count(), Notice.objects.count(), len(robot.bodies)) == (1, 3, 1)


@committed
def test_messages_queued_while_the_receiver_is_down_go_out_once_when_it_is_back(engine, robot):
    robot.stop()
    matters = [record(engine.grid_worker_a, color="red", title=f"纠纷{i}") for i in range(2)]  # real commits
    assert list(OutboundMessage.objects.values_list("status", "attempts")) == [("pending", 1), ("pending", 0)]

    assert run_periodic()[2] == "deliver_outbox: SUCCESSFUL deferred=0 failed=1 left=0 sent=0"
    assert list(OutboundMessage.objects.values_list("status", "attempts")) == [("pending", 1), ("pending", 1)]

    robot.start()
    assert run_periodic()[2].endswith("deferred=0 failed=0 left=0 sent=0")  # backoff not over
    OutboundMessage.objects.update(next_attempt_at=timezone.now() - H)  # ... the backoff passes
    assert run_periodic()[2].endswith("deferred=0 failed=0 left=0 sent=2")
    assert run_periodic()[2].endswith("deferred=0 failed=0 left=0 sent=0")
    assert [b["markdown"]["content"].split("\n")[1] for b in robot.bodies] == [
        f"> 编号：{m.reference}" for m in matters
    ]
    assert list(OutboundMessage.objects.values_list("status", "attempts")) == [("sent", 2), ("sent", 2)]


@committed
def test_a_task_still_waiting_is_not_enqueued_again(db):
    assert run_periodic("--enqueue-only") == [f"{p.rsplit('.', 1)[1]}: READY " for p in PATHS]
    assert run_periodic("--enqueue-only") == []
    assert DBTaskResult.objects.ready().count() == len(PATHS)
    assert run_periodic() == []  # nothing new enqueued; the waiting ones run
    assert (DBTaskResult.objects.ready().count(), DBTaskResult.objects.successful().count()) == (0, len(PATHS))


def test_with_the_immediate_backend_the_tasks_run_at_enqueue(engine, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    matter = record(engine.grid_worker_a, color="blue")
    overdue(matter)
    assert run_periodic()[0] == "flag_overdue_matters: SUCCESSFUL escalated=0 red=0 yellow=1"
    assert Supervision.objects.filter(matter=matter).count() == 1
