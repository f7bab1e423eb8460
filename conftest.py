import threading
import time

import pytest

from gridgov.testing import World, build_world, restore_migration_seeds, sign_in

# Threads of the live server (pytest-django's, for the browser tests) answering a request right now.
_serving: set[int] = set()


def _request_started(**kwargs) -> None:
    if threading.current_thread() is not threading.main_thread():  # the test client answers in the test's thread
        _serving.add(threading.get_ident())


def _request_finished(**kwargs) -> None:
    _serving.discard(threading.get_ident())


def wait_for_live_server(timeout: float = 30.0) -> None:
    """Until the live server has answered every request it took. A browser test can end while the page still
    loads something (a service worker's fetch, a refresh after an upload); the flush that follows would run while
    that request reads or writes: on PostgreSQL a deadlock between its locks and the TRUNCATE's, on SQLite in
    memory (one connection shared with the server) 'database table is locked'. Either way the flush failed, and
    the next test started on the rows left behind."""
    deadline = time.monotonic() + timeout
    while _serving and time.monotonic() < deadline:
        time.sleep(0.02)


def pytest_configure(config):
    """A transactional test ends with a flush that empties every table. The audit log's triggers refuse that (the
    application never empties it), so the flush runs with them lifted and puts them back after; and it waits for
    the live server's requests first."""
    from django.core.signals import request_finished, request_started
    from django.test import TransactionTestCase

    from gridgov.audit.guard import suspended

    request_started.connect(_request_started, dispatch_uid="conftest-serving")
    request_finished.connect(_request_finished, dispatch_uid="conftest-serving")
    flush = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        wait_for_live_server()
        with suspended():
            flush(self)

    TransactionTestCase._fixture_teardown = _fixture_teardown


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, no autovacuum in the test database. A test's rows are never committed, and a VACUUM that
    runs while a test holds thousands of uncommitted rows in a table records the table as holding none (such
    rows are not counted); the planner then joins those rows by nested loops. Which test that hits depends on
    what ran before: the 100,000-row ledger export (20 s) was stopped after 21 minutes, the demo determinism test
    (13 s) took 5.5 minutes. A deployment commits its loads, and autovacuum analyzes them afterwards."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(AUTOVACUUM_OFF)


AUTOVACUUM_OFF = """DO $$
DECLARE t regclass;
BEGIN
    FOR t IN SELECT oid FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace LOOP
        EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = off)', t);
    END LOOP;
END
$$"""


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


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium (never a downloaded one), headless, no network beyond the live server; one per module.

    Playwright's sync API runs an event loop in the test's thread, which makes Django refuse database access from
    it; the browser tests set their data up before the browser starts and read it back through helpers that close
    the connection they opened."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield chromium
        finally:
            chromium.close()
