"""Background work with progress, for the pages that start long jobs (register imports, ledger exports).

A job is a row in its app's table (with ``processed_rows`` and ``total_rows``) and a function run in a
daemon thread after the request's transaction commits, carrying the request's actor, IP and request id.
`ProgressWriter` writes the row's progress in short autocommit updates, at most every PROGRESS_SECONDS,
which the job's page polls with HTMX. With settings.GRIDGOV_IMPORT_BACKGROUND false (tests, where other
connections cannot see the test's data) the job runs at once in the caller's thread.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
PROGRESS_SECONDS = 0.5  # the pages poll every second


def start_after_commit(job: Callable[..., object], *args, name: str) -> None:
    """Run ``job(*args)`` in a thread named ``name`` once the current transaction commits (or at once, in
    this thread, when background jobs are off). The job reports its own outcome on its row; an exception
    that escapes it is logged."""
    if not getattr(settings, "GRIDGOV_IMPORT_BACKGROUND", True):
        job(*args)
        return
    context = contextvars.copy_context()  # the request's actor, IP and request id go with the job
    thread = threading.Thread(target=context.run, args=(_guarded, job, name, *args), name=name, daemon=True)
    transaction.on_commit(thread.start)


def _guarded(job: Callable[..., object], name: str, *args) -> None:
    try:
        job(*args)
    except Exception:  # the thread has no one to report to but the log and the job's row
        log.exception("%s failed", name)
    finally:
        connections.close_all()


class ProgressWriter:
    """Writes ``processed_rows`` and ``total_rows`` to row ``pk`` of ``model`` (at most every PROGRESS_SECONDS)
    and passes every report on to ``progress`` (a command's bar)."""

    def __init__(self, model, pk: int, progress: Progress | None = None) -> None:
        self.model, self.pk, self.progress = model, pk, progress
        self.written_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.written_at >= PROGRESS_SECONDS:
            self.written_at = now
            self.model.objects.filter(pk=self.pk).update(
                processed_rows=done, total_rows=total, updated_at=timezone.now()
            )
        if self.progress is not None:
            self.progress(done, total)
