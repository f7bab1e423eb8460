"""The place page: scope, breadcrumbs, children with counts (grouped queries), map, menu."""

import json
import re

import pytest
from django.test import Client

from gridgov.places.choices import PlaceKind
from gridgov.testing import make_place

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[106.2, 28.3], [106.21, 28.3], [106.21, 28.31], [106.2, 28.31], [106.2, 28.3]]],
}
# session, user with place, the place, its children, breadcrumbs, one grouped count per model (4),
# the map's grid polygons
QUERIES_PLACE_PAGE = 10


def child_rows(response) -> list[tuple[str, ...]]:
    body = response.content.decode()
    rows = re.findall(
        r"<tr>\s*<td[^>]*data-label=\"名称\"><a href=\"/places/(\d+)/\">([^<]+)</a></td>(.*?)</tr>", body, re.S
    )
    out = []
    for code, name, rest in rows:
        counts = re.findall(r'<td class="num" data-label="[^"]+">(?:<a [^>]+>)?(\d+)', rest)
        out.append((code, name, *counts))
    return out


def totals(response) -> list[str]:
    return re.findall(r'class="stat"[^>]*><b>(\d+)</b>', response.content.decode())


def map_data(response):
    match = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1)) if match else None


def test_home_and_menu_entry_lead_to_the_users_place(world, login):
    client = login(world.grid_worker_a)
    assert client.get("/")["Location"] == "/workbench/"  # the role's home (gridgov.workbench)
    assert client.get("/places/")["Location"] == "/places/5203301132010101/"
    assert client.get("/places/mine/")["Location"] == "/places/5203301132010101/"


def test_menu_has_place_households_and_residents_for_business_users(world, login):
    body = login(world.village_committee).get("/places/520330113201/").content.decode()
    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', body, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav)
    assert ("/places/mine/", "地域与网格") in links
    assert ("/households/", "户籍") in links
    assert ("/households/residents/", "居民") in links


def test_menu_hides_business_entries_from_administrators(world, login):
    body = login(world.auditor).get("/audit/").content.decode()
    assert "/households/" not in body and "/places/mine/" not in body


def test_town_page_counts_per_village_and_totals(world, login):
    response = login(world.town_staff).get("/places/520330113/")
    assert response.status_code == 200
    assert child_rows(response) == [
        ("520330113201", "桂园村", "1", "1", "2", "1"),
        ("520330113202", "永盛村", "1", "1", "1", "1"),
    ]
    assert totals(response) == ["2", "2", "3", "2"]


def test_counts_are_grouped_queries_not_one_per_child(world, login, django_assert_num_queries):
    for n in range(3, 13):
        make_place(f"5203301132{n:02d}", f"新村{n}", PlaceKind.VILLAGE, world.town)
    client = login(world.town_staff)
    with django_assert_num_queries(QUERIES_PLACE_PAGE) as ctx:
        response = client.get("/places/520330113/")
    assert len(child_rows(response)) == 12
    grouped = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"].upper()]
    assert len(grouped) == 4
    assert all("SUBSTR" in sql.upper() for sql in grouped)


def test_place_page_query_count_is_fixed(world, login, django_assert_num_queries):
    client = login(world.village_committee)
    with django_assert_num_queries(QUERIES_PLACE_PAGE):
        assert client.get("/places/520330113201/").status_code == 200


def test_grid_page_lists_clusters_and_households_without_cluster_count_in_totals(world, login):
    from gridgov.households import actions

    actions.create_household(
        world.town_staff, number="H-A-100", grid=world.grid_a, cluster=None, address="无联户", house_type="other"
    )
    response = login(world.grid_worker_a).get("/places/5203301132010101/")
    assert child_rows(response) == [("520330113201010101", "桂园村第1网格第1联户", "1", "1", "0", "1")]
    assert totals(response) == ["2", "1", "1", "1"]


def test_grid_worker_gets_404_for_other_grid_and_for_places_above(world, login):
    client = login(world.grid_worker_a)
    for code in ("5203301132020101", "520330113202", "520330113201", "520330113", "999999"):
        response = client.get(f"/places/{code}/")
        assert response.status_code == 404, code
        assert "永盛村" not in response.content.decode()


def test_breadcrumbs_stop_at_the_users_scope(world, login):
    body = login(world.village_committee).get("/places/520330113201010101/").content.decode()
    crumbs = re.search(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', body, re.S).group(1)
    assert re.findall(r">([^<>]+)</a>", crumbs) == ["桂园村", "桂园村一组", "桂园村第1网格"]
    assert "寨坝镇" not in crumbs


def test_map_draws_children_polygons_from_local_leaflet(world, login):
    world.village_a.boundary = SQUARE
    world.village_a.save()
    response = login(world.town_staff).get("/places/520330113/")
    body = response.content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in body and "/static/vendor/leaflet/leaflet.css" in body
    assert "tile" not in body.lower() and "http://" not in body and "https://" not in body
    assert map_data(response)["shapes"] == [
        {"code": "520330113201", "name": "桂园村", "kind": "村/社区", "boundary": SQUARE}
    ]


def test_map_falls_back_to_grid_polygons_inside_the_place(world, login):
    world.grid_a.boundary = SQUARE
    world.grid_a.save()
    data = map_data(login(world.town_staff).get("/places/520330113/"))
    assert [s["code"] for s in data["shapes"]] == ["5203301132010101"]


def test_no_map_without_polygons(world, login):
    body = login(world.town_staff).get("/places/520330113/").content.decode()
    assert "leaflet.js" not in body and "map-data" not in body


@pytest.mark.parametrize("username", ["auditor", "system_admin", "security_admin", "department_liaison"])
def test_non_business_accounts_get_no_place_page(world, login, username):
    response = login(getattr(world, username), Client()).get("/places/520330113/")
    assert response.status_code == 404
    assert "桂园村" not in response.content.decode()


def test_map_shows_no_partial_fallback_when_there_are_too_many_grids(world, login, monkeypatch):
    from gridgov.places import queries

    monkeypatch.setattr(queries, "MAP_PLACES_MAX", 0)
    world.grid_a.boundary = SQUARE
    world.grid_a.save()
    assert map_data(login(world.town_staff).get("/places/520330113/")) is None
