"""The audit chain's periodic round, as a task of Django's task API (see `manage.py run_periodic`)."""

from __future__ import annotations

from django_tasks import task

from gridgov.audit.actions import seal_and_check


@task()
def seal_audit_chain() -> dict:
    """Seal the rows written since the last round into the chain, then check it."""
    return seal_and_check()
