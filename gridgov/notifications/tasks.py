"""The outbox's periodic delivery, as a task of Django's task API (see `manage.py run_periodic`)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from gridgov.notifications.actions import deliver_due


@task()
def deliver_outbox() -> dict:
    """Send due outbound messages (first attempts left over and retries whose backoff has passed)."""
    return asdict(deliver_due())
