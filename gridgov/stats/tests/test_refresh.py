"""Keeping the rollups: what a refresh reads (the matter timeline past its watermark, the marks of other records),
the grace period for late commits, the lease, the fall-back to the records when the refresh stopped, the switch,
`rebuild_stats`; and the periods a user can name."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gridgov.deeds import actions as deed_actions
from gridgov.matters.models import MatterEvent
from gridgov.matters.tests.helpers import record
from gridgov.stats import actions, engine
from gridgov.stats.cubes import CUBES
from gridgov.stats.models import MatterKindState, StatsDirty, StatsState
from gridgov.stats.periods import Period, PeriodError
from gridgov.visits import actions as visit_actions

TOWN = "520330113"


def deed(world, days_ago=0):
    return deed_actions.record_deed(
        world.town_staff,
        deed_actions.DeedInput(
            done_on=timezone.localdate() - dt.timedelta(days=days_ago),
            category="medical",
            title="陪同就医",
            done_by="网格员",
            beneficiary="本组村民",
            place=world.village_a,
        ),
    )[0]


def test_a_change_counts_after_the_next_refresh_and_not_before(world):
    actions.refresh()
    assert engine.total("matters", TOWN, rollups=True) == 0
    record(world.grid_worker_a)
    deed(world, days_ago=400)  # an old month: its month row is recounted
    assert engine.total("matters", TOWN, rollups=True) == 0  # the rollups wait for the refresh
    assert engine.rollups_current()
    report = actions.refresh()
    assert (report.events, report.marks) == (1, 1)
    assert actions.refresh().events == 0  # read once
    assert engine.total("matters", TOWN, rollups=True) == 1 == engine.total("matters", TOWN, rollups=False)
    assert engine.total("deeds", "520330", rollups=True) == 1


def test_matter_intake_writes_no_mark_other_records_write_one(world):
    StatsDirty.objects.all().delete()  # the world's own households and appointments
    record(world.grid_worker_a)
    assert StatsDirty.objects.count() == 0  # intake writes what it always wrote: the matter and its one event
    visit_actions.record_visit(
        world.grid_worker_a, visit_actions.VisitInput(household=world.household_a, visited_at=timezone.now())
    )
    assert (
        sorted(StatsDirty.objects.values_list("source", "code"))
        == [
            ("households", world.household_a.path[:16]),  # the deepest depth any rollup keeps
            ("visits", world.household_a.path[:16]),
        ]
    )


def test_a_timeline_row_committed_late_below_the_cursor_is_still_counted(world, settings):
    """Ids can commit out of order (PostgreSQL sequences, SQLite id blocks): an id skipped over is looked for again
    at each refresh until the grace period is over, and the watermark waits below it."""
    actions.refresh()
    first = record(world.grid_worker_a)
    event = MatterEvent.objects.get(matter=first)
    MatterEvent.objects.create(  # another process's later row, committed first (id + 2)
        id=event.pk + 2, path=first.path, matter=first, at=timezone.now(), action="accept", to_state="in_progress",
        to_level="grid",
    )  # fmt: skip
    assert actions.refresh().events == 2
    state = StatsState.objects.get()
    gaps = [g[0] for g in state.event_gaps]  # (ids a database handed to other tests may be missing below too)
    assert state.event_cursor == event.pk + 2 and event.pk + 1 in gaps
    assert state.matter_event_id == min(gaps) - 1 < event.pk + 1
    late = record(
        world.grid_worker_b, household=world.household_b
    )  # its row takes the next id; it stands for the one committed late
    MatterEvent.objects.filter(matter=late).update(id=event.pk + 1)
    assert engine.total("matters", TOWN, rollups=True) == 1
    assert actions.refresh().events == 1  # only the row that was missing is read
    assert engine.total("matters", TOWN, rollups=True) == 2 == engine.total("matters", TOWN, rollups=False)
    assert event.pk + 1 not in [g[0] for g in StatsState.objects.get().event_gaps]
    assert actions.refresh().events == 0
    settings.GRIDGOV_STATS_GRACE_SECONDS = 0
    actions.refresh(now=timezone.now() + dt.timedelta(seconds=1))
    state = StatsState.objects.get()
    assert (state.matter_event_id, state.event_gaps) == (event.pk + 2, [])


def test_an_id_never_committed_is_given_up_after_the_grace_period(world, settings):
    actions.refresh()
    matter = record(world.grid_worker_a)
    event = MatterEvent.objects.get(matter=matter)
    MatterEvent.objects.filter(pk=event.pk).update(id=event.pk + 5)  # ids before it rolled back
    actions.refresh()
    assert {event.pk + i for i in range(5)} <= {g[0] for g in StatsState.objects.get().event_gaps}
    settings.GRIDGOV_STATS_GRACE_SECONDS = 0
    actions.refresh(now=timezone.now() + dt.timedelta(seconds=1))
    state = StatsState.objects.get()
    assert (state.matter_event_id, state.event_cursor, state.event_gaps) == (event.pk + 5, event.pk + 5, [])


def test_one_refresher_at_a_time(world):
    actions.refresh()
    StatsState.objects.update(lease_until=timezone.now() + dt.timedelta(minutes=1))
    assert actions.refresh().skipped == "busy"
    StatsState.objects.update(lease_until=timezone.now() - dt.timedelta(seconds=1))  # a crashed refresher's lease
    assert actions.refresh().skipped == ""


def test_reads_count_the_records_when_the_refresh_has_stopped(world, settings):
    actions.refresh()
    record(world.grid_worker_a)
    assert engine.total("matters", TOWN) == 0  # current rollups answer (the change waits for the refresh)
    StatsState.objects.update(refreshed_at=timezone.now() - dt.timedelta(seconds=301))
    assert not engine.rollups_current()
    assert engine.total("matters", TOWN) == 1  # counted from the records
    settings.GRIDGOV_STATS_STALE_SECONDS = 600
    assert engine.total("matters", TOWN) == 0


def test_switched_off_nothing_is_kept_and_everything_is_counted(world, settings):
    StatsDirty.objects.all().delete()
    settings.GRIDGOV_STATS_ROLLUPS = False
    deed(world)
    assert StatsDirty.objects.count() == 0
    assert actions.refresh().skipped == "off"
    assert not engine.rollups_current()
    assert engine.total("deeds", TOWN) == 1


def test_rebuild_stats_recounts_a_place_and_its_sums_above(world):
    record(world.grid_worker_a)
    actions.refresh()
    MatterKindState.objects.filter(place=world.village_a.code).update(n=99)  # damaged
    MatterKindState.objects.filter(place="520330").update(n=99)
    out = StringIO()
    call_command("rebuild_stats", place=world.village_a.code, stdout=out)
    assert out.getvalue().startswith(f"已重建{world.village_a.code}的统计汇总：1 个村")
    assert set(MatterKindState.objects.filter(grain="m").values_list("place", "n")) == {
        ("52", 1),
        ("5203", 1),
        ("520330", 1),
        (TOWN, 1),
        (world.village_a.code, 1),
    }
    with pytest.raises(CommandError, match="不存在"):
        call_command("rebuild_stats", place="999999")
    with pytest.raises(CommandError, match="村（社区）或以上"):
        call_command("rebuild_stats", place=world.grid_a.code)


def test_rebuild_everything_equals_the_refreshed_tables(world):
    actions.refresh()
    record(world.grid_worker_a)
    deed(world, days_ago=3)
    actions.refresh()
    before = {c.name: sorted(c.table.objects.values_list("place", "grain", "period", "n"), key=str) for c in CUBES}
    call_command("rebuild_stats", stdout=StringIO())
    after = {c.name: sorted(c.table.objects.values_list("place", "grain", "period", "n"), key=str) for c in CUBES}
    assert after == before


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("raw", "since", "until", "label"),
    [
        ("2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31), "2024年"),
        ("2024Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31), "2024年第一季度"),
        ("2024-q4", dt.date(2024, 10, 1), dt.date(2024, 12, 31), "2024年第四季度"),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024年2月"),
        ("2024-03-05", dt.date(2024, 3, 5), dt.date(2024, 3, 5), "2024年3月5日"),
    ],
)
def test_named_periods(raw, since, until, label):
    period = Period.parse({"period": raw})
    assert (period.since, period.until, period.label) == (since, until, label)


def test_ranges_and_defaults():
    today = dt.date(2026, 12, 7)
    assert Period.parse({}, today) == Period(dt.date(2026, 1, 1), today)
    assert Period.parse({"since": "2021-01-01"}, today).until == today
    assert Period.parse({"until": "2025-06-30"}, today) == Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    assert Period(dt.date(2024, 3, 10), dt.date(2024, 5, 2)).label == "2024年3月10日至2024年5月2日"
    assert Period(dt.date(2024, 3, 10), dt.date(2024, 5, 2)).months() == [
        dt.date(2024, 3, 1),
        dt.date(2024, 4, 1),
        dt.date(2024, 5, 1),
    ]
    for bad in ({"period": "2024Q5"}, {"since": "2024-13-01"}, {"since": "1999-12-31"}):
        with pytest.raises(PeriodError):
            Period.parse(bad, today)


def test_a_period_is_cut_into_whole_months_days_and_older_days():
    today = dt.date(2026, 12, 7)  # day rows kept from 2026-11-01
    parts = engine.segments(Period(dt.date(2026, 8, 15), today), today)
    assert parts == [
        ("raw", dt.date(2026, 8, 15), dt.date(2026, 9, 1)),
        ("m", dt.date(2026, 9, 1), dt.date(2026, 12, 1)),
        ("d", dt.date(2026, 12, 1), dt.date(2026, 12, 8)),
    ]
