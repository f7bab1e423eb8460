"""Verify the audit chain and name the first broken, altered, missing or forged row.

    python manage.py verify_audit                 # seal what is pending, then check the whole chain
    python manage.py verify_audit --incremental   # from where the last passed check ended
    python manage.py verify_audit --no-seal       # check only (rows not sealed yet are checked one by one)

Exits 1 when anything is wrong, after printing each problem found. The result is kept for the auditor's page.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gridgov.audit.actions import ChainError, check_chain, seal_chain


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chain; name the first broken, altered, missing or forged row."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--incremental", action="store_true", help="start where the last passed check ended")
        parser.add_argument("--no-seal", action="store_true", help="do not seal pending rows first")

    def handle(self, *args, incremental: bool, no_seal: bool, **options) -> None:
        if not no_seal:
            try:
                sealed = seal_chain()
                self.stdout.write(f"封存 {sealed} 行")
            except ChainError as exc:
                self.stderr.write(str(exc))
        report = check_chain(full=not incremental)
        scope = "完整校验" if report.full else "增量校验"
        self.stdout.write(
            f"{scope}：{report.checked_rows} 行，至链序号 {report.up_to_seq}"
            f"（记录 #{report.up_to_row_id or '-'}），待封存 {report.unsealed} 行"
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("审计链完好"))
            return
        for problem in report.problems:
            self.stdout.write(self.style.ERROR(f"[{problem.kind}] {problem.message}"))
        raise CommandError(f"审计链已损坏：{report.first.message}")
