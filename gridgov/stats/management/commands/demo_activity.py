"""`manage.py demo_activity`: what a place did since 2021 in the reports' terms, computed from the records."""

from gridgov.demo.text import table
from gridgov.stats.management.base import PlaceCommand
from gridgov.stats.reports import activity


class Command(PlaceCommand):
    help = "按地域统计2021年以来的工作：入户走访、重点人员（分类别）、夜间巡逻、宣讲、议事协商、办实事等。"

    def handle(self, *args, place: str, **options):
        target = self.place(place)
        self.stdout.write(f"{target.name}（{target.code}）2021年以来")
        for label, figures in activity(target.code):
            rows = [(name, f"{value:,}") for name, value in figures]
            self.stdout.write("")
            self.stdout.write(f"【{label}】")
            self.stdout.write(table(("项目", "数量"), rows, right=(1,)))
