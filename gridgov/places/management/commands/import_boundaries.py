"""manage.py import_boundaries FILE [--place CODE] [--code-property code] [--check]: place boundaries from a
GeoJSON FeatureCollection drawn in a GIS, checked whole (closed rings, inside the parent, no overlap between
siblings, every feature a known place) and written all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gridgov.core.context import acting
from gridgov.places import actions, boundaries
from gridgov.places.models import Place


class Command(BaseCommand):
    help = "从 GeoJSON 文件导入地域（网格）边界：逐项校验，全部通过才写入"

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON 文件（FeatureCollection，经纬度）")
        parser.add_argument("--place", help="只接受此地域之下的地域代码（默认：全部）")
        parser.add_argument("--code-property", default=boundaries.CODE_PROPERTY, help="存放地域代码的属性名")
        parser.add_argument("--check", action="store_true", help="只校验，不写入")

    def handle(self, *args, file, place=None, code_property=boundaries.CODE_PROPERTY, check=False, **options):
        path = Path(file)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror}") from None
        places = Place.objects.all()
        if place:
            if not Place.objects.filter(code=place).exists():
                raise CommandError(f"地域代码 {place} 不存在")
            places = places.within(place)
        result = boundaries.check_file(raw, places, code_property)
        if result.errors:
            lines = "\n".join(f"  - {e}" for e in result.errors)
            raise CommandError(f"未导入：{len(result.errors)} 处问题\n{lines}")
        if check:
            self.stdout.write(f"校验通过：{len(result.features)} 个边界（未写入）")
            return
        with acting("import_boundaries"):
            written = actions.import_boundaries(result, source=path.name)
        self.stdout.write(f"已导入 {len(written)} 个边界")
