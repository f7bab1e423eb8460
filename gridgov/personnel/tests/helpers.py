"""Test helpers for personnel (also used by the coverage tests)."""

import datetime as dt

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
