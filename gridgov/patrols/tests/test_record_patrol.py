"""Recording patrols: who may, what a route and the members must be, and the path that scopes a patrol."""

import uuid

import pytest
from django.core.exceptions import ValidationError

from gridgov.core.actions import ActionRefused
from gridgov.patrols import actions
from gridgov.patrols.models import Patrol
from gridgov.patrols.tests.conftest import days_ago, member
from gridgov.personnel.choices import AppointmentStatus


def test_village_records_a_night_patrol_through_two_grids_scoped_to_their_group(world, team, patrol):
    made = patrol(
        world.village_committee,
        team,
        [world.grid_c, world.grid_a],
        members=team.member_list,
        others="民警小王",
        headcount=3,
        findings="村口废品站堆放杂物，有火灾隐患",
    )
    assert (made.path, made.shift, made.headcount, made.recorded_by) == (
        world.group_a.code,
        "night",
        3,
        world.village_committee,
    )
    assert list(made.route.order_by("code")) == [world.grid_a, world.grid_c]
    assert sorted(made.members.values_list("person_name", flat=True)) == ["刘明", "张大力"]


def test_route_path_is_the_lowest_place_containing_every_grid():
    assert actions.route_path(["5203301132010101"]) == "5203301132010101"
    assert actions.route_path(["5203301132010101", "5203301132010102"]) == "52033011320101"
    assert actions.route_path(["5203301132010101", "5203301132020101"]) == "520330113"


def test_headcount_defaults_to_the_members_present(world, team, patrol):
    made = patrol(world.grid_worker_a, team, [world.grid_a], members=team.member_list)
    assert (made.path, made.headcount) == (world.grid_a.code, 2)


def test_grid_worker_records_their_village_team_only_through_their_own_grid(world, team, patrol):
    with pytest.raises(ValidationError) as caught:
        patrol(world.grid_worker_a, team, [world.grid_a, world.grid_c], headcount=2)
    assert caught.value.message_dict == {"route": ["桂园村第2网格 不在您的管辖范围内"]}
    assert Patrol.objects.count() == 0


def test_route_outside_the_team_area_is_refused(world, team, patrol):
    with pytest.raises(ValidationError) as caught:
        patrol(world.town_staff, team, [world.grid_b], headcount=2)
    assert caught.value.message_dict == {"route": ["永盛村第1网格 不在该巡逻队的巡逻范围内"]}
    assert Patrol.objects.count() == 0


def test_members_must_be_in_office_in_the_team(world, team, team_b, patrol):
    gone = member(team, "老赵", status=AppointmentStatus.ENDED)
    for wrong in (gone, team_b.member_list[0]):
        with pytest.raises(ValidationError) as caught:
            patrol(world.town_staff, team, [world.grid_a], members=[wrong])
        assert list(caught.value.message_dict) == ["members"]
    assert Patrol.objects.count() == 0


def test_nobody_present_is_refused(world, team, patrol):
    with pytest.raises(ValidationError) as caught:
        patrol(world.town_staff, team, [world.grid_a])
    assert caught.value.message_dict == {"headcount": ["请选择参加的队员或填写参加人数"]}


def test_future_date_and_zero_duration_are_refused(world, team):
    data = actions.PatrolInput(
        team=team, date=days_ago(-1), duration_minutes=0, route=[world.grid_a], members=team.member_list
    )
    with pytest.raises(ValidationError) as caught:
        actions.record_patrol(world.town_staff, data)
    assert sorted(caught.value.message_dict) == ["date", "duration_minutes"]
    assert Patrol.objects.count() == 0


@pytest.mark.parametrize("who", ["cluster_leader_a1", "department_liaison", "auditor"])
def test_accounts_that_do_not_log_patrols_are_refused(world, team, patrol, who):
    with pytest.raises(ActionRefused):
        patrol(getattr(world, who), team, [world.grid_a], headcount=2)
    assert Patrol.objects.count() == 0


def test_grid_worker_cannot_log_for_another_village_team(world, team_b, patrol):
    with pytest.raises(ActionRefused) as caught:
        patrol(world.grid_worker_a, team_b, [world.grid_b], headcount=2)
    assert str(caught.value) == "该巡逻队不在您的管辖范围内"
    assert Patrol.objects.count() == 0


def test_same_client_uuid_records_once(world, team, patrol):
    key = uuid.uuid4()
    first = patrol(world.grid_worker_a, team, [world.grid_a], headcount=2, client_uuid=key)
    again = patrol(world.grid_worker_a, team, [world.grid_a], headcount=5, client_uuid=key, findings="other")
    assert again.pk == first.pk and again.headcount == 2
    assert Patrol.objects.count() == 1


def test_client_uuid_of_a_record_outside_scope_is_refused(world, team, team_b, patrol):
    key = uuid.uuid4()
    patrol(world.grid_worker_b, team_b, [world.grid_b], headcount=2, client_uuid=key)
    with pytest.raises(ActionRefused):
        patrol(world.grid_worker_a, team, [world.grid_a], headcount=2, client_uuid=key)
    assert Patrol.objects.count() == 1
