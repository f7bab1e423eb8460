import pytest

from gridgov.testing import PASSWORD, World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def login(client):
    """Sign a test client in as a user, through the real login form."""

    def _login(user, c=None):
        c = c or client
        response = c.post("/login/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.content.decode()[:500]
        return c

    return _login


def pytest_collection_modifyitems(items):
    """Transactional tests restore the migrated data (seeded taxonomies) instead of losing it.

    A transactional test ends with a flush, which would wipe rows that data migrations seed
    (matter categories, deadline rules, key-population categories) for every later test, and
    re-run post_migrate, which clashes with serialized restores. With serialized_rollback on
    all of them, each starts from the migrated database and none re-runs post_migrate.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}), append=False)
