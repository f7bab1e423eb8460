"""Recording a visit: the ledger row, the household's visit state, idempotence by client id, refusals."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.core.actions import ActionRefused
from gridgov.visits import actions
from gridgov.visits.models import HouseholdVisitState, Visit, VulnerableMember
from gridgov.visits.tests.conftest import days_ago


def state_of(household) -> tuple:
    s = HouseholdVisitState.objects.get(pk=household.pk)
    return s.last_visited_at, s.visit_count, s.due_on, s.key_due_on, s.has_vulnerable, s.has_key_person


def test_visit_sets_the_households_next_due_date_by_the_default_rule(world):
    visit, created = actions.record_visit(
        world.grid_worker_a,
        actions.VisitInput(household=world.household_a, visited_at=days_ago(10), people_met="王建国", findings="正常"),
    )
    assert created is True
    assert (visit.path, visit.recorded_by, list(visit.visitors.all())) == (
        "520330113201010101",
        world.grid_worker_a,
        [world.grid_worker_a],
    )
    due = timezone.localdate() + dt.timedelta(days=80)
    assert state_of(world.household_a) == (days_ago(10), 1, due, due, False, False)


def test_same_client_uuid_twice_creates_one_visit_and_returns_it(world):
    key = uuid.uuid4()
    data = actions.VisitInput(household=world.household_a, visited_at=days_ago(1), client_uuid=key)
    first, created_first = actions.record_visit(world.grid_worker_a, data)
    again, created_again = actions.record_visit(world.grid_worker_a, data)
    assert (created_first, created_again) == (True, False)
    assert again.pk == first.pk
    assert Visit.objects.filter(client_uuid=key).count() == 1
    assert state_of(world.household_a)[1] == 1  # the count moved once


def test_client_uuid_of_another_scope_is_refused_without_revealing_the_record(world):
    key = uuid.uuid4()
    actions.record_visit(
        world.grid_worker_b, actions.VisitInput(household=world.household_b, visited_at=days_ago(1), client_uuid=key)
    )
    with pytest.raises(ActionRefused, match="该记录ID已被其他记录使用"):
        actions.record_visit(
            world.grid_worker_a,
            actions.VisitInput(household=world.household_a, visited_at=days_ago(1), client_uuid=key),
        )
    assert Visit.objects.count() == 1
    assert not HouseholdVisitState.objects.filter(pk=world.household_a.pk).exists()


def test_grid_worker_cannot_record_a_visit_in_another_grid(world):
    with pytest.raises(ActionRefused, match="该户不在您的管辖范围内"):
        actions.record_visit(
            world.grid_worker_a, actions.VisitInput(household=world.household_b, visited_at=days_ago(1))
        )
    assert Visit.objects.count() == 0
    assert HouseholdVisitState.objects.count() == 0


def test_a_late_upload_of_an_older_visit_does_not_move_the_last_visit_back(world, visit):
    newer = visit(world.grid_worker_a, world.household_a, 2)
    visit(world.grid_worker_a, world.household_a, 20)
    state = HouseholdVisitState.objects.get(pk=world.household_a.pk)
    assert (state.last_visit_id, state.visit_count, state.due_on) == (
        newer.pk,
        2,
        timezone.localdate() + dt.timedelta(days=88),
    )


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (lambda: timezone.now() + dt.timedelta(hours=1), "走访时间不能晚于现在"),
        (lambda: timezone.now() - dt.timedelta(days=400), "走访时间不能早于一年前"),
    ],
)
def test_visit_time_must_be_plausible(world, when, message):
    with pytest.raises(ValidationError, match=message):
        actions.record_visit(world.grid_worker_a, actions.VisitInput(household=world.household_a, visited_at=when()))
    assert Visit.objects.count() == 0


def test_visitors_must_work_where_the_household_is(world):
    data = actions.VisitInput(
        household=world.household_a, visited_at=days_ago(1), visitors=[world.grid_worker_a, world.grid_worker_b]
    )
    with pytest.raises(ValidationError) as info:
        actions.record_visit(world.grid_worker_a, data)
    assert info.value.message_dict == {"visitors": ["网格员乙 的工作范围不包括该户"]}
    assert Visit.objects.count() == 0


def test_village_committee_may_be_a_visitor_with_the_grid_worker(world):
    data = actions.VisitInput(
        household=world.household_a, visited_at=days_ago(1), visitors=[world.grid_worker_a, world.village_committee]
    )
    visit, _ = actions.record_visit(world.grid_worker_a, data)
    assert set(visit.visitors.all()) == {world.grid_worker_a, world.village_committee}


def test_a_check_of_a_vulnerable_member_dates_the_next_check(world):
    member = actions.register_vulnerable(world.grid_worker_a, world.resident_a, category="living_alone")
    assert (member.check_every_days, member.next_check_on) == (7, timezone.localdate())
    actions.record_visit(
        world.grid_worker_a,
        actions.VisitInput(household=world.household_a, visited_at=days_ago(1), vulnerable_member=member),
    )
    member.refresh_from_db()
    assert (member.last_checked_at, member.next_check_on) == (days_ago(1), timezone.localdate() + dt.timedelta(days=6))


def test_vulnerable_member_of_another_household_is_rejected(world):
    member = actions.register_vulnerable(world.town_staff, world.resident_b, category="empty_nest")
    data = actions.VisitInput(household=world.household_a, visited_at=days_ago(1), vulnerable_member=member)
    with pytest.raises(ValidationError, match="所选关爱对象不在该户或已移出"):
        actions.record_visit(world.town_staff, data)
    assert Visit.objects.count() == 0


def test_vulnerable_members_put_the_household_on_the_shorter_cadence(world, visit):
    visit(world.grid_worker_a, world.household_a, 10)
    actions.register_vulnerable(world.grid_worker_a, world.resident_a, category="disabled")
    today = timezone.localdate()
    assert state_of(world.household_a)[2:] == (
        today + dt.timedelta(days=20),
        today + dt.timedelta(days=20),
        True,
        False,
    )
    member = VulnerableMember.objects.get()
    actions.end_vulnerable(world.grid_worker_a, member, reason="随子女迁居")
    assert state_of(world.household_a)[2:] == (
        today + dt.timedelta(days=80),
        today + dt.timedelta(days=80),
        False,
        False,
    )


def test_one_active_record_per_resident_and_group(world):
    actions.register_vulnerable(world.grid_worker_a, world.resident_a, category="living_alone")
    with pytest.raises(ValidationError, match="该居民已在此类关爱对象中"):
        actions.register_vulnerable(world.grid_worker_a, world.resident_a, category="living_alone")
    assert VulnerableMember.objects.count() == 1


def test_cluster_leader_cannot_register_vulnerable_members(world):
    with pytest.raises(ActionRefused):
        actions.register_vulnerable(world.cluster_leader_a1, world.resident_a, category="living_alone")
    assert VulnerableMember.objects.count() == 0


def test_moving_a_household_takes_its_vulnerable_members_along(world):
    from gridgov.households import actions as household_actions

    member = actions.register_vulnerable(world.town_staff, world.resident_a, category="left_behind")
    household_actions.move_household(world.town_staff, world.household_a, grid=world.grid_c, cluster=None)
    member.refresh_from_db()
    assert member.path == world.grid_c.code


def test_a_queue_of_visits_records_each_once_and_moves_each_household_once(world, visit):
    member = actions.register_vulnerable(world.town_staff, world.resident_a, category="living_alone")
    visit(world.town_staff, world.household_b, 50)
    keys = [uuid.uuid4() for _ in range(4)]
    queue = [
        actions.VisitInput(household=world.household_a, visited_at=days_ago(3), client_uuid=keys[0]),
        actions.VisitInput(
            household=world.household_a, visited_at=days_ago(1), client_uuid=keys[1], vulnerable_member=member
        ),
        actions.VisitInput(household=world.household_b, visited_at=days_ago(2), client_uuid=keys[2]),
        actions.VisitInput(household=world.household_b, visited_at=days_ago(9), client_uuid=keys[2]),  # repeat
        actions.VisitInput(household=world.household_b, visited_at=timezone.now() + dt.timedelta(days=1)),
    ]
    outcomes = actions.record_visits(world.town_staff, queue)
    assert [(o.created, type(o.error).__name__ if o.error else None) for o in outcomes] == [
        (True, None),
        (True, None),
        (True, None),
        (False, None),
        (False, "ValidationError"),
    ]
    assert outcomes[3].visit.pk == outcomes[2].visit.pk
    today = timezone.localdate()
    assert state_of(world.household_a)[:3] == (days_ago(1), 2, today + dt.timedelta(days=29))
    assert state_of(world.household_b)[:3] == (days_ago(2), 2, today + dt.timedelta(days=88))
    member.refresh_from_db()
    assert member.next_check_on == today + dt.timedelta(days=6)
    again = actions.record_visits(world.town_staff, queue[:4])
    assert [(o.created, o.visit.pk) for o in again] == [(False, o.visit.pk) for o in outcomes[:4]]
    assert Visit.objects.count() == 4
