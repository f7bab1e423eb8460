"""Time limits per kind x color x level, the deadline job's cards and auto-escalation, and the work queue."""

import datetime as dt

from django.db import connection

from gridgov.accounts.models import User
from gridgov.matters import actions, queries
from gridgov.matters.actions import FlagReport
from gridgov.matters.models import DeadlineRule, Matter, MatterEvent, Supervision
from gridgov.matters.tests.helpers import ANONYMOUS, record

H = dt.timedelta(hours=1)


def test_seeded_time_limits_cover_every_kind_color_and_level(db):
    assert DeadlineRule.objects.count() == 5 * 3 * 5
    table = {(r.kind, r.color, r.level): (r.hours, r.auto_escalate) for r in DeadlineRule.objects.all()}
    assert table["dispute", "red", "grid"] == (24, True)
    assert table["dispute", "yellow", "grid"] == (72, True)
    assert table["dispute", "yellow", "village"] == (120, False)
    assert table["dispute", "blue", "grid"] == (168, False)
    assert table["hazard", "red", "grid"] == (12, True)
    assert table["dispute", "red", "county"] == (120, False)
    assert table["appeal", "red", "department"] == (120, False)


def test_arrival_sets_the_deadline_of_the_level(engine):
    matter = record(engine.grid_worker_a, color="yellow")
    assert matter.deadline_at == matter.arrived_at + 72 * H
    assert matter.red_card_at == matter.arrived_at + 144 * H
    actions.report_up(engine.grid_worker_a, matter, reason="需村委会协调")
    assert matter.deadline_at == matter.arrived_at + 120 * H
    actions.accept(engine.village_committee, matter)
    actions.route_to_department(engine.village_committee, matter, engine.judicial)
    assert (matter.deadline_level, matter.deadline_at) == ("department", matter.arrived_at + 240 * H)


def test_yellow_card_at_first_breach_then_auto_escalation_where_the_rule_says(engine):
    matter = record(engine.grid_worker_a, color="yellow")
    start = matter.arrived_at
    assert actions.flag_overdue(start + 72 * H - dt.timedelta(seconds=1)) == FlagReport()

    breach = start + 73 * H
    assert actions.flag_overdue(breach) == FlagReport(yellow=1, red=0, escalated=1)
    matter.refresh_from_db()
    card = Supervision.objects.get()
    assert (card.color, card.level, card.holder_place, card.issued_at, card.holding_since) == (
        "yellow",
        "grid",
        engine.grid_a,
        breach,
        start,
    )
    assert card.reason == "桂园村第1网格超过办理时限（72小时）未办结"
    # Escalated: a new holding at the village, with its own time limit and no card yet.
    assert (matter.level, matter.holder_place, matter.state, matter.overdue, matter.card) == (
        "village",
        engine.village_a,
        "pending",
        False,
        "",
    )
    assert (matter.arrived_at, matter.deadline_at) == (breach, breach + 120 * H)
    events = list(matter.events.order_by("id").values_list("action", "actor", "actor_name", "to_level", "data"))
    assert events[1:] == [
        ("supervise", None, "系统督办", "grid", {"color": "yellow", "supervision": card.pk}),
        ("report_up", None, "系统督办", "village", {"auto": True, "skipped": 0}),
    ]


def test_red_card_at_twice_the_limit_without_escalation(engine):
    matter = record(engine.grid_worker_a, color="blue")  # blue: 168 h at the grid, never auto-escalated
    start = matter.arrived_at
    assert actions.flag_overdue(start + 169 * H) == FlagReport(yellow=1)
    matter.refresh_from_db()
    assert (matter.overdue, matter.card, matter.level) == (True, "yellow", "grid")
    assert actions.flag_overdue(start + 300 * H) == FlagReport()
    assert actions.flag_overdue(start + 336 * H) == FlagReport(red=1)
    matter.refresh_from_db()
    assert (matter.overdue, matter.card, matter.level) == (True, "red", "grid")
    assert list(Supervision.objects.order_by("id").values_list("color", "reason")) == [
        ("yellow", "桂园村第1网格超过办理时限（168小时）未办结"),
        ("red", "桂园村第1网格超过办理时限一倍（336小时）仍未办结"),
    ]


def test_a_job_that_was_down_issues_both_cards_in_one_run(engine):
    matter = record(engine.grid_worker_a, color="blue")
    assert actions.flag_overdue(matter.arrived_at + 1000 * H) == FlagReport(yellow=1, red=1)


def test_flagging_is_idempotent(engine):
    red = record(engine.grid_worker_a, color="red", title="红色纠纷")
    blue = record(engine.grid_worker_a, color="blue", title="蓝色纠纷")
    later = blue.arrived_at + 400 * H
    first = actions.flag_overdue(later)
    counts = (Supervision.objects.count(), MatterEvent.objects.count())
    assert actions.flag_overdue(later) == FlagReport()
    assert (Supervision.objects.count(), MatterEvent.objects.count()) == counts
    # red escalated grid -> village at its first breach; blue got both cards at the grid.
    assert first == FlagReport(yellow=2, red=1, escalated=1)
    assert Matter.objects.get(pk=red.pk).level == "village"


def test_departments_get_cards_but_are_not_escalated(engine):
    matter = record(engine.grid_worker_a, color="red")
    actions.report_up(engine.grid_worker_a, matter, reason="红色，越级", to_level="town")
    actions.route_to_department(engine.town_staff, matter, engine.judicial)
    assert actions.flag_overdue(matter.arrived_at + 121 * H) == FlagReport(yellow=1)
    card = Supervision.objects.get()
    assert (card.level, card.holder_department, card.reason) == (
        "department",
        engine.judicial,
        "寨坝镇司法所超过办理时限（120小时）未办结",
    )
    assert Matter.objects.get(pk=matter.pk).state == "at_department"


def test_closed_matters_are_never_flagged(engine):
    matter = record(engine.grid_worker_a, reporter=ANONYMOUS)
    actions.resolve_on_spot(engine.grid_worker_a, matter, result="现场化解")
    actions.close(engine.grid_worker_a, matter)
    assert actions.flag_overdue(matter.arrived_at + 10000 * H) == FlagReport()


def test_an_edited_rule_applies_to_the_next_arrival(engine):
    DeadlineRule.objects.filter(kind="dispute", color="yellow", level="grid").update(hours=5, auto_escalate=False)
    matter = record(engine.grid_worker_a)
    assert matter.deadline_at == matter.arrived_at + 5 * H
    assert actions.flag_overdue(matter.arrived_at + 6 * H) == FlagReport(yellow=1)


def test_work_queue_overdue_first_then_by_deadline(engine):
    w = engine
    blue = record(w.grid_worker_a, color="blue", title="蓝")  # deadline +168h
    yellow = record(w.grid_worker_a, color="yellow", title="黄")  # +72h
    red = record(w.grid_worker_a, color="red", title="红")  # +24h
    other_grid = record(w.grid_worker_b, household=w.household_b, title="乙网格")
    assert list(queries.work_queue(w.grid_worker_a)) == [red, yellow, blue]
    assert list(queries.work_queue(w.grid_leader_a)) == [red, yellow, blue]
    assert list(queries.work_queue(w.grid_worker_b)) == [other_grid]
    DeadlineRule.objects.update(auto_escalate=False)
    actions.flag_overdue(blue.arrived_at + 100 * H)  # red and yellow are overdue now
    DeadlineRule.objects.filter(kind="dispute", color="blue", level="grid").update(hours=1)
    late = record(w.grid_worker_a, color="blue", title="新登记，时限短")
    assert list(queries.work_queue(w.grid_worker_a)) == [red, yellow, late, blue]
    for user in (w.cluster_leader_a1, w.auditor, w.village_committee, w.town_staff, w.department_liaison):
        assert list(queries.work_queue(user)) == []


def test_work_queue_is_one_query_served_by_the_queue_index(engine, django_assert_num_queries):
    record(engine.grid_worker_a)
    user = User.objects.select_related("place").get(pk=engine.grid_worker_a.pk)
    with django_assert_num_queries(1):
        assert len(list(queries.work_queue(user))) == 1
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a tiny table: show the index can serve filter and order
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_sort = off")
        plan = queries.work_queue(user).explain()
        if connection.vendor == "postgresql":
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")
    assert "matter_unit_queue_idx" in plan
