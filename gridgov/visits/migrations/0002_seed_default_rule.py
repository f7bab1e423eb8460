"""Seed the default visit rule (the row without a place), which administrators of a place override.

Defaults: every household at least once every 90 days (a quarter); households with vulnerable
members (一老一小 ...) or key persons every 30 days; a household shows as due 7 days ahead.
"""

from django.db import migrations


def seed(apps, schema_editor):
    VisitRule = apps.get_model("visits", "VisitRule")
    if not VisitRule.objects.filter(place__isnull=True).exists():
        VisitRule.objects.create(path="", place=None, every_days=90, priority_every_days=30, remind_days=7)


def unseed(apps, schema_editor):
    apps.get_model("visits", "VisitRule").objects.filter(place__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_visits_ledger")]

    operations = [migrations.RunPython(seed, unseed)]
