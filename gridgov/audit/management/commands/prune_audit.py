"""Delete audit rows past the retention period (GRIDGOV_AUDIT_RETENTION_DAYS, at least 183 days).

    python manage.py prune_audit             # keep GRIDGOV_AUDIT_RETENTION_DAYS days (default 183)
    python manage.py prune_audit --days 365

Removes the start of the chain only (rows sealed and written before the cutoff day) and moves the chain's base,
so the rest still verifies; refuses fewer than 183 days, and so does the database. The pruning is audited.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gridgov.audit.actions import ChainError, prune_chain
from gridgov.core.actions import ActionRefused
from gridgov.core.context import acting


class Command(BaseCommand):
    help = "Delete audit rows older than the retention period (at least 183 days), keeping the chain verifiable."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None, help="days to keep (default: the setting; >= 183)")

    def handle(self, *args, days: int | None, **options) -> None:
        try:
            with acting("prune_audit"):
                result = prune_chain(days=days)
        except (ActionRefused, ChainError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已删除 {result.deleted} 行（{result.cutoff:%Y-%m-%d} 之前），审计链自第 {result.base_seq + 1} 行起"
        )
