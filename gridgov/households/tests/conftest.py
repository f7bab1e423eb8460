import datetime as dt

import pytest

from gridgov.households import actions
from gridgov.testing import new_id_number


@pytest.fixture
def add_households():
    """Register ``n`` households with one member each in a grid (through the real actions)."""

    def _add(user, grid, cluster, n: int, prefix: str = "H-X"):
        made = []
        for i in range(n):
            household = actions.create_household(
                user,
                number=f"{prefix}-{i:03d}",
                grid=grid,
                cluster=cluster,
                address=f"{grid.name}{i + 100}号",
                house_type="commercial",
            )
            actions.add_resident(
                user,
                actions.ResidentInput(
                    name=f"居民{prefix}{i:03d}",
                    id_number=new_id_number(dt.date(1990, 1, 1) + dt.timedelta(days=i)),
                    phone=f"139{i:08d}",
                    relation="householder",
                ),
                household=household,
            )
            made.append(household)
        return made

    return _add
