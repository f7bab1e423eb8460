import pytest


@pytest.fixture(autouse=True)
def import_in_request(settings):
    """Run imports in the request: the test's transaction is invisible to a background thread's connection."""
    settings.GRIDGOV_IMPORT_BACKGROUND = False
