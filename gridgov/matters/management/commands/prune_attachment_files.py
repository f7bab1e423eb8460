"""Remove stored attachment files that no attachment refers to (an upload whose transaction rolled back after
the file was written). Only files older than --min-age-minutes are touched, so uploads in flight are safe."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand

from gridgov.matters.models import Attachment, media_root


def prune(min_age_seconds: float = 3600.0, dry_run: bool = False) -> list[str]:
    root = Path(media_root())
    base = root / "matters"
    if not base.is_dir():
        return []
    cutoff = time.time() - min_age_seconds
    candidates = {str(p.relative_to(root)): p for p in base.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff}
    known = set(Attachment.objects.filter(file__in=list(candidates)).values_list("file", flat=True))
    removed = sorted(name for name in candidates if name not in known)
    if not dry_run:
        for name in removed:
            candidates[name].unlink(missing_ok=True)
    return removed


class Command(BaseCommand):
    help = "删除没有附件记录引用的附件文件（上传事务回滚后留下的）"

    def add_arguments(self, parser):
        parser.add_argument("--min-age-minutes", type=float, default=60.0)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, min_age_minutes: float, dry_run: bool, **options):
        removed = prune(min_age_minutes * 60, dry_run=dry_run)
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(f"{verb} {len(removed)} 个无主附件文件")
