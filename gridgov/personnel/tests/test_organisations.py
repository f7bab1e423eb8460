"""Party groups (one per grid or one for several), patrol teams with members, chat groups per grid."""

import pytest
from django.core.exceptions import ValidationError

from gridgov.personnel import actions
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment, ChatGroup, PartyGroup, PatrolTeam
from gridgov.personnel.tests.helpers import NOMINATED_ON, REVIEWED_ON, TERM_START


def test_one_party_group_may_cover_several_grids_of_a_village(world):
    group = actions.register_party_group(
        world.village_committee,
        village=world.village_a,
        name="桂园村第一党小组",
        grids=[world.grid_c, world.grid_a],
        leader_name="刘党",
    )
    group = PartyGroup.objects.get(pk=group.pk)
    assert (group.path, group.village_id, group.name, group.leader_name) == (
        world.village_a.code,
        world.village_a.pk,
        "桂园村第一党小组",
        "刘党",
    )
    assert sorted(group.grids.values_list("code", flat=True)) == [world.grid_a.code, world.grid_c.code]


def test_a_grid_belongs_to_at_most_one_party_group(world):
    actions.register_party_group(world.village_committee, village=world.village_a, name="一组", grids=[world.grid_a])
    with pytest.raises(ValidationError) as exc:
        actions.register_party_group(
            world.village_committee, village=world.village_a, name="二组", grids=[world.grid_c, world.grid_a]
        )
    assert exc.value.message_dict == {"grids": ["以下网格已属于其他党小组：桂园村第1网格（一组）"]}
    assert list(PartyGroup.objects.values_list("name", flat=True)) == ["一组"]


def test_party_group_grids_must_lie_in_its_village(world):
    with pytest.raises(actions.ActionRefused):  # grid B is in another village, outside the committee's area
        actions.register_party_group(world.village_committee, village=world.village_a, name="x", grids=[world.grid_b])
    with pytest.raises(ValidationError) as exc:
        actions.register_party_group(world.town_staff, village=world.village_a, name="x", grids=[world.grid_b])
    assert exc.value.message_dict == {"grids": ["永盛村第1网格 不在桂园村内"]}
    assert PartyGroup.objects.count() == 0


def test_grid_worker_cannot_register_a_party_group(world):
    with pytest.raises(actions.ActionRefused):
        actions.register_party_group(world.grid_worker_a, village=world.village_a, name="x", grids=[world.grid_a])
    assert PartyGroup.objects.count() == 0


def test_patrol_team_members_are_patrol_member_appointments(world):
    team = actions.register_patrol_team(
        world.town_staff, place=world.town, name="寨坝镇第一巡逻队", grids=[world.grid_a, world.grid_b]
    )
    member = actions.add_patrol_member(
        world.town_staff, team, person_name="孙巡", nominated_by="派出所推荐", nominated_on=NOMINATED_ON
    )
    member = Appointment.objects.get(pk=member.pk)
    assert (member.role, member.place_id, member.path, member.patrol_team_id, member.status) == (
        AppointmentRole.PATROL_MEMBER,
        world.town.pk,
        world.town.code,
        team.pk,
        AppointmentStatus.NOMINATED,
    )
    actions.appoint(
        world.town_staff, actions.review(world.town_staff, member, reviewed_on=REVIEWED_ON), term_start=TERM_START
    )
    team = PatrolTeam.objects.get(pk=team.pk)
    assert list(team.members.filter(status=AppointmentStatus.APPOINTED).values_list("person_name", flat=True)) == [
        "孙巡"
    ]
    assert sorted(team.grids.values_list("code", flat=True)) == [world.grid_a.code, world.grid_b.code]


def test_patrol_team_belongs_to_a_town_or_village(world):
    with pytest.raises(ValidationError) as exc:
        actions.register_patrol_team(world.town_staff, place=world.grid_a, name="x")
    assert exc.value.message_dict == {"place": ["巡逻队应登记在乡镇或村（社区）"]}
    assert PatrolTeam.objects.count() == 0


def test_only_patrol_members_join_a_team(world):
    team = actions.register_patrol_team(world.village_committee, place=world.village_a, name="桂园村巡逻队")
    with pytest.raises(ValidationError) as exc:
        actions.nominate(
            world.village_committee,
            place=world.village_a,
            role=AppointmentRole.MEDIATOR,
            person_name="某人",
            nominated_by="x",
            patrol_team=team,
        )
    assert exc.value.message_dict == {"patrol_team": ["只有巡逻队员可以编入巡逻队"]}
    assert Appointment.objects.count() == 0


def test_chat_group_is_registered_per_grid_by_its_workers(world):
    group = actions.register_chat_group(
        world.grid_worker_a, grid=world.grid_a, name="桂园一网格好邻居群", owner_name="网格员甲", member_count=86
    )
    group = ChatGroup.objects.get(pk=group.pk)
    assert (group.path, group.grid_id, group.name, group.owner_name, group.member_count) == (
        world.grid_a.code,
        world.grid_a.pk,
        "桂园一网格好邻居群",
        "网格员甲",
        86,
    )


def test_chat_group_refused_for_another_grid_and_for_cluster_leaders(world):
    with pytest.raises(actions.ActionRefused):
        actions.register_chat_group(world.grid_worker_a, grid=world.grid_b, name="x")
    with pytest.raises(actions.ActionRefused):
        actions.register_chat_group(world.cluster_leader_a1, grid=world.grid_a, name="x")
    with pytest.raises(ValidationError):
        actions.register_chat_group(world.village_committee, grid=world.village_a, name="x")
    assert ChatGroup.objects.count() == 0
