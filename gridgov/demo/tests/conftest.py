from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from gridgov.testing import restore_migration_seeds


@pytest.fixture(scope="module")
def zhaiba(django_db_setup, django_db_blocker):
    """The default demo (seed 1, 寨坝镇, its matters and the demo accounts; no activity since 2021), built
    once per test module through the real command inside a transaction that is rolled back afterwards;
    each test runs in a savepoint."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            restore_migration_seeds()  # a transactional test elsewhere may have flushed them, and none ran since
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
            restore_migration_seeds()  # a transactional test elsewhere may have flushed them, and none ran since
            out = StringIO()
            call_command("seed_demo", stdout=out)
            connection.check_constraints()
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
