import datetime as dt

import pytest
from django.utils import timezone

from gridgov.accounts.choices import Role
from gridgov.keypersons import actions
from gridgov.keypersons.models import KeyPersonCategory
from gridgov.testing import make_user


def days_ago(n: int, hour: int = 0) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=n)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def grant(user):
    user.may_view_key_population = True
    user.save(update_fields=["may_view_key_population"])
    return user


@pytest.fixture
def officer(world):
    """The town's key-population officer: governance-centre staff holding the grant."""
    return make_user(
        "town_kp", Role.CENTER_STAFF, world.town, display_name="镇重点人群专干", may_view_key_population=True
    )


@pytest.fixture
def leader_a(world):
    """Grid A's leader holding the grant: the responsible person (包保责任人) of grid A's key persons."""
    return make_user("leader_a", Role.GRID_LEADER, world.grid_a, display_name="网格长甲", may_view_key_population=True)


@pytest.fixture
def drug_users():
    return KeyPersonCategory.objects.get(code="drug_user")  # 7 / 15 / 30 days


@pytest.fixture
def enlist(officer):
    def _enlist(resident, category, color="blue", *, responsible=None, days_ago_=0, measures="每周见面一次"):
        return actions.enlist(
            officer,
            actions.EnlistInput(
                resident=resident,
                category=category,
                color=color,
                responsible=responsible,
                control_measures=measures,
                enlisted_on=timezone.localdate() - dt.timedelta(days=days_ago_),
            ),
        )

    return _enlist


@pytest.fixture
def follow_up():
    def _follow_up(user, person, n_days_ago=0, whereabouts="at_home", **extra):
        data = actions.FollowUpInput(followed_up_at=days_ago(n_days_ago), whereabouts=whereabouts, **extra)
        return actions.record_follow_up(user, person, data)[0]

    return _follow_up
