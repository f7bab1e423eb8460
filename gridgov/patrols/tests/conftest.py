import datetime as dt

import pytest
from django.utils import timezone

from gridgov.patrols import actions
from gridgov.personnel import actions as personnel_actions
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def member(team, name: str, status: str = AppointmentStatus.APPOINTED) -> Appointment:
    return Appointment.objects.create(
        path=team.path,
        place=team.place,
        role=AppointmentRole.PATROL_MEMBER,
        person_name=name,
        patrol_team=team,
        status=status,
        nominated_on=days_ago(400),
    )


@pytest.fixture
def team(world):
    """桂园村治安巡逻队 (village A) patrolling grids A and C, with two members in office."""
    team = personnel_actions.register_patrol_team(
        world.town_staff, place=world.village_a, name="桂园村治安巡逻队", grids=[world.grid_a, world.grid_c]
    )
    team.member_list = [member(team, "张大力"), member(team, "刘明")]
    return team


@pytest.fixture
def team_b(world):
    """永盛村治安巡逻队 (village B) patrolling grid B."""
    team = personnel_actions.register_patrol_team(
        world.town_staff, place=world.village_b, name="永盛村治安巡逻队", grids=[world.grid_b]
    )
    team.member_list = [member(team, "陈强")]
    return team


@pytest.fixture
def patrol():
    def _patrol(user, team, route, n_days_ago: int = 1, **extra):
        extra.setdefault("duration_minutes", 120)
        data = actions.PatrolInput(team=team, date=days_ago(n_days_ago), route=list(route), **extra)
        return actions.record_patrol(user, data)[0]

    return _patrol
