"""`manage.py demo_figures`: the headline figures of a place, computed from the records."""

from django.core.management.base import BaseCommand, CommandError

from gridgov.demo.build import DEMO_TOWN
from gridgov.demo.text import table
from gridgov.places.models import Place
from gridgov.stats.reports import figures_sentence, place_figures


class Command(BaseCommand):
    help = "按地域统计网格、党小组、网格长、网格员、联户长、微信群、巡逻队、户数和人数。"

    def add_arguments(self, parser):
        parser.add_argument("--place", default=DEMO_TOWN, help=f"地域代码（默认 {DEMO_TOWN} 寨坝镇）")

    def handle(self, *args, place: str, **options):
        target = Place.objects.filter(code=place).first()
        if target is None:
            raise CommandError(f"地域 {place} 不存在")
        figures = place_figures(target.code)
        self.stdout.write(f"{target.name}（{target.code}）")
        rows = [(f.label, f"{f.value:,}", f.unit) for f in figures]
        self.stdout.write(table(("项目", "数量", "单位"), rows, right=(1,)))
        self.stdout.write(figures_sentence(target.name, figures))
