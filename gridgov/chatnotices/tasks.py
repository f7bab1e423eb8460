"""The chat notices' periodic delivery, a task of Django's task API (the app registers it for `run_periodic`)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from gridgov.chatnotices.actions import deliver_due


@task()
def deliver_chat_notices() -> dict:
    """Send due group-robot deliveries of chat notices (first attempts left over, retries whose backoff passed)."""
    return asdict(deliver_due())
