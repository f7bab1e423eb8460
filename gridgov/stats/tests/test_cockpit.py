"""The cockpit on the demo town (寨坝镇 with its matters and field work since 2021): every tile and table cell
equals a count over the raw rows, every linked number is the total of the list it opens, key-population
figures only with the grant, places outside the user's area answer 404, the period picker, and the page's
SQL query count is locked."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter

import pytest
from django.db.models import Exists, OuterRef
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.demo.tests.conftest import zhaiba_activity  # noqa: F401 (the module's demo town)
from gridgov.households.models import Household
from gridgov.keypersons.choices import ACTIVE_STATUSES
from gridgov.keypersons.models import KeyPerson
from gridgov.matters.models import Feedback, Matter, Supervision
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place
from gridgov.stats.periods import Period, day_start
from gridgov.testing import force_verified_login
from gridgov.visits.models import Visit

pytestmark = pytest.mark.django_db
TOWN = "520330113"
DONE = ("resolved", "closed")
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([\d,]+)</a>')


@pytest.fixture
def demo(zhaiba_activity):  # noqa: F811
    return zhaiba_activity


def user(name: str) -> User:
    return User.objects.select_related("place").get(username=name)


def periods() -> list[Period]:
    today = timezone.localdate()
    return [Period.this_year(today), Period(today - dt.timedelta(days=200), today - dt.timedelta(days=20))]


def matters(code: str, period: Period | None = None):
    qs = Matter.objects.exclude(state="merged").filter(path__startswith=code)
    if period is not None:
        qs = qs.filter(created_at__gte=day_start(period.since), created_at__lt=day_start(period.end))
    return qs


def latest_verdicts(qs) -> Counter:
    ids = set(qs.values_list("id", flat=True))
    latest: dict[int, str] = {}
    for matter_id, verdict in (
        Feedback.objects.filter(matter_id__in=ids).order_by("id").values_list("matter_id", "verdict")
    ):
        latest[matter_id] = verdict
    return Counter(latest.values())


def rate(a: int, b: int) -> float | None:
    return round(100 * a / b, 1) if b else None


def raw_tiles(code: str, period: Period) -> dict:
    qs = matters(code, period)
    done = qs.filter(state__in=DONE)
    auto = Supervision.objects.filter(matter=OuterRef("pk"), issued_by__isnull=True)
    on_time = done.exclude(Exists(auto)).count()
    village = done.filter(holder_department__isnull=True, level__in=["grid", "village"]).count()
    verdicts = latest_verdicts(qs)
    given = verdicts["accepted"] + verdicts["rejected"]
    received, resolved = qs.count(), done.count()
    return {
        "received": received,
        "resolved": resolved,
        "resolution_rate": rate(resolved, received),
        "on_time_rate": rate(on_time, resolved),
        "overdue_now": matters(code).filter(is_open=True, overdue=True).count(),
        "village_share": rate(village, resolved),
        "satisfaction": rate(verdicts["accepted"], given),
        "on_time": on_time,
        "resolved_in_village": village,
        "feedback_given": given,
        "feedback_accepted": verdicts["accepted"],
    }


def cockpit(client, name: str, query: str = "", code: str = ""):
    force_verified_login(client, user(name))
    return client.get(f"/stats/{code + '/' if code else ''}{query}")


def test_tiles_equal_raw_counts(client, demo):
    for name, code in (("town", TOWN), ("village", "520330113201"), ("county", "520330")):
        for period in periods():
            response = cockpit(client, name, f"?since={period.since}&until={period.until}")
            assert response.status_code == 200
            raw = raw_tiles(code, period)
            assert raw["received"] > 0
            for tile in response.context["tiles"]:
                f = tile["figure"]
                assert f.value == raw[f.code], (name, period, f.code)
                if "numerator" in tile:
                    assert tile["numerator"].value == raw[tile["numerator"].code]
                    assert tile["denominator"].value == raw[tile["denominator"].code]


def test_tables_equal_raw_counts(client, demo):
    for period in periods():
        response = cockpit(client, "town", f"?since={period.since}&until={period.until}")
        ctx = response.context
        qs = matters(TOWN, period)
        for dim, column in (
            ("kinds", "kind"),
            ("colors", "color"),
            ("channels", "channel"),
            ("categories", "category_id"),
        ):
            received = Counter(qs.values_list(column, flat=True))
            resolved = Counter(qs.filter(state__in=DONE).values_list(column, flat=True))
            rows = {s.key: (s.received, s.resolved) for s in ctx[dim]}
            expected = {str(k): (n, resolved[k]) for k, n in received.items()}
            if dim == "categories":
                assert len(rows) == min(12, len(expected))
                assert all(expected[k] == v for k, v in rows.items())
                assert sorted(n for n, _ in expected.values())[-len(rows) :] == sorted(n for n, _ in rows.values())
            else:
                assert rows == expected, dim
        for point in ctx["trend"]:
            month = Period(max(point.month, period.since), min(_month_end(point.month), period.until))
            assert point.received == matters(TOWN, month).count()
            assert point.resolved == matters(TOWN, month).filter(state__in=DONE).count()
        villages = list(Place.objects.filter(parent__code=TOWN).order_by("code"))
        assert [r["row"].code for r in ctx["ranking"]] == [v.code for v in villages]
        for r in ctx["ranking"]:
            f, code = r["row"].figures, r["row"].code
            raw = raw_tiles(code, period)
            for key in ("received", "resolved", "resolution_rate", "on_time_rate", "village_share", "satisfaction",
                        "overdue_now"):  # fmt: skip
                assert f[key].value == raw[key], (code, key)
            visits = Visit.objects.filter(path__startswith=code, visited_at__gte=day_start(period.since),
                                          visited_at__lt=day_start(period.end)).count()  # fmt: skip
            assert f["visits"].value == visits
            assert r["cockpit"] == f"/stats/{code}/?since={period.since}&until={period.until}"
        a = ctx["activity"]
        assert (
            a.visits.value
            == Visit.objects.filter(
                path__startswith=TOWN, visited_at__gte=day_start(period.since), visited_at__lt=day_start(period.end)
            ).count()
        )
        staff = Appointment.objects.filter(path__startswith=TOWN, status="appointed")
        assert a.staff == staff.filter(role__in=["grid_leader", "grid_worker"]).count()
        assert ctx["staff"]["grid_leaders"].value == staff.filter(role="grid_leader").count()
        assert a.households.value == Household.objects.filter(path__startswith=TOWN).count()
        assert a.visited_recently == _visited(TOWN, period)
    # Open matters by the unit holding them (the whole town's, as they stand now).
    open_now = Matter.objects.filter(holder_path__startswith=TOWN, is_open=True)
    assert sum(u.open for u in ctx["units"]) == open_now.count()
    for u in ctx["units"]:
        held = open_now.filter(holder_path=u.code) if u.url.endswith("holder_exact=1") else open_now.filter(
            holder_path__startswith=u.code)  # fmt: skip
        assert (u.open, u.overdue) == (held.count(), held.filter(overdue=True).count())


def _month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _visited(code: str, period: Period) -> int:
    since = period.until - dt.timedelta(days=89)
    days = Household.objects.filter(path__startswith=code).values_list("visit_state__last_visited_at", flat=True)
    return sum(1 for at in days if at is not None and since <= timezone.localtime(at).date() <= period.until)


def test_map_units_equal_raw_counts(client, demo):
    response = cockpit(client, "town")
    period = response.context["period"]
    m = response.context["map"]
    grids = Place.objects.filter(code__startswith=TOWN, kind="grid", boundary__isnull=False)
    assert [u.code for u in m.units] == list(grids.order_by("code").values_list("code", flat=True))
    assert len(m.units) == 114
    assert [o["code"] for o in m.outlines] == list(
        Place.objects.filter(parent__code=TOWN, kind="village").order_by("code").values_list("code", flat=True)
    )
    assert m.place["code"] == TOWN and m.place["boundary"]["type"] == "Polygon"
    for u in m.units:
        held = Matter.objects.filter(is_open=True, holder_path__startswith=u.code)  # as overdue_by_unit counts
        assert u.open.value == held.count()
        assert u.overdue.value == held.filter(overdue=True).count()
        assert {c: f.value for c, f in u.colors.items()} == {
            c: held.filter(color=c).count() for c in ("red", "yellow", "blue")
        }
        assert u.households.value == Household.objects.filter(path__startswith=u.code).count()
        assert u.visited == _visited(u.code, period)
    assert sum(u.open.value for u in m.units) > 0
    # Open matters with coordinates (the demo's: those about a household, where it lives), newest first.
    held = Matter.objects.filter(is_open=True, holder_path__startswith=TOWN)
    located = held.filter(point__isnull=False).select_related("household")
    assert 0 < located.count() < 300
    assert [p["id"] for p in m.points] == list(located.order_by("-id").values_list("id", flat=True))
    for p, matter in zip(m.points, located.order_by("-id"), strict=True):
        assert p == {"id": matter.pk, "title": matter.title, "color": matter.color, "point": matter.household.point,
                     "url": f"/matters/{matter.pk}/"}  # fmt: skip
    grid2 = user("grid2").place.code
    seen_by_grid2 = [p["id"] for p in cockpit(client, "grid2").context["map"].points]
    assert seen_by_grid2 == [p["id"] for p in m.points if located.get(pk=p["id"]).holder_path.startswith(grid2)]
    # The county map: its town coloured, the town's villages as outlines.
    county = cockpit(client, "county").context["map"]
    assert [u.code for u in county.units] == [TOWN]
    assert len(county.outlines) == 15
    assert county.points == []  # above a town: no points
    assert county.units[0].open.value == Matter.objects.filter(is_open=True, holder_path__startswith=TOWN).count()


def test_every_linked_number_is_the_total_of_its_list(client, demo):
    response = cockpit(client, "town")
    page = response.content.decode()
    map_table = page.index('data-table="map"')
    links = [(html.unescape(url), int(n.replace(",", ""))) for url, n in LINK.findall(page[:map_table])]
    # The map table: the first ten grids (114 of them, six numbers each).
    links += [(html.unescape(url), int(n.replace(",", ""))) for url, n in LINK.findall(page[map_table:])[:60]]
    assert len(links) > 150
    checked = 0
    for url, number in links:
        if url.startswith("/households/"):
            code = re.search(r"place=(\d+)", url).group(1)
            assert number == Household.objects.filter(path__startswith=code).count(), url
            continue
        listed = client.get(url)
        assert listed.status_code == 200, url
        total = re.search(r'data-total="(\d+)"', listed.content.decode())
        assert total is not None, url
        assert int(total.group(1)) == number, url
        checked += 1
    assert checked > 150
    # The resolved disputes of the kinds table: the matters list filtered the same way.
    resolved = re.search(r'<a href="([^"]+)" data-figure="resolved-dispute">([\d,]+)</a>', page)
    period = response.context["period"]
    assert html.unescape(resolved.group(1)) == (
        f"/matters/?place=520330113&since={period.since}&until={period.until}&state=done&kind=dispute"
    )
    assert (
        int(resolved.group(2))
        == matters(TOWN, response.context["period"]).filter(kind="dispute", state__in=DONE).count()
    )


def test_no_key_population_figure_without_the_grant(client, demo):
    active = KeyPerson.objects.filter(path__startswith=TOWN, status__in=[s.value for s in ACTIVE_STATUSES])
    assert active.count() > 0
    before = (KeyPerson.objects.count(), Matter.objects.count())
    for name in ("town", "county", "village", "grid1"):
        response = cockpit(client, name)
        text = response.content.decode()
        assert response.status_code == 200
        assert response.context["key_persons"] is None
        for trace in ("重点人员", "重点人群", "key_person", "keypersons", "ck-keypersons"):
            assert trace not in text, (name, trace)
    granted = cockpit(client, "keypop")
    text = granted.content.decode()
    assert "重点人员（类别×风险）" in text and '"key_persons"' in text
    table = granted.context["key_persons"]
    assert table.total == active.count()
    by_cell = Counter(active.values_list("category__name", "color"))
    for name, counts, total in table.rows:
        assert counts == {c: n for (cat, c), n in by_cell.items() if cat == name}
        assert total == sum(counts.values())
    # Each cell opens the key-person list of that category and color, whose total is the cell.
    for row in granted.context["key_person_rows"]:
        for n, url in row["cells"]:
            listed = client.get(url)
            assert int(re.search(r'data-total="(\d+)"', listed.content.decode()).group(1)) == n, url
    assert (KeyPerson.objects.count(), Matter.objects.count()) == before


def test_places_outside_the_area_answer_404(client, demo):
    grid1 = user("grid1")
    own = grid1.place.code
    other_grid = user("grid2").place.code
    assert cockpit(client, "grid1").context["place"].code == own
    assert cockpit(client, "grid1", code=own).status_code == 200
    for code in (other_grid, TOWN, "520330113201", "520330", "999999"):
        response = cockpit(client, "grid1", code=code)
        assert response.status_code == 404, code
        assert 'id="cockpit"' not in response.content.decode() and "ck-data" not in response.content.decode()
    assert cockpit(client, "village", code=other_grid[:12]).status_code == 404
    assert cockpit(client, "town", code="520330").status_code == 404
    assert cockpit(client, "county", code=TOWN).status_code == 200
    for name in ("cluster", "liaison", "auditor"):
        assert cockpit(client, name).status_code == 404
    # The grid's own cockpit: no ranking, its map is its grid alone.
    ctx = cockpit(client, "grid1").context
    assert ctx["ranking"] == []
    assert [u.code for u in ctx["map"].units] == [own]


def test_the_period_picker(client, demo):
    today = timezone.localdate()
    default = cockpit(client, "town")
    assert default.context["period"] == Period.this_year(today)
    assert len(default.context["trend"]) == today.month
    year = today.year - 1
    quarter = cockpit(client, "town", f"?period={year}Q3")
    assert quarter.context["period"] == Period.quarter(year, 3)
    assert f'<option value="{year}Q3" selected>{year}年第三季度</option>' in quarter.content.decode()
    assert [p.label for p in quarter.context["trend"]] == [f"{year}-07", f"{year}-08", f"{year}-09"]
    assert quarter.context["tiles"][0]["figure"].value == matters(TOWN, Period.quarter(year, 3)).count()
    month = cockpit(client, "town", f"?period={year}-05")
    assert month.context["period"] == Period.month(year, 5)
    assert f'<option value="{year}-05" selected>{year}年5月</option>' in month.content.decode()
    whole = cockpit(client, "town", f"?period={year}")
    assert whole.context["period"] == Period.year(year) and len(whole.context["trend"]) == 12
    custom = cockpit(client, "town", f"?since={year}-02-10&until={year}-04-05")
    assert custom.context["period"] == Period(dt.date(year, 2, 10), dt.date(year, 4, 5))
    assert [p.label for p in custom.context["trend"]] == [f"{year}-02", f"{year}-03", f"{year}-04"]
    bad = cockpit(client, "town", "?period=2024-13")
    assert bad.status_code == 400
    assert "统计期间格式不正确（例：2024、2024Q1、2024-03、2024-03-05）" in bad.content.decode()
    assert bad.context["period"] == Period.this_year(today)
    backwards = cockpit(client, "town", f"?since={year}-05-01&until={year}-04-01")
    assert backwards.status_code == 400 and "截止日期不能早于起始日期" in backwards.content.decode()


def test_the_page_needs_a_fixed_number_of_queries(client, demo, django_assert_num_queries):
    for name, expected in RAW_QUERIES.items():
        force_verified_login(client, user(name))
        client.get("/stats/")  # warm the per-process caches (sessions, categories)
        with django_assert_num_queries(expected):
            assert client.get("/stats/").status_code == 200


def test_from_the_rollups_the_same_figures_in_a_fixed_number_of_queries(client, demo, django_assert_num_queries):
    from gridgov.stats.actions import rebuild
    from gridgov.stats.engine import rollups_current

    rebuild()
    assert rollups_current()
    period = Period.this_year()
    for name, code in (("town", TOWN), ("county", "520330")):
        expected = ROLLUP_QUERIES[name]
        force_verified_login(client, user(name))
        client.get("/stats/")
        with django_assert_num_queries(expected):
            response = client.get("/stats/")
        raw = raw_tiles(code, period)
        assert {t["figure"].code: t["figure"].value for t in response.context["tiles"]} == {
            c: raw[c] for c in ("received", "resolved", "resolution_rate", "on_time_rate", "overdue_now",
                                "village_share", "satisfaction")
        }  # fmt: skip


RAW_QUERIES = {"town": 34, "county": 31}  # the rollups not built: every figure counted from the records
# Built: the rollups' state read once, each figure's months and current days in one statement, and a few
# parts from the records (grids below the kept depths, the map's points).
ROLLUP_QUERIES = {"town": 34, "county": 31}


def test_map_tiles_only_from_the_configured_server(client, demo, settings):
    settings.GRIDGOV_TILE_URL = ""
    page = cockpit(client, "town").content.decode()
    assert 'id="cockpit-map"' in page and "data-tiles" not in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing loaded from another host
    settings.GRIDGOV_TILE_URL = "http://tiles.lan/{z}/{x}/{y}.png"
    page = cockpit(client, "town").content.decode()
    assert 'data-tiles="http://tiles.lan/{z}/{x}/{y}.png"' in page


def test_the_demo_boundaries_pass_the_import_checks(demo):
    """The demo's drawn geometry, exported as a GIS would and checked as an import: every grid lies in its
    village and overlaps no other grid; the villages tile the town."""
    import json

    from gridgov.places import boundaries

    for kinds, n in ((["grid"], 114), (["village"], 15)):
        drawn = Place.objects.filter(kind__in=kinds, code__startswith=TOWN, boundary__isnull=False).order_by("code")
        features = [{"type": "Feature", "properties": {"code": p.code}, "geometry": p.boundary} for p in drawn]
        result = boundaries.check_file(json.dumps({"type": "FeatureCollection", "features": features}), Place.objects)
        assert (len(result.features), result.errors) == (n, [])
