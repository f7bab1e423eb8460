"""manage.py coverage_check [--place CODE]: the coverage checks (不漏一户、不漏一人) per place, in Chinese."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gridgov.coverage import queries
from gridgov.places.models import Place


class Command(BaseCommand):
    help = "覆盖检查：未划入网格或联户的户、未落户的居民、规模超出范围的网格和联户、缺网格长或网格员的网格"

    def add_arguments(self, parser):
        parser.add_argument("--place", help="地域代码（默认：每个顶级地域）")
        parser.add_argument("--limit", type=int, default=queries.LIST_LIMIT, help="每项最多列出的条数")

    def handle(self, *args, place=None, limit=queries.LIST_LIMIT, **options):
        if place:
            found = Place.objects.filter(code=place.strip()).first()
            if found is None:
                raise CommandError(f"地域代码 {place} 不存在")
            places = [found]
        else:
            places = list(Place.objects.filter(parent__isnull=True).order_by("code"))
            if not places:
                self.stdout.write("尚无地域数据")
        for index, where in enumerate(places):
            if index:
                self.stdout.write("")
            self.print_report(queries.coverage(where, limit=max(limit, 0)))

    def print_report(self, report: queries.Report) -> None:
        place, bounds = report.place, report.bounds
        self.stdout.write(f"== 覆盖检查：{place.name}（{place.get_kind_display()} {place.code}）")
        self.stdout.write(
            f"网格规模 {bounds['grid_min']}–{bounds['grid_max']} 户；联户不超过 {bounds['cluster_max']} 户"
        )
        for check in report.checks:
            self.stdout.write(f"{check.label}：{check.count}")
        if report.children and report.total:
            self.stdout.write("-- 按下级地域")
            for child, counts in report.breakdown():
                if any(n for _, n in counts):
                    parts = "，".join(f"{label} {n}" for label, n in counts if n)
                    self.stdout.write(f"{child.name}（{child.code}）：{parts}")
        for check in report.checks:
            if not check.rows:
                continue
            self.stdout.write(f"-- {check.label}（{check.count}）")
            for row in check.rows:
                self.stdout.write(f"  {row.code}  {row.label}  {row.detail}".rstrip())
            if check.truncated:
                self.stdout.write(f"  …… 仅列出前 {len(check.rows)} 条")
        if not report.total:
            self.stdout.write("未发现遗漏")
