"""`manage.py demo_activity`: what a place did since 2021 in the reports' terms, computed from the records."""

from django.core.management.base import BaseCommand, CommandError

from gridgov.demo.build import DEMO_TOWN
from gridgov.demo.text import table
from gridgov.places.models import Place
from gridgov.stats.reports import activity


class Command(BaseCommand):
    help = "按地域统计2021年以来的工作：入户走访、重点人员（分类别）、夜间巡逻、宣讲、议事协商、办实事等。"

    def add_arguments(self, parser):
        parser.add_argument("--place", default=DEMO_TOWN, help=f"地域代码（默认 {DEMO_TOWN} 寨坝镇）")

    def handle(self, *args, place: str, **options):
        target = Place.objects.filter(code=place).first()
        if target is None:
            raise CommandError(f"地域 {place} 不存在")
        self.stdout.write(f"{target.name}（{target.code}）2021年以来")
        for label, figures in activity(target.code):
            rows = [(name, f"{value:,}") for name, value in figures]
            self.stdout.write("")
            self.stdout.write(f"【{label}】")
            self.stdout.write(table(("项目", "数量"), rows, right=(1,)))
