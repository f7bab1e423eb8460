from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction


@pytest.fixture(scope="module")
def zhaiba(django_db_setup, django_db_blocker):
    """The default demo (seed 1, 寨坝镇 and the demo accounts), built once per test module through the
    real command inside a transaction that is rolled back afterwards; each test runs in a savepoint."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = StringIO()
            call_command("seed_demo", stdout=out)
            # Check the deferred foreign keys once here, not again in every test's teardown.
            connection.check_constraints()
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
