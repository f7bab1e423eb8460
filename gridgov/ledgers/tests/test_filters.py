"""Filters give exactly the rows a raw query gives: every combination of place, period, category, color and
state a book offers, against the records read whole and filtered in Python; and a user sees their scope only."""

import datetime as dt
import itertools

from django.utils import timezone

from gridgov.keypersons.models import KeyPerson, KeyPersonCategory
from gridgov.ledgers.books import BOOKS, LedgerFilters
from gridgov.ledgers.tests.helpers import day, event, matter_from_visit, patrol, team, visit
from gridgov.matters.models import Matter
from gridgov.matters.tests.helpers import category, record
from gridgov.patrols.models import Patrol, PatrolMatter
from gridgov.publicity.models import PublicityEvent
from gridgov.visits.models import Visit, VisitMatter

TOWN = "520330113"
PERIODS = [(None, None), (day(10), None), (None, day(5)), (day(12), day(3))]


def places(world):
    return ["", world.village_a.code, world.grid_a.code, world.grid_b.code]


def ids(book, user, **kw) -> list[int]:
    return list(BOOKS[book].queryset(user, LedgerFilters(**kw)).values_list("pk", flat=True))


def combinations(world, book, **only):
    """Every combination of the book's filters; ``only`` narrows a long list of options to some of them."""
    options = {c.name: [""] + sorted(only.get(c.name, c.values())) for c in BOOKS[book].choices}
    for name, values in only.items():
        assert set(values) <= BOOKS[book].choice(name).values()  # only values the book offers
    names = list(options)
    for place, (since, until), *chosen in itertools.product(places(world), PERIODS, *options.values()):
        yield {"place": place, "since": since, "until": until, **dict(zip(names, chosen, strict=True))}


def within(row_day: dt.date, since, until) -> bool:
    return (since is None or row_day >= since) and (until is None or row_day <= until)


def local(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def test_visit_filters_match_a_raw_query(world):
    w = world
    made = [
        visit(w.grid_worker_a, w.household_a, 15, mode="door", findings="屋顶漏水"),
        visit(w.grid_worker_a, w.household_a, 8, mode="phone"),
        visit(w.grid_worker_b, w.household_b, 4, mode="video", findings="独居老人行动不便"),
        visit(w.grid_worker_b, w.household_b, 1, mode="door"),
        visit(w.town_staff, w.household_a, 3, mode="door", findings="邻里纠纷"),
    ]
    matter_from_visit(w.grid_worker_a, made[4])
    linked = set(VisitMatter.objects.values_list("visit_id", flat=True))
    raw = list(Visit.objects.values("id", "path", "visited_at", "mode", "findings"))
    checked = 0
    for f in combinations(w, "visit"):
        expected = [
            r["id"]
            for r in sorted(raw, key=lambda r: (r["visited_at"], r["id"]))
            if r["path"].startswith(f["place"])
            and within(local(r["visited_at"]), f["since"], f["until"])
            and f["category"] in ("", r["mode"])
            and (
                f["state"] == ""
                or (f["state"] == "found" and r["findings"])
                or (f["state"] == "quiet" and not r["findings"])
                or (f["state"] == "matter" and r["id"] in linked)
            )
        ]
        assert ids("visit", w.town_staff, **f) == expected, f
        checked += bool(expected)
    assert checked > 40  # the combinations select rows, not just nothing
    assert ids("visit", w.grid_worker_a) == [made[0].pk, made[1].pk, made[4].pk]
    assert ids("visit", w.grid_worker_a, place=w.grid_b.code) == []


def test_key_person_filters_match_a_raw_query(world, officer, drug_users, enlist):
    w = world
    petitioners = KeyPersonCategory.objects.exclude(pk=drug_users.pk).first()
    enlist(w.resident_a, drug_users, "red", days_ago_=9)
    enlist(w.resident_a, petitioners, "blue", days_ago_=4)
    other = enlist(w.resident_b, drug_users, "yellow", days_ago_=2)
    KeyPerson.objects.filter(pk=other.pk).update(status="released", ended_on=day(1))
    raw = list(KeyPerson.objects.values("id", "path", "enlisted_on", "category_id", "color", "status"))
    books = BOOKS["key_person"]
    checked = 0
    for place, (since, until), color, state in itertools.product(
        places(w), PERIODS, [""] + sorted(books.choice("color").values()), ["", "under_follow_up", "released"]
    ):
        for cat in ["", str(drug_users.pk), str(petitioners.pk)]:
            f = {"place": place, "since": since, "until": until, "category": cat, "color": color, "state": state}
            expected = [
                r["id"]
                for r in sorted(raw, key=lambda r: (r["enlisted_on"], r["id"]))
                if r["path"].startswith(place)
                and within(r["enlisted_on"], since, until)
                and cat in ("", str(r["category_id"]))
                and color in ("", r["color"])
                and state in ("", r["status"])
            ]
            assert ids("key_person", officer, **f) == expected, f
            assert ids("key_person", w.town_staff, **f) == []  # no grant, no rows, whatever the filter
            checked += bool(expected)
    assert checked > 30


def test_dispute_filters_match_a_raw_query(engine):
    w = engine
    made = [
        record(w.grid_worker_a, code="dispute.neighbour", color="red", title="邻里口角"),
        record(w.grid_worker_a, code="dispute.land_forest", color="yellow", title="地界纠纷"),
        record(w.grid_worker_b, household=w.household_b, code="dispute.marriage_family", color="blue", title="婚姻"),
        record(w.grid_worker_b, household=w.household_b, code="dispute.neighbour", color="yellow", title="噪音"),
        record(w.grid_worker_a, code="hazard.safety.enterprise", household=None, place=w.grid_a, title="隐患"),
    ]
    for n, matter in enumerate(made):
        Matter.objects.filter(pk=matter.pk).update(created_at=timezone.now() - dt.timedelta(days=2 + 3 * n))
    Matter.objects.filter(pk=made[3].pk).update(state="closed", is_open=False)
    raw = list(
        Matter.objects.filter(kind="dispute").values("id", "path", "created_at", "category_id", "color", "state")
    )
    parents = dict(Matter.objects.values_list("category_id", "category__parent_id"))
    checked = 0
    used = {str(category(code).pk) for code in ("dispute.neighbour", "dispute.land_forest", "dispute.traffic")}
    for f in combinations(w, "dispute", category=used, state={"in_progress", "pending", "closed"}):
        expected = [
            r["id"]
            for r in sorted(raw, key=lambda r: (r["created_at"], r["id"]))
            if r["path"].startswith(f["place"])
            and within(local(r["created_at"]), f["since"], f["until"])
            and f["category"] in ("", str(r["category_id"]), str(parents[r["category_id"]]))
            and f["color"] in ("", r["color"])
            and f["state"] in ("", r["state"])
        ]
        assert ids("dispute", w.town_staff, **f) == expected, f
        checked += bool(expected)
    assert checked > 40


def test_patrol_and_publicity_filters_match_a_raw_query(world):
    w = world
    patrol_team = team(w)
    team_b = team(w, place=w.village_b, name="永盛村治安巡逻队", grids=[w.grid_b])
    patrol(w.town_staff, patrol_team, [w.grid_a], 11, headcount=3, findings="发现可疑人员")
    patrol(w.town_staff, patrol_team, [w.grid_a, w.grid_c], 6, shift="day", headcount=2)
    found = patrol(w.town_staff, team_b, [w.grid_b], 2, headcount=4, findings="路灯损坏")
    PatrolMatter.objects.create(patrol=found, matter=record(w.town_staff, household=w.household_b))
    linked = set(PatrolMatter.objects.values_list("patrol_id", flat=True))
    raw = list(Patrol.objects.values("id", "path", "date", "shift", "findings"))
    for f in combinations(w, "patrol"):
        expected = [
            r["id"]
            for r in sorted(raw, key=lambda r: (r["date"], r["id"]))
            if r["path"].startswith(f["place"])
            and within(r["date"], f["since"], f["until"])
            and f["category"] in ("", r["shift"])
            and (
                f["state"] == ""
                or (f["state"] == "found" and r["findings"])
                or (f["state"] == "quiet" and not r["findings"])
                or (f["state"] == "matter" and r["id"] in linked)
            )
        ]
        assert ids("patrol", w.town_staff, **f) == expected, f

    event(w.grid_worker_a, w.grid_a, 9, topic="policy", channel="loudspeaker")
    event(w.town_staff, w.village_a, 3)
    event(w.grid_worker_b, w.grid_b, 1, topic="law")
    raw = list(PublicityEvent.objects.values("id", "path", "held_on", "topic", "channel"))
    for place, (since, until), topic, channel in itertools.product(
        places(w), PERIODS, ["", "policy", "anti_fraud", "law"], ["", "loudspeaker", "bench_meeting"]
    ):
        expected = [
            r["id"]
            for r in sorted(raw, key=lambda r: (r["held_on"], r["id"]))
            if r["path"].startswith(place)
            and within(r["held_on"], since, until)
            and topic in ("", r["topic"])
            and channel in ("", r["channel"])
        ]
        f = {"place": place, "since": since, "until": until, "category": topic, "state": channel}
        assert ids("publicity", w.town_staff, **f) == expected, f


def test_from_query_drops_what_a_book_does_not_offer(world):
    book = BOOKS["visit"]
    f = LedgerFilters.from_query(
        {"place": "52'; drop", "since": "2026-03-31", "until": "2026-03-01", "category": "phone", "color": "red",
         "state": "bogus"},
        book,
    )  # fmt: skip
    assert f == LedgerFilters(since=dt.date(2026, 3, 1), until=dt.date(2026, 3, 31), category="phone")
