"""`manage.py demo_figures`: the headline figures of a place, computed from the records."""

from gridgov.demo.text import table
from gridgov.stats.management.base import PlaceCommand
from gridgov.stats.reports import figures_sentence, place_figures


class Command(PlaceCommand):
    help = "按地域统计网格、党小组、网格长、网格员、联户长、微信群、巡逻队、户数和人数。"

    def handle(self, *args, place: str, **options):
        target = self.place(place)
        figures = place_figures(target.code)
        self.stdout.write(f"{target.name}（{target.code}）")
        rows = [(f.label, f"{f.value:,}", f.unit) for f in figures]
        self.stdout.write(table(("项目", "数量", "单位"), rows, right=(1,)))
        self.stdout.write(figures_sentence(target.name, figures))
