"""/api/v1/places: the place tree within the caller's scope."""

import secrets

import pytest
from django.test import Client

from gridgov.accounts.models import ApiToken


@pytest.fixture
def api_client(world):
    def _client(user):
        raw = secrets.token_urlsafe(24)
        ApiToken.objects.create(user=user, name="test", digest=ApiToken.digest_of(raw))
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return _client


def test_grid_worker_lists_own_grid_and_its_clusters(world, api_client):
    data = api_client(world.grid_worker_a).get("/api/v1/places/").json()
    assert data["items"] == [
        {
            "code": "5203301132010101",
            "name": "桂园村第1网格",
            "kind": "grid",
            "kind_label": "网格",
            "parent_code": "52033011320101",
        },
        {
            "code": "520330113201010101",
            "name": "桂园村第1网格第1联户",
            "kind": "cluster",
            "kind_label": "联户",
            "parent_code": "5203301132010101",
        },
    ]
    assert data["next_offset"] is None


def test_filters_by_parent_within_and_kind(world, api_client):
    client = api_client(world.town_staff)
    assert [p["code"] for p in client.get("/api/v1/places/?parent=520330113").json()["items"]] == [
        "520330113201",
        "520330113202",
    ]
    assert [p["code"] for p in client.get("/api/v1/places/?within=520330113201&kind=grid").json()["items"]] == [
        "5203301132010101",
        "5203301132010102",
    ]


def test_paging_without_count(world, api_client):
    client = api_client(world.town_staff)
    first = client.get("/api/v1/places/?limit=3").json()
    assert [p["code"] for p in first["items"]] == ["520330113", "520330113201", "52033011320101"]
    assert first["next_offset"] == 3
    assert client.get("/api/v1/places/?limit=201").status_code == 422


def test_detail_with_totals(world, api_client):
    data = api_client(world.village_committee).get("/api/v1/places/520330113201").json()
    assert data == {
        "code": "520330113201",
        "name": "桂园村",
        "kind": "village",
        "kind_label": "村/社区",
        "parent_code": "520330113",
        "boundary": None,
        "centre": None,
        "totals": {"households": 1, "residents": 1, "grids": 2, "clusters": 1},
    }


def test_out_of_scope_place_is_404(world, api_client):
    client = api_client(world.grid_worker_a)
    for code in ("5203301132020101", "520330113201", "520330113"):
        response = client.get(f"/api/v1/places/{code}")
        assert response.status_code == 404, code
        assert "永盛村" not in response.content.decode()
    listed = client.get("/api/v1/places/?within=520330113202").json()["items"]
    assert listed == []


def test_detail_query_count(world, api_client, django_assert_num_queries):
    client = api_client(world.town_staff)
    with django_assert_num_queries(7):  # token, last-used update, the place, one grouped count per model
        assert client.get("/api/v1/places/520330113").status_code == 200


def test_anonymous_is_refused(world):
    assert Client().get("/api/v1/places/").status_code == 401
