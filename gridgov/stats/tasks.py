"""The rollups' periodic refresh, as a task of Django's task API (run by `manage.py run_periodic`)."""

from __future__ import annotations

from django_tasks import task

from gridgov.stats.actions import refresh


@task()
def refresh_rollups() -> dict:
    """Recount what changed since the last round (matter timeline past the watermark, marks of other records)."""
    return refresh().as_dict()
