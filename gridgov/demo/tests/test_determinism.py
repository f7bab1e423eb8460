"""The same --seed builds the same town; another seed builds other people in the same structure."""

from io import StringIO

from django.core.management import call_command
from django.db import transaction

from gridgov.demo.build import DEMO_TOWN, build_town
from gridgov.demo.queries import demo_digest
from gridgov.demo.seed import villages_of, xishui_towns


def seed_and_digest(seed: str) -> str:
    with transaction.atomic():
        call_command("seed_demo", "--seed", seed, "--no-accounts", stdout=StringIO())
        digest = demo_digest(DEMO_TOWN)
        transaction.set_rollback(True)
    return digest


def test_same_seed_builds_the_same_town_twice(db):
    first = seed_and_digest("7")
    assert first == seed_and_digest("7")


def test_another_seed_builds_other_people_with_the_same_figures():
    towns = xishui_towns()
    town = next(t for t in towns if t.code == DEMO_TOWN)
    ordinal = towns.index(town)
    one, two = (build_town(seed, town, villages_of(DEMO_TOWN), ordinal, ordinal) for seed in (1, 2))
    assert [p.name for p in one.people[:50]] != [p.name for p in two.people[:50]]
    for data in (one, two):
        counts = data.counts()
        assert (counts["grids"], counts["party_groups"], counts["chat_groups"], counts["patrol_teams"]) == (
            114, 32, 120, 13,
        )  # fmt: skip
