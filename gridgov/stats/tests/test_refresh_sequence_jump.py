"""A jump of the timeline's id sequence (ids handed out and rolled back by other work, a restore) must not fill the
refresh's watch list with ids that never come and leave out the newest, which may still commit: found on
PostgreSQL, where a long test run had advanced the sequence past 10,000 before the refresh first ran."""

import pytest
from django.db import connection

from gridgov.matters.models import MatterEvent
from gridgov.matters.tests.helpers import record
from gridgov.stats import actions
from gridgov.stats.models import StatsState


@pytest.mark.django_db
def test_after_a_jump_of_the_ids_the_newest_skipped_ids_are_watched(world):
    actions.refresh()
    first = record(world.grid_worker_a)
    event = MatterEvent.objects.get(matter=first)
    jumped = event.pk + 50_000
    MatterEvent.objects.filter(pk=event.pk).update(id=jumped)  # as if 50,000 ids had been taken before it
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('matters_matterevent', 'id'), %s)", [jumped])
    actions.refresh()
    watched = [g[0] for g in StatsState.objects.get().event_gaps]
    assert len(watched) == actions.MAX_GAPS
    assert watched[-1] == jumped - 1 and watched[0] == jumped - actions.MAX_GAPS  # the newest, not the oldest
    late = record(world.grid_worker_b, household=world.household_b)
    MatterEvent.objects.filter(matter=late).update(id=jumped - 1)  # a row committed late, just below
    assert actions.refresh().events == 1  # found again
