import pytest

from gridgov.testing import World, build_world, sign_in


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


# Rows that data migrations seed (taxonomies, time limits, default rules). A transactional test
# ends with a flush that empties every table, so the next transactional test puts them back.
SEED_MIGRATIONS = [
    ("gridgov.matters.migrations.0002_seed_categories_and_deadlines", "matters.Category"),
    ("gridgov.keypersons.migrations.0002_seed_categories", "keypersons.KeyPersonCategory"),
    ("gridgov.visits.migrations.0002_seed_default_rule", "visits.VisitRule"),
]


@pytest.fixture(autouse=True)
def _seeded_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps
    from django.db import connection

    for module_name, model_label in SEED_MIGRATIONS:
        if not apps.get_model(model_label).objects.exists():
            importlib.import_module(module_name).seed(apps, connection.schema_editor())
