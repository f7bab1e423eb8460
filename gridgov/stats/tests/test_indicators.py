"""Every indicator of the catalogue, on the demo town with its activity since 2021: its value (answered from
the rollups where they are kept, from the records below a village) equals a count written here over the raw
rows, for four places (county, town, village, grid) and two periods (since 2021; a few weeks across two
months), every rate is its ratio, and the record list the figure links to shows the same total."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import Count
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.cleanups.models import CleanupRound
from gridgov.deeds.models import Deed
from gridgov.demo.tests.conftest import zhaiba_activity  # noqa: F401  (the demo town and its activity, once)
from gridgov.households.models import Household
from gridgov.keypersons.models import KeyPerson
from gridgov.matters.forms import ListFilters, apply_filters
from gridgov.matters.models import Feedback, Matter, Supervision
from gridgov.patrols.models import Patrol
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place
from gridgov.publicity.models import PublicityEvent
from gridgov.stats import actions, engine, queries
from gridgov.stats.catalogue import INDICATORS, RATES
from gridgov.stats.periods import Period, day_start
from gridgov.testing import force_verified_login
from gridgov.visits.models import Visit

TOWN, VILLAGE, GRID, COUNTY = "520330113", "520330113201", "5203301132010101", "520330"
TODAY = timezone.localdate()
PERIODS = [Period(dt.date(2021, 1, 1), TODAY), Period(TODAY - dt.timedelta(days=45), TODAY - dt.timedelta(days=3))]
DONE = {"resolved", "closed"}


@pytest.fixture(scope="module")
def built(zhaiba_activity, django_db_blocker):  # noqa: F811
    with django_db_blocker.unblock():
        actions.rebuild()
    return zhaiba_activity


def _matter_rows(code: str, period: Period | None) -> list[dict]:
    qs = Matter.objects.within(code).exclude(state="merged")
    if period is not None:
        qs = qs.filter(created_at__gte=day_start(period.since), created_at__lt=day_start(period.end))
    rows = list(qs.values("id", "kind", "state", "channel", "level", "holder_department_id", "is_open", "overdue"))
    late = set(Supervision.objects.filter(issued_by__isnull=True).values_list("matter_id", flat=True))
    verdict = {}
    for matter_id, value in Feedback.objects.order_by("id").values_list("matter_id", "verdict"):
        verdict[matter_id] = value  # the latest
    for row in rows:
        row["late"] = row["id"] in late
        row["verdict"] = verdict.get(row["id"], "")
        row["done"] = row["state"] in DONE
    return rows


def raw(code: str, place: str, period: Period) -> int:
    """The figure counted here, over the raw rows, without the statistics' code."""
    rows = _matter_rows(place, period)
    by_kind = defaultdict(int)
    for r in rows:
        if r["done"]:
            by_kind[r["kind"]] += 1
    dates = {"since": period.since, "until": period.until}
    matters = {
        "received": len(rows),
        "resolved": sum(r["done"] for r in rows),
        "on_time": sum(r["done"] and not r["late"] for r in rows),
        "resolved_in_village": sum(
            r["done"] and r["holder_department_id"] is None and r["level"] in ("grid", "village") for r in rows
        ),
        "feedback_given": sum(r["verdict"] in ("accepted", "rejected") for r in rows),
        "feedback_accepted": sum(r["verdict"] == "accepted" for r in rows),
        "overdue_now": sum(r["is_open"] and r["overdue"] for r in _matter_rows(place, None)),
        "disputes_resolved": by_kind["dispute"],
        "appeals_resolved": by_kind["appeal"],
        "environment_resolved": by_kind["environment"],
        "hardships_resolved": by_kind["hardship"],
        "hazards_resolved": by_kind["hazard"],
        "appeals_found_resolved": sum(r["done"] and r["kind"] == "appeal" and r["channel"] == "visit" for r in rows),
    }
    if code in matters:
        return matters[code]
    visits = Visit.objects.within(place).filter(
        visited_at__gte=day_start(period.since), visited_at__lt=day_start(period.end)
    )
    persons = KeyPerson.objects.within(place).filter(enlisted_on__gte=period.since, enlisted_on__lte=period.until)
    patrols = Patrol.objects.within(place).filter(date__gte=dates["since"], date__lte=dates["until"])
    others = {
        "visits": lambda: visits.count(),
        "door_visits": lambda: visits.filter(mode="door").count(),
        "night_patrols": lambda: patrols.filter(shift="night").count(),
        "patrols": lambda: patrols.count(),
        "key_persons": lambda: persons.count(),
        "key_person_categories": lambda: persons.aggregate(n=Count("category", distinct=True))["n"],
        "deeds": lambda: (
            Deed.objects.within(place).filter(done_on__gte=period.since, done_on__lte=period.until).count()
        ),
        "publicity_events": lambda: (
            PublicityEvent.objects.within(place).filter(held_on__gte=period.since, held_on__lte=period.until).count()
        ),
        "cleanup_rounds": lambda: (
            CleanupRound.objects.within(place).filter(held_on__gte=period.since, held_on__lte=period.until).count()
        ),
        "grid_leaders": lambda: (
            Appointment.objects.within(place).filter(role="grid_leader", status="appointed").count()
        ),
        "grid_workers": lambda: (
            Appointment.objects.within(place).filter(role="grid_worker", status="appointed").count()
        ),
        "households": lambda: Household.objects.within(place).count(),
    }
    return others[code]()


def _user(place: str, grant: bool) -> User:
    if place == COUNTY:
        return User.objects.get(username="county")
    return User.objects.get(username="keypop" if grant else "town")


def _listed_total(client: Client, url: str, attribute: str = "total") -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    found = re.search(rf'data-{attribute}="(\d+)"', response.content.decode())
    assert found, url
    return int(found.group(1))


def test_the_rollups_are_in_use(built, db):
    assert engine.rollups_current()
    assert engine.count("matters", TOWN, PERIODS[0], rollups=True) == engine.count("matters", TOWN, PERIODS[0])


@pytest.mark.parametrize("period", PERIODS, ids=["since_2021", "weeks"])
@pytest.mark.parametrize("place", [COUNTY, TOWN, VILLAGE, GRID])
def test_every_indicator_equals_the_raw_count_and_its_list_shows_it(built, db, place, period):
    client = Client()
    checked = 0
    for ind in INDICATORS:
        if ind.grant and place == COUNTY:
            continue  # the county's staff hold no key-population grant in the demo
        user = _user(place, bool(ind.grant))
        figure = queries.figures(user, Place.objects.get(code=place), period, [ind.code])[ind.code]
        assert figure.value == raw(ind.code, place, period), (ind.code, place, period)
        if figure.url:
            force_verified_login(client, user)
            attribute = "categories" if ind.distinct == "category" else "total"  # 共 N 人，涉及 M 类
            assert _listed_total(client, figure.url, attribute) == figure.value, (ind.code, place, figure.url)
            if ind.list_name == "matters:list":  # the list's own rows, filtered by the link, are the figure's
                query = QueryDict(urlsplit(figure.url).query)
                values = ListFilters(query).values()
                assert apply_filters(Matter.objects.for_user(user), values).count() == figure.value
        checked += 1
    assert checked >= len(INDICATORS) - (2 if place == COUNTY else 0)


@pytest.mark.parametrize("period", PERIODS, ids=["since_2021", "weeks"])
def test_every_rate_is_its_ratio(built, db, period):
    user = _user(TOWN, False)
    town = Place.objects.get(code=TOWN)
    found = queries.figures(user, town, period, [r.code for r in RATES])
    for rate in RATES:
        numerator, denominator = raw(rate.numerator, TOWN, period), raw(rate.denominator, TOWN, period)
        expected = None if not denominator else round(100 * numerator / denominator, 1)
        assert found[rate.code].value == expected, rate.code


def test_the_demo_town_states_the_first_articles_figures_since_2021(built, db):
    user = User.objects.get(username="keypop")
    town = Place.objects.get(code=TOWN)
    said = {s.code: s for s in queries.statements(user, town, PERIODS[0])}
    assert said["visits"].text == "入户走访8,736次" and said["visits"].rounded == "8,700余次"
    assert said["night_patrols"].text == "夜间巡逻726次"
    assert said["key_persons"].text == "摸排稳控13类重点人员706人"
    assert said["appeals_found_resolved"].text == "发现并解决群众诉求140条"
    assert said["deeds"].text == "为群众办实事308件"
    assert [s for s in said if s in ("disputes_resolved", "publicity_events")] == [
        "disputes_resolved",
        "publicity_events",
    ]


def test_a_list_link_names_the_place_the_period_and_the_filters(built, db):
    user = User.objects.get(username="town")
    village = Place.objects.get(code=VILLAGE)
    url = queries.figures(user, village, PERIODS[1], ["appeals_found_resolved"])["appeals_found_resolved"].url
    path, query = url.split("?")
    assert path == "/matters/"
    assert parse_qs(query) == {
        "place": [VILLAGE],
        "since": [PERIODS[1].since.isoformat()],
        "until": [PERIODS[1].until.isoformat()],
        "kind": ["appeal"],
        "channel": ["visit"],
        "state": ["done"],
    }
