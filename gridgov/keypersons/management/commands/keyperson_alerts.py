"""Raise the day's key-person alerts (overdue follow-ups, out-of-contact persons). Run daily; safe to rerun."""

from django.core.management.base import BaseCommand

from gridgov.keypersons.actions import raise_alerts


class Command(BaseCommand):
    help = "生成重点人员预警（稳控逾期、失联）；可重复运行，不会重复预警"

    def handle(self, *args, **options):
        created = raise_alerts()
        self.stdout.write(f"新预警 {created} 条")
