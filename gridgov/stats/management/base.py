"""What the figure commands share: a ``--place`` argument (the demo town by default), checked."""

from django.core.management.base import BaseCommand, CommandError

from gridgov.demo.build import DEMO_TOWN
from gridgov.places.models import Place


class PlaceCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--place", default=DEMO_TOWN, help=f"地域代码（默认 {DEMO_TOWN} 寨坝镇）")

    def place(self, code: str) -> Place:
        target = Place.objects.filter(code=code).first()
        if target is None:
            raise CommandError(f"地域 {code} 不存在")
        return target
