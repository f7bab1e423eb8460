import pytest

from gridgov.keypersons.tests.conftest import drug_users, enlist, follow_up, officer  # noqa: F401
from gridgov.matters.tests.helpers import Engine, build_engine


@pytest.fixture
def engine(world) -> Engine:
    return build_engine(world)


@pytest.fixture(autouse=True)
def export_in_request(settings):
    """Run exports in the request: the test's transaction is invisible to a background thread's connection."""
    settings.GRIDGOV_IMPORT_BACKGROUND = False
