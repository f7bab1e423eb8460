"""The cockpit's reads (`gridgov.stats.queries`) against raw counts on the demo town, the figures page and the
figures API: scope (404 outside), the key-population grant (without it no trace), periods and their errors."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict

import pytest
from django.test import Client
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.demo.tests.conftest import zhaiba_activity  # noqa: F401
from gridgov.households.models import Household
from gridgov.keypersons.models import KeyPerson
from gridgov.matters.models import Matter
from gridgov.places.models import Place
from gridgov.stats import actions, queries
from gridgov.stats.periods import Period, day_start, next_month
from gridgov.testing import force_verified_login
from gridgov.visits.models import HouseholdVisitState, Visit

TOWN, VILLAGE = "520330113", "520330113201"
TODAY = timezone.localdate()
YEAR = Period(TODAY - dt.timedelta(days=364), TODAY)
DONE = {"resolved", "closed"}


@pytest.fixture(scope="module")
def built(zhaiba_activity, django_db_blocker):  # noqa: F811
    with django_db_blocker.unblock():
        actions.rebuild()
    return zhaiba_activity


def town_user(name="town") -> User:
    return User.objects.get(username=name)


def matters(code=TOWN, period=YEAR):
    return (
        Matter.objects.within(code)
        .exclude(state="merged")
        .filter(created_at__gte=day_start(period.since), created_at__lt=day_start(period.end))
    )


def test_kpis_are_the_town_figures_in_order(built, db):
    found = queries.kpis(town_user(), Place.objects.get(code=TOWN), YEAR)
    assert [f.code for f in found] == list(queries.KPI_CODES)
    qs = matters()
    received, resolved = qs.count(), qs.filter(state__in=DONE).count()
    assert (found[0].value, found[1].value) == (received, resolved)
    assert found[2].value == round(100 * resolved / received, 1) and found[2].text.endswith("%")


def test_the_trend_gives_each_month_received_and_resolved(built, db):
    points = queries.trend(town_user(), Place.objects.get(code=TOWN), YEAR)
    assert [p.month for p in points] == YEAR.months()
    for point in points:
        start, end = max(point.month, YEAR.since), min(next_month(point.month), YEAR.end)
        qs = matters(period=Period(start, end - dt.timedelta(days=1)))
        assert (point.received, point.resolved) == (qs.count(), qs.filter(state__in=DONE).count()), point.month
    assert sum(p.received for p in points) == matters().count()


@pytest.mark.parametrize("dim", queries.BREAKDOWNS)
def test_each_breakdown_counts_the_records(built, db, dim):
    slices = queries.breakdown(town_user(), Place.objects.get(code=TOWN), YEAR, dim)
    field = "category_id" if dim == "category" else dim
    expected = Counter(matters().values_list(field, flat=True))
    assert {s.key: s.received for s in slices} == {str(k): n for k, n in expected.items()}
    assert [s.received for s in slices] == sorted((s.received for s in slices), reverse=True)
    done = Counter(matters().filter(state__in=DONE).values_list(field, flat=True))
    assert {s.key: s.resolved for s in slices} == {str(k): done.get(k, 0) for k in expected}
    assert all(s.label for s in slices)


def test_the_ranking_has_every_village_with_its_own_figures(built, db):
    town = Place.objects.get(code=TOWN)
    rows = queries.ranking(town_user(), town, YEAR)
    assert [r.code for r in rows] == list(
        Place.objects.filter(parent=town).order_by("code").values_list("code", flat=True)
    )
    for row in rows:
        qs = matters(row.code)
        assert row.figures["received"].value == qs.count(), row.code
        assert row.figures["resolved"].value == qs.filter(state__in=DONE).count()
        visits = Visit.objects.within(row.code).filter(visited_at__gte=day_start(YEAR.since)).count()
        assert row.figures["visits"].value == visits
        assert row.drill_url.startswith(f"/stats/{row.code}/figures/?since=")


def test_overdue_by_unit_counts_the_open_matters_each_unit_holds(built, db):
    town = Place.objects.get(code=TOWN)
    rows = queries.overdue_by_unit(town_user(), town, limit=100)
    open_matters = Matter.objects.filter(is_open=True, holder_path__within=TOWN)
    expected = defaultdict(lambda: [0, 0])
    for holder, overdue in open_matters.values_list("holder_path", "overdue"):
        key = holder[:12] if len(holder) >= 12 else holder
        expected[key][0] += 1
        expected[key][1] += overdue
    assert {r.code: [r.open, r.overdue] for r in rows} == {k: v for k, v in expected.items()}
    assert [r.overdue for r in rows] == sorted((r.overdue for r in rows), reverse=True)


def test_worker_activity_states_visits_staff_and_coverage(built, db):
    town = Place.objects.get(code=TOWN)
    activity = queries.worker_activity(town_user(), town, YEAR)
    visits = Visit.objects.within(TOWN).filter(visited_at__gte=day_start(YEAR.since)).count()
    assert activity.visits.value == visits
    households = Household.objects.within(TOWN).count()
    assert activity.households.value == households
    since = day_start(TODAY - dt.timedelta(days=queries.COVERAGE_DAYS - 1))
    recent = HouseholdVisitState.objects.filter(
        household__path__startswith=TOWN, last_visited_at__gte=since, last_visited_at__lt=day_start(YEAR.end)
    ).count()
    assert activity.visited_recently == recent
    assert activity.coverage == round(100 * recent / households, 1)
    assert len(activity.top) == 10 and activity.top[0][1] >= activity.top[-1][1] > 0


def test_key_persons_only_with_the_grant(built, db):
    town = Place.objects.get(code=TOWN)
    assert queries.key_persons(town_user(), town) is None
    table = queries.key_persons(town_user("keypop"), town)
    active = KeyPerson.objects.within(TOWN).filter(status__in=KeyPerson.ACTIVE_STATUSES)
    assert table.total == active.count()
    by = Counter(active.values_list("category__name", "color"))
    assert {(name, color): n for name, colors, _ in table.rows for color, n in colors.items()} == dict(by)


def test_without_the_grant_no_key_population_figure_anywhere(built, db):
    client = Client()
    force_verified_login(client, town_user())
    page = client.get("/stats/figures/?since=2021-01-01").content.decode()
    api = client.get("/api/v1/stats/figures?since=2021-01-01").content.decode()
    for text in (page, json.loads(api).__repr__()):
        assert "重点人员" not in text and "key_person" not in text and "/keypersons/" not in text
    force_verified_login(client, town_user("keypop"))
    assert "摸排稳控" in client.get("/stats/figures/?since=2021-01-01").content.decode()


def test_places_outside_the_area_are_not_found(built, db):
    client = Client()
    force_verified_login(client, User.objects.get(username="village"))
    assert client.get(f"/stats/{VILLAGE}/figures/").status_code == 200
    assert client.get(f"/stats/{TOWN}/figures/").status_code == 404
    assert client.get(f"/api/v1/stats/figures?place={TOWN}").status_code == 404
    assert client.get("/stats/520330113202/figures/").status_code == 404
    force_verified_login(client, User.objects.get(username="cluster"))
    assert client.get("/stats/figures/").status_code == 404  # a cluster leader sees only the matters they reported


def test_a_bad_period_is_explained_in_chinese(built, db):
    client = Client()
    force_verified_login(client, town_user())
    page = client.get("/stats/figures/?since=2024-05-01&until=2024-04-01")
    assert page.status_code == 400 and "截止日期不能早于起始日期" in page.content.decode()
    api = client.get("/api/v1/stats/figures?period=2024Q7")
    assert api.status_code == 400 and api.json()["detail"].startswith("统计期间格式不正确")
    good = client.get("/api/v1/stats/figures?period=2024Q2").json()
    assert good["period"] == {"since": "2024-04-01", "until": "2024-06-30", "label": "2024年第二季度"}


def test_the_api_states_the_articles_figures_with_their_lists(built, db):
    client = Client()
    force_verified_login(client, town_user("keypop"))
    body = client.get(f"/api/v1/stats/figures?place={TOWN}&since=2021-01-01").json()
    texts = {s["code"]: s["text"] for s in body["statements"]}
    assert texts["visits"] == "入户走访8,736次" and texts["appeals_found_resolved"] == "发现并解决群众诉求140条"
    assert texts["key_persons"] == "摸排稳控13类重点人员706人"
    assert [s["group"] for s in body["statements"]][:5] == ["article"] * 5
    assert all(f["url"].startswith("/") for s in body["statements"] for f in s["figures"])
    assert [f["code"] for f in body["figures"]] == list(queries.KPI_CODES)
