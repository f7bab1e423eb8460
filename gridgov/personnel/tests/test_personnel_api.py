"""/api/v1/personnel: scoped, masked, read-only, token authentication."""

import secrets

import pytest
from django.test import Client

from gridgov.accounts.models import ApiToken
from gridgov.personnel import actions
from gridgov.personnel.choices import AppointmentRole
from gridgov.personnel.tests.helpers import assert_page_queries, serve


@pytest.fixture
def api_client(world):
    def _client(user):
        raw = secrets.token_urlsafe(24)
        ApiToken.objects.create(user=user, name="test", digest=ApiToken.digest_of(raw))
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return _client


@pytest.fixture
def org(world):
    worker_a = actions.nominate(
        world.town_staff,
        place=world.grid_a,
        role=AppointmentRole.GRID_WORKER,
        resident=world.resident_a,
        nominated_by="群众推荐",
    )
    worker_a = actions.appoint(
        world.town_staff, actions.review(world.town_staff, worker_a), term_start=worker_a.nominated_on
    )
    worker_b = serve(world, AppointmentRole.GRID_WORKER, world.grid_b, "赵乙")
    party = actions.register_party_group(
        world.town_staff, village=world.village_a, name="桂园党小组", grids=[world.grid_a]
    )
    actions.register_party_group(world.town_staff, village=world.village_b, name="永盛党小组", grids=[world.grid_b])
    team = actions.register_patrol_team(world.town_staff, place=world.town, name="镇巡逻队", grids=[world.grid_a])
    member = actions.add_patrol_member(world.town_staff, team, person_name="孙巡", nominated_by="推荐")
    actions.appoint(world.town_staff, actions.review(world.town_staff, member), term_start=member.nominated_on)
    actions.register_chat_group(world.town_staff, grid=world.grid_a, name="桂园群", member_count=30)
    actions.register_chat_group(world.town_staff, grid=world.grid_b, name="永盛群", member_count=20)
    return {"worker_a": worker_a, "worker_b": worker_b, "party": party, "team": team}


def test_anonymous_callers_are_refused(world, client):
    for url in ("appointments/", "appointments/1", "party-groups/", "patrol-teams/", "chat-groups/"):
        assert client.get(f"/api/v1/personnel/{url}").status_code == 401


def test_grid_worker_lists_only_own_grids_appointments_masked(world, org, api_client):
    data = api_client(world.grid_worker_a).get("/api/v1/personnel/appointments/").json()
    assert [(i["person_name"], i["role"], i["status"], i["place"]["code"]) for i in data["items"]] == [
        ("王建国", "grid_worker", "appointed", world.grid_a.code)
    ]
    item = data["items"][0]
    assert item["phone_masked"] == "138****8000"
    assert item["resident_id"] == world.resident_a.pk
    body = str(data)
    assert "13812348000" not in body and "520330198005171232" not in body
    assert data["next_offset"] is None


def test_appointment_detail_and_404_out_of_scope(world, org, api_client):
    client = api_client(world.grid_worker_a)
    response = client.get(f"/api/v1/personnel/appointments/{org['worker_a'].pk}")
    assert response.status_code == 200
    assert response.json()["status_label"] == "在任"
    assert client.get(f"/api/v1/personnel/appointments/{org['worker_b'].pk}").status_code == 404


def test_filters_and_paging(world, org, api_client):
    client = api_client(world.town_staff)
    data = client.get("/api/v1/personnel/appointments/?role=grid_worker&limit=1").json()
    assert [i["person_name"] for i in data["items"]] == ["王建国"]
    assert data["next_offset"] == 1
    data = client.get(f"/api/v1/personnel/appointments/?role=grid_worker&limit=1&offset={data['next_offset']}").json()
    assert [i["person_name"] for i in data["items"]] == ["赵乙"]
    assert data["next_offset"] is None
    data = client.get("/api/v1/personnel/appointments/?status=appointed&role=patrol_member").json()
    assert [i["person_name"] for i in data["items"]] == ["孙巡"]
    assert client.get("/api/v1/personnel/appointments/?limit=201").status_code == 422


def test_party_groups_cover_the_grid_workers_grid(world, org, api_client):
    data = api_client(world.grid_worker_a).get("/api/v1/personnel/party-groups/").json()
    assert [(g["name"], g["village"]["code"], [x["code"] for x in g["grids"]]) for g in data["items"]] == [
        ("桂园党小组", world.village_a.code, [world.grid_a.code])
    ]
    data = api_client(world.town_staff).get("/api/v1/personnel/party-groups/").json()
    assert [g["name"] for g in data["items"]] == ["桂园党小组", "永盛党小组"]


def test_patrol_teams_with_current_members(world, org, api_client):
    # The town's team patrols grid A: its grid worker sees the team, but not its members, who serve at the
    # town (out of the grid worker's scope, as in the appointments list); the town sees them.
    data = api_client(world.grid_worker_a).get("/api/v1/personnel/patrol-teams/").json()
    assert [(t["name"], [m["person_name"] for m in t["members"]]) for t in data["items"]] == [("镇巡逻队", [])]
    data = api_client(world.town_staff).get("/api/v1/personnel/patrol-teams/").json()
    assert [(t["name"], [m["person_name"] for m in t["members"]]) for t in data["items"]] == [("镇巡逻队", ["孙巡"])]
    assert api_client(world.grid_worker_b).get("/api/v1/personnel/patrol-teams/").json()["items"] == []


def test_chat_groups_per_grid(world, org, api_client):
    data = api_client(world.grid_worker_b).get("/api/v1/personnel/chat-groups/").json()
    assert [(g["name"], g["grid"]["code"], g["member_count"]) for g in data["items"]] == [
        ("永盛群", world.grid_b.code, 20)
    ]


@pytest.mark.parametrize("who", ["auditor", "system_admin", "department_liaison"])
def test_accounts_without_business_scope_get_nothing(world, org, api_client, who):
    client = api_client(getattr(world, who))
    admin = who != "department_liaison"  # an administrator's token (never issued by gridgov) is refused
    for url in ("appointments/", "party-groups/", "patrol-teams/", "chat-groups/"):
        response = client.get(f"/api/v1/personnel/{url}")
        if admin:
            assert response.status_code == 401 and "items" not in response.json()
        else:  # the operation's access marker, as on the pages: no business scope, no list
            assert (response.status_code, response.json()) == (404, {"detail": "不存在或不在账号范围内", "errors": {}})
    detail = client.get(f"/api/v1/personnel/appointments/{org['worker_a'].pk}").status_code
    assert detail == (401 if admin else 404)


def test_list_query_count_is_fixed(world, org, api_client):
    client = api_client(world.town_staff)
    with assert_page_queries(1):  # the appointments page
        assert client.get("/api/v1/personnel/appointments/").status_code == 200
    with assert_page_queries(3):  # teams, their grids, their current members
        assert client.get("/api/v1/personnel/patrol-teams/").status_code == 200
