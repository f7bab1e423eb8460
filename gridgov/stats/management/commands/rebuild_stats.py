"""`manage.py rebuild_stats [--place CODE]`: recount the rollups from the records."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from gridgov.places.models import Place
from gridgov.stats.actions import Busy, rebuild


class Command(BaseCommand):
    help = "从原始记录重建统计汇总表（全部，或 --place 指定地域及其下级；其上级的合计随之重算）。"

    def add_arguments(self, parser):
        parser.add_argument("--place", default="", help="地域代码（省到村）；不给时重建全部")

    def handle(self, *args, place: str, **options):
        if place and not Place.objects.filter(code=place).exists():
            raise CommandError(f"地域 {place} 不存在")
        if len(place) > 12:
            raise CommandError("请给出村（社区）或以上的地域代码：网格、村民小组的数据随所在村一并重建")
        t0 = time.perf_counter()
        try:
            report = rebuild(place)
        except Busy as exc:
            raise CommandError(f"{exc}，请稍后再试") from None
        where = place or "全部地域"
        self.stdout.write(
            f"已重建{where}的统计汇总：{report.chunks:,} 个村、{report.uppers:,} 个上级合计，"
            f"写入 {report.rows:,} 行，用时 {time.perf_counter() - t0:.1f} 秒。"
        )
