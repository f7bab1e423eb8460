"""`manage.py matter_figures [--place CODE] [--year Y]`: matters received and resolved per kind, from the records."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gridgov.demo.text import table
from gridgov.stats.management.base import PlaceCommand
from gridgov.stats.reports import matter_figures


class Command(PlaceCommand):
    help = "按事项类型统计一年内登记（受理）、办结、在办和超期的件数。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, help="自然年；不给时为截至今天的近一年（365天）")

    def handle(self, *args, place: str, year: int | None, **options):
        target = self.place(place)
        if year:
            since, until, period = dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年"
        else:
            until = timezone.localdate()
            since = until - dt.timedelta(days=364)
            period = f"{since:%Y-%m-%d}至{until:%Y-%m-%d}"
        figures = matter_figures(target.code, since, until)
        self.stdout.write(f"{target.name}（{target.code}）{period}事项")
        rows = [(f.label, str(f.received), str(f.resolved), str(f.open), str(f.overdue)) for f in figures]
        total = [sum(getattr(f, k) for f in figures) for k in ("received", "resolved", "open", "overdue")]
        rows.append(("合计", *map(str, total)))
        self.stdout.write(table(("类型", "受理", "办结", "在办", "超期"), rows, right=(1, 2, 3, 4)))
