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
