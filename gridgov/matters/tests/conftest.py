import pytest

from gridgov.matters.tests.helpers import Engine, build_engine


@pytest.fixture
def engine(world) -> Engine:
    return build_engine(world)
