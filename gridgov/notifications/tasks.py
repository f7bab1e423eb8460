"""The outbox's periodic delivery, as a task of Django's task API (see `manage.py run_periodic`)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from gridgov.notifications.actions import deliver_due


@task()
def deliver_outbox() -> dict:
    """Send due outbound messages (first attempts left over and retries whose backoff has passed)."""
    return asdict(deliver_due())


@task()
def key_person_alerts() -> dict:
    """Raise the day's key-person alerts (overdue follow-ups, out of contact) and notify the responsible
    persons and the towns' key-population officers; both steps are idempotent."""
    from gridgov.keypersons.actions import raise_alerts
    from gridgov.notifications.actions import notify_key_person_alerts

    raised = raise_alerts()
    return {"raised": raised, "notices": notify_key_person_alerts()}
