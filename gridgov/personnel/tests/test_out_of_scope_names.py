"""Finding 8 of the MLPS review: a party group or patrol team that covers the user's grid and others names
only what is in the user's scope (its grids, its members), in the API and on the roster page; a matter
filed at another grid's place answers 404 and names nothing."""

import json

import pytest

from gridgov.accounts.actions import issue_api_token
from gridgov.matters.models import Category, Matter
from gridgov.personnel import actions
from gridgov.personnel.choices import AppointmentRole
from gridgov.personnel.tests.helpers import serve


@pytest.fixture
def spread(world):
    """Village A's party group and patrol team cover grid A and grid C; a member serves in grid C."""
    group = actions.register_party_group(
        world.town_staff, village=world.village_a, name="桂园党小组", grids=[world.grid_a, world.grid_c]
    )
    team = actions.register_patrol_team(
        world.town_staff, place=world.village_a, name="桂园巡逻队", grids=[world.grid_a, world.grid_c]
    )
    member = actions.add_patrol_member(world.town_staff, team, person_name="钱丙", nominated_by="推荐")
    actions.appoint(world.town_staff, actions.review(world.town_staff, member), term_start=member.nominated_on)
    serve(world, AppointmentRole.GRID_WORKER, world.grid_c, "周丁")
    return {"group": group, "team": team}


def api(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_api_token(user, 'scope')}"
    return client


def test_grid_worker_sees_only_own_grid_of_a_group_and_team(world, spread, client):
    worker = api(client, world.grid_worker_a)
    groups = worker.get("/api/v1/personnel/party-groups/")
    teams = worker.get("/api/v1/personnel/patrol-teams/")
    assert [(g["name"], [x["code"] for x in g["grids"]]) for g in groups.json()["items"]] == [
        ("桂园党小组", [world.grid_a.code])
    ]
    assert [(t["name"], [x["code"] for x in t["grids"]], t["members"]) for t in teams.json()["items"]] == [
        ("桂园巡逻队", [world.grid_a.code], [])
    ]
    for response in (groups, teams):
        body = response.content.decode()
        assert world.grid_c.code not in body and world.grid_c.name not in body and "钱丙" not in body


def test_the_village_sees_every_grid_and_member(world, spread, client):
    village = api(client, world.village_committee)
    teams = village.get("/api/v1/personnel/patrol-teams/").json()["items"]
    assert [([x["code"] for x in t["grids"]], [m["person_name"] for m in t["members"]]) for t in teams] == [
        ([world.grid_a.code, world.grid_c.code], ["钱丙"])
    ]


def test_roster_page_names_no_out_of_scope_member(world, spread, login):
    page = login(world.grid_worker_a).get(f"/personnel/grids/{world.grid_a.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "桂园巡逻队" in html
    assert "钱丙" not in html and "周丁" not in html and world.grid_c.code not in html


def test_a_matter_at_another_grids_place_is_404_and_names_nothing(world, client):
    worker = api(client, world.grid_worker_a)
    category = Category.objects.filter(kind="dispute", selectable=True, active=True).first()
    body = {
        "kind": "dispute",
        "category_id": category.pk,
        "title": "地界纠纷",
        "channel": "visit",
        "color": "yellow",
        "place": world.grid_b.code,
    }
    response = worker.post("/api/v1/matters/", json.dumps(body), content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "不存在或不在账号范围内", "errors": {}}
    assert world.grid_b.name not in response.content.decode() and "永盛" not in response.content.decode()
    assert Matter.objects.count() == 0
