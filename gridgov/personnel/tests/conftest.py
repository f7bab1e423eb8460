import pytest

from gridgov.accounts.choices import Role
from gridgov.personnel import actions
from gridgov.personnel.choices import AppointmentRole
from gridgov.personnel.tests.helpers import NOMINATED_ON, REVIEWED_ON, TERM_END, TERM_START
from gridgov.testing import make_user


@pytest.fixture
def grid_leader_a(world):
    return make_user("leader_a", Role.GRID_LEADER, world.grid_a, display_name="网格长甲")


@pytest.fixture
def nominated(world):
    """A grid worker nomination for grid A, put forward by residents through the village committee."""
    return actions.nominate(
        world.village_committee,
        place=world.grid_a,
        role=AppointmentRole.GRID_WORKER,
        person_name="赵小红",
        nominated_by="群众推荐",
        nominated_on=NOMINATED_ON,
    )


@pytest.fixture
def reviewed(world, nominated):
    return actions.review(world.village_committee, nominated, note="同意", reviewed_on=REVIEWED_ON)


@pytest.fixture
def appointed(world, reviewed):
    return actions.appoint(world.village_committee, reviewed, term_start=TERM_START, term_end=TERM_END)
