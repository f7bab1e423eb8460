from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

# A transactional test elsewhere ends with a flush of every table; the seeded taxonomies come back only
# at the next transactional test, so a module fixture that seeds matters puts them back itself.
SEED_MIGRATIONS = [
    ("gridgov.matters.migrations.0002_seed_categories_and_deadlines", "matters.Category"),
    ("gridgov.keypersons.migrations.0002_seed_categories", "keypersons.KeyPersonCategory"),
    ("gridgov.visits.migrations.0002_seed_default_rule", "visits.VisitRule"),
]


def _taxonomies() -> None:
    import importlib

    from django.apps import apps

    for module_name, model_label in SEED_MIGRATIONS:
        if not apps.get_model(model_label).objects.exists():
            importlib.import_module(module_name).seed(apps, connection.schema_editor())


@pytest.fixture(scope="module")
def zhaiba(django_db_setup, django_db_blocker):
    """The default demo (seed 1, 寨坝镇, its matters and the demo accounts; no activity since 2021), built
    once per test module through the real command inside a transaction that is rolled back afterwards;
    each test runs in a savepoint."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            _taxonomies()
            out = StringIO()
            call_command("seed_demo", "--no-activity", stdout=out)
            # Check the deferred foreign keys once here, not again in every test's teardown.
            connection.check_constraints()
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def zhaiba_activity(django_db_setup, django_db_blocker):
    """寨坝镇 with everything `seed_demo` makes by default: matters and every field app's activity since 2021."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            _taxonomies()
            out = StringIO()
            call_command("seed_demo", stdout=out)
            connection.check_constraints()
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
