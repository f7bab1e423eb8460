import pytest

from gridgov.testing import World, build_world, restore_migration_seeds, sign_in


def pytest_configure(config):
    """A transactional test ends with a flush that empties every table. The audit log's triggers refuse that (the
    application never empties it), so the flush runs with them lifted and puts them back after."""
    from django.test import TransactionTestCase

    from gridgov.audit.guard import suspended

    flush = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        with suspended():
            flush(self)

    TransactionTestCase._fixture_teardown = _fixture_teardown


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def login(client):
    """Sign a test client in as a user, through the real sign-in pages (password, then code when asked)."""

    def _login(user, c=None):
        c = c or client
        sign_in(c, user)
        return c

    return _login


# A transactional test ends with a flush that empties every table, so the next transactional test puts back
# what the data migrations seeded.
@pytest.fixture(autouse=True)
def _seeded_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    restore_migration_seeds()
