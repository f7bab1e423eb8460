"""/api/v1/households: scoped, masked, paged with limit/offset, token authentication."""

import json
import secrets

import pytest
from django.test import Client

from gridgov.accounts.models import ApiToken

ID_A = "520330198005171232"
PHONE_A = "13812348000"


@pytest.fixture
def api_client(world):
    """A client for a user that authenticates with a bearer token (no session)."""

    def _client(user):
        raw = secrets.token_urlsafe(24)
        ApiToken.objects.create(user=user, name="test", digest=ApiToken.digest_of(raw))
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return _client


def test_anonymous_callers_are_refused(world, client):
    assert client.get("/api/v1/households/").status_code == 401
    assert client.get(f"/api/v1/households/{world.household_a.pk}").status_code == 401


def test_grid_worker_lists_only_own_grids_households(world, api_client):
    response = api_client(world.grid_worker_a).get("/api/v1/households/")
    assert response.status_code == 200
    data = response.json()
    assert [h["number"] for h in data["items"]] == ["H-A-001"]
    assert (data["limit"], data["offset"], data["next_offset"]) == (50, 0, None)
    body = response.content.decode()
    assert "H-B-001" not in body and "\\u674e\\u79c0\\u82f1" not in body  # 李秀英


def test_household_detail_has_masked_members(world, api_client):
    data = api_client(world.grid_worker_a).get(f"/api/v1/households/{world.household_a.pk}").json()
    assert (data["number"], data["grid"], data["cluster"], data["householder_name"]) == (
        "H-A-001",
        {"code": "5203301132010101", "name": "桂园村第1网格"},
        {"code": "520330113201010101", "name": "桂园村第1网格第1联户"},
        "王建国",
    )
    assert [(m["name"], m["id_number_masked"], m["phone_masked"]) for m in data["members"]] == [
        ("王建国", "520330********1232", "138****8000")
    ]
    raw = json.dumps(data)
    assert ID_A not in raw and PHONE_A not in raw


def test_other_grids_household_and_resident_are_404(world, api_client):
    client = api_client(world.grid_worker_a)
    for url in (f"/api/v1/households/{world.household_b.pk}", f"/api/v1/households/residents/{world.resident_b.pk}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "H-B-001" not in response.content.decode()


def test_village_committee_sees_its_village(world, api_client):
    client = api_client(world.village_committee)
    assert [h["number"] for h in client.get("/api/v1/households/").json()["items"]] == ["H-A-001"]
    assert [r["name"] for r in client.get("/api/v1/households/residents/").json()["items"]] == ["王建国"]


def test_resident_list_and_detail_are_masked(world, api_client):
    client = api_client(world.town_staff)
    items = client.get("/api/v1/households/residents/").json()["items"]
    assert [(r["name"], r["id_number_masked"], r["phone_masked"], r["household_number"]) for r in items] == [
        ("王建国", "520330********1232", "138****8000", "H-A-001"),
        ("李秀英", items[1]["id_number_masked"], "139****1111", "H-B-001"),
    ]
    detail = client.get(f"/api/v1/households/residents/{world.resident_a.pk}").json()
    assert (detail["sex"], detail["birth_date"], detail["relation_label"]) == ("M", "1980-05-17", "户主")
    raw = json.dumps(items) + json.dumps(detail)
    assert ID_A not in raw and PHONE_A not in raw
    assert not any(key.endswith(("_sealed", "_index")) for key in detail)


def test_filters_and_paging(world, api_client, add_households):
    add_households(world.town_staff, world.grid_a, world.cluster_a1, 3)
    client = api_client(world.town_staff)
    page = client.get("/api/v1/households/?place=520330113201&limit=2&offset=1").json()
    assert [h["number"] for h in page["items"]] == ["H-X-000", "H-X-001"]
    assert page["next_offset"] == 3
    last = client.get("/api/v1/households/?place=520330113201&limit=2&offset=3").json()
    assert ([h["number"] for h in last["items"]], last["next_offset"]) == (["H-X-002"], None)
    assert [h["number"] for h in client.get("/api/v1/households/?house_type=commercial&q=102号").json()["items"]] == [
        "H-X-002"
    ]
    members = client.get(f"/api/v1/households/residents/?household={world.household_b.pk}").json()["items"]
    assert [r["name"] for r in members] == ["李秀英"]


def test_limit_is_capped_at_200(world, api_client):
    client = api_client(world.town_staff)
    assert client.get("/api/v1/households/?limit=200").status_code == 200
    assert client.get("/api/v1/households/?limit=201").status_code == 422
    assert client.get("/api/v1/households/residents/?limit=0").status_code == 422
    assert client.get("/api/v1/households/?offset=-1").status_code == 422


def test_lookup_by_exact_id_number_is_a_post(world, api_client):
    client = api_client(world.town_staff)
    found = client.post(
        "/api/v1/households/residents/lookup", {"id_number": " 520330198005171232 "}, "application/json"
    )
    assert [r["name"] for r in found.json()] == ["王建国"]
    for miss in ("520330198005171233", "5203301980", ""):
        response = client.post("/api/v1/households/residents/lookup", {"id_number": miss}, "application/json")
        assert response.json() == [], miss


def test_lookup_outside_scope_finds_nothing(world, api_client):
    response = api_client(world.grid_worker_b).post(
        "/api/v1/households/residents/lookup", {"id_number": ID_A}, "application/json"
    )
    assert response.json() == []


def test_administrators_get_nothing(world, api_client):
    client = api_client(world.auditor)
    listing = client.get("/api/v1/households/")  # the operation's access marker, as on the pages
    assert listing.status_code == 404 and "H-A-001" not in listing.content.decode()
    assert client.get(f"/api/v1/households/{world.household_a.pk}").status_code == 404


@pytest.mark.parametrize("url", ["/api/v1/households/", "/api/v1/households/residents/"])
def test_list_query_count_is_fixed(world, api_client, add_households, django_assert_num_queries, url):
    client = api_client(world.town_staff)
    add_households(world.town_staff, world.grid_a, world.cluster_a1, 5)
    # token with user and place, last-used update, one page of rows with related rows joined
    with django_assert_num_queries(3):
        assert len(client.get(url).json()["items"]) == 7


def test_detail_query_count(world, api_client, django_assert_num_queries):
    client = api_client(world.town_staff)
    with django_assert_num_queries(4):  # token, last-used update, household with related rows, members
        assert client.get(f"/api/v1/households/{world.household_a.pk}").status_code == 200
