import datetime as dt

import pytest
from django.utils import timezone

from gridgov.households import actions as household_actions
from gridgov.visits import actions


def days_ago(n: int, hour: int = 0) -> dt.datetime:
    """``n`` local days before today at ``hour`` local time (midnight by default: today is never in the future)."""
    day = timezone.localdate() - dt.timedelta(days=n)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def visit():
    def _visit(user, household, n_days_ago: int = 0, **extra):
        data = actions.VisitInput(household=household, visited_at=days_ago(n_days_ago), **extra)
        return actions.record_visit(user, data)[0]

    return _visit


@pytest.fixture
def add_households():
    """Register ``n`` households in a grid (through the real actions), numbered ``prefix-000``..."""

    def _add(user, grid, cluster, n: int, prefix: str):
        return [
            household_actions.create_household(
                user,
                number=f"{prefix}-{i:03d}",
                grid=grid,
                cluster=cluster,
                address=f"{grid.name}{i + 100}号",
                house_type="self_built",
            )
            for i in range(n)
        ]

    return _add
