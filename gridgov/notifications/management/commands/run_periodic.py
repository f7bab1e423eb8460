"""The periodic jobs, for `make run` users and servers alike: no extra server, no cron needed.

    python manage.py run_periodic               # every 60 seconds until stopped (Ctrl+C)
    python manage.py run_periodic --interval 30
    python manage.py run_periodic --once        # one round, then exit (tests, cron)

Each round enqueues the jobs the apps register (`gridgov.core.periodic`, in INSTALLED_APPS order): the
deadline job (yellow/red supervision cards, auto-escalation), the routine remediation reopening, the
outbox delivery (WeCom robot retries), the key-person alerts (raised,
then noticed to the responsible persons and the towns' officers), the chat notices' group-robot deliveries,
the statistics' rollup refresh and the audit chain's sealing and check, through Django's task API,
then, with the database backend (``TASKS`` = ``django_tasks_db.DatabaseBackend``), runs every ready
task in this process like ``manage.py db_worker --batch`` would. With ``--enqueue-only`` it leaves
them to separate ``manage.py db_worker`` processes. A task already waiting is not enqueued again.

Several workers (on one machine or several, against the same database) share one schedule: without
``--once`` the rounds start on wall-clock multiples of the interval (12:00:00, 12:01:00, ...), and each
round of each job is enqueued by exactly one of them (a unique `PeriodicRound` row per job and time);
each enqueued task is then run by exactly one worker (django-tasks' database backend claims it with
``SELECT ... FOR UPDATE SKIP LOCKED``). ``--once`` runs a round now, for cron on one machine and tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from gridgov.core.periodic import periodic_tasks
from gridgov.notifications.models import PeriodicRound

logger = logging.getLogger("gridgov.periodic")
KEEP_RESULTS = dt.timedelta(days=1)


def _database_backend() -> DatabaseBackend | None:
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    return backend if isinstance(backend, DatabaseBackend) else None


def _show(value) -> str:
    """A task's return value, dicts as ``key=value`` in key order (JSONB does not keep the order)."""
    if isinstance(value, dict):
        return " ".join(f"{key}={value[key]}" for key in sorted(value))
    return str(value)


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (deadlines and supervision, routine reopening, outbox delivery, key-person alerts,"
        " chat-notice deliveries)"
        " every N seconds."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=60.0, help="seconds between rounds (default 60)")
        parser.add_argument("--once", action="store_true", help="run one round and exit")
        parser.add_argument(
            "--enqueue-only", action="store_true", help="only enqueue; separate db_worker processes run the tasks"
        )

    def handle(self, *args, interval: float, once: bool, enqueue_only: bool, **options) -> None:
        self.worker_id = f"run_periodic-{socket.gethostname()}-{os.getpid()}"
        interval = max(interval, 1.0)
        try:
            if once:
                self.run_round(enqueue_only=enqueue_only)
                return
            while True:
                slot = int(time.time() // interval * interval)
                self.run_round(enqueue_only=enqueue_only, slot=dt.datetime.fromtimestamp(slot, dt.UTC))
                time.sleep(max(slot + interval - time.time(), 0.05))  # until the next slot starts
        except KeyboardInterrupt:
            self.stdout.write("stopped")

    def run_round(self, *, enqueue_only: bool, slot: dt.datetime | None = None) -> None:
        database = _database_backend()
        run_here = database is not None and not enqueue_only
        results = []
        for job in periodic_tasks():
            if slot is not None and database is not None:
                if not self._claim(job, slot):
                    continue  # another worker enqueued this round
            elif database is not None and self._waiting(job):
                continue
            results.append(job.enqueue())
        if run_here:
            self._run_ready_tasks(database.alias)
            self._prune()
        for result in results:
            if run_here:
                result.refresh()
            value = _show(result.return_value) if result.status == TaskResultStatus.SUCCESSFUL else ""
            name = result.task.name
            if getattr(settings, "GRIDGOV_LOG_FORMAT", "text") == "json":
                logger.info("%s: %s %s", name, result.status, value)  # a JSON line with the time (make serve)
            else:
                self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {name}: {result.status} {value}")

    def _claim(self, job, slot: dt.datetime) -> bool:
        """This worker enqueues the job's round at ``slot`` unless another one did."""
        try:
            with transaction.atomic():
                PeriodicRound.objects.create(task_path=job.module_path, slot=slot, worker=self.worker_id)
        except IntegrityError:
            return False
        return True

    @staticmethod
    def _waiting(job) -> bool:
        return DBTaskResult.objects.ready().filter(task_path=job.module_path).exists()

    def _run_ready_tasks(self, alias: str) -> None:
        Worker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=0,
            batch=True,
            backend_name=alias,
            startup_delay=False,
            max_tasks=None,
            worker_id=f"{getattr(self, 'worker_id', 'run_periodic')}-{uuid.uuid4().hex[:6]}",
        ).run()

    @staticmethod
    def _prune() -> None:
        paths = [job.module_path for job in periodic_tasks()]
        old = timezone.now() - KEEP_RESULTS
        DBTaskResult.objects.successful().filter(task_path__in=paths, finished_at__lt=old).delete()
        PeriodicRound.objects.filter(slot__lt=old).delete()
