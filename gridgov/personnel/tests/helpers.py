"""Test helpers for personnel (also used by the coverage tests)."""

import datetime as dt
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.personnel import actions

NOMINATED_ON = dt.date(2026, 3, 1)
REVIEWED_ON = dt.date(2026, 3, 10)
TERM_START = dt.date(2026, 4, 1)
TERM_END = dt.date(2029, 3, 31)


def serve(world, role, place, name, *, actor=None):
    """A person appointed through the whole workflow (nominate, review, appoint)."""
    actor = actor or world.town_staff
    a = actions.nominate(
        actor, place=place, role=role, person_name=name, nominated_by="群众推荐", nominated_on=NOMINATED_ON
    )
    a = actions.review(actor, a, reviewed_on=REVIEWED_ON)
    return actions.appoint(actor, a, term_start=TERM_START, term_end=TERM_END)


def snapshot(obj):
    """Every concrete field of a row as stored now (to compare before and after a refused action)."""
    obj = type(obj).objects.get(pk=obj.pk)
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


# Queries every signed-in request makes before and after the view (the session, the account, the
# API token, savepoints around a session save): not the page's own, and changed by middleware.
REQUEST_OVERHEAD = ('"django_session"', 'FROM "accounts_user"', '"accounts_apitoken"', "SAVEPOINT")


@contextmanager
def assert_page_queries(expected: int):
    """Lock the number of queries a page makes itself, whatever the session middleware does."""
    with CaptureQueriesContext(connection) as ctx:
        yield ctx
    own = [q["sql"] for q in ctx.captured_queries if not any(mark in q["sql"] for mark in REQUEST_OVERHEAD)]
    assert len(own) == expected, f"expected {expected} queries of the page, got {len(own)}:\n" + "\n".join(own)
