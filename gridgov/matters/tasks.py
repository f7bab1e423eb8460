"""The matter engine's periodic work, as tasks of Django's task API (the django-tasks backport).

`manage.py run_periodic` enqueues these every interval and runs them with the database backend's
worker, so no extra server is needed; both are idempotent and safe to run from several processes.
"""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from gridgov.matters.actions import flag_overdue, reopen_due_recurrences


@task()
def flag_overdue_matters() -> dict:
    """Deadline job: yellow and red supervision cards, auto-escalation where the rule says so."""
    return asdict(flag_overdue())


@task()
def reopen_recurrences() -> int:
    """Environment problems under routine remediation come back on their date."""
    return reopen_due_recurrences()
