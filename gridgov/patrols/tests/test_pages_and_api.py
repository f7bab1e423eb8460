"""Patrol pages and /api/v1/patrols: scoped lists and details, the phone form, findings to matters, idempotent API."""

import json
import re
import uuid

from gridgov.patrols.models import Patrol, PatrolMatter
from gridgov.patrols.tests.conftest import days_ago

# session, user with place, one page of patrols with their teams, the totals, their routes, filter places, teams
QUERIES_PATROL_LIST = 7
# session, user with place, the patrol with team and recorder, route, members, matters recorded from it
QUERIES_PATROL_DETAIL = 6


def patrol_links(response) -> list[str]:
    return re.findall(r'href="/patrols/(\d+)/"', response.content.decode())


def test_grid_worker_lists_only_patrols_through_own_grid(world, team, team_b, patrol, login):
    mine = patrol(world.grid_worker_a, team, [world.grid_a], headcount=2, findings="一切正常")
    patrol(world.village_committee, team, [world.grid_a, world.grid_c], headcount=2, findings="两个网格")
    patrol(world.grid_worker_b, team_b, [world.grid_b], headcount=2, findings="永盛村")
    response = login(world.grid_worker_a).get("/patrols/")
    assert patrol_links(response) == [str(mine.pk)]
    assert "永盛村" not in response.content.decode().split("<tbody>")[1]


def test_town_filters_by_team_shift_and_period(world, team, team_b, patrol, login):
    night = patrol(world.town_staff, team, [world.grid_a], 3, headcount=2)
    patrol(world.town_staff, team, [world.grid_a], 3, headcount=2, shift="day")
    patrol(world.town_staff, team, [world.grid_a], 40, headcount=2)
    other = patrol(world.town_staff, team_b, [world.grid_b], 3, headcount=2)
    client = login(world.town_staff)
    since = days_ago(10).isoformat()
    assert patrol_links(client.get(f"/patrols/?team={team.pk}&shift=night&since={since}")) == [str(night.pk)]
    assert patrol_links(client.get(f"/patrols/?place={world.village_b.code}")) == [str(other.pk)]
    everything = client.get("/patrols/")
    assert len(patrol_links(everything)) == 4
    assert everything.context["totals"] == {"patrols": 4, "nights": 3, "findings": 0, "people": 8}


def test_patrol_list_at_a_fixed_query_count(world, team, patrol, login, django_assert_num_queries):
    for n in range(12):
        patrol(world.village_committee, team, [world.grid_a, world.grid_c], n, headcount=2, findings=f"第{n}次")
    client = login(world.village_committee)
    with django_assert_num_queries(QUERIES_PATROL_LIST):
        response = client.get("/patrols/")
    assert len(patrol_links(response)) == 12
    assert "桂园村第1网格、桂园村第2网格" in response.content.decode()


def test_patrol_detail_at_a_fixed_query_count(world, team, patrol, login, django_assert_num_queries):
    made = patrol(world.village_committee, team, [world.grid_a], members=team.member_list, findings="路灯不亮")
    client = login(world.village_committee)
    with django_assert_num_queries(QUERIES_PATROL_DETAIL):
        response = client.get(f"/patrols/{made.pk}/")
    page = response.content.decode()
    assert "路灯不亮" in page and "张大力、刘明" in page and "桂园村治安巡逻队" in page


def test_patrol_detail_is_404_outside_scope(world, team_b, patrol, login):
    other = patrol(world.grid_worker_b, team_b, [world.grid_b], headcount=2, findings="赌博窝点")
    response = login(world.grid_worker_a).get(f"/patrols/{other.pk}/")
    assert response.status_code == 404
    assert "赌博窝点" not in response.content.decode()


def test_team_picker_offers_the_teams_of_the_users_area(world, team, team_b, login):
    page = login(world.grid_worker_a).get("/patrols/new/").content.decode()
    assert "桂园村治安巡逻队" in page and "永盛村治安巡逻队" not in page


def test_team_outside_the_users_area_is_404(world, team_b, login):
    assert login(world.grid_worker_a).get(f"/patrols/new/?team={team_b.pk}").status_code == 404


def test_grid_worker_records_a_patrol_with_the_phone_form(world, team, login):
    client = login(world.grid_worker_a)
    form = client.get(f"/patrols/new/?team={team.pk}").content.decode()
    assert "张大力" in form and "桂园村第2网格" not in form  # only the worker's own grid is offered
    response = client.post(
        "/patrols/new/",
        {
            "team": team.pk,
            "date": days_ago(0).isoformat(),
            "shift": "night",
            "duration_minutes": 150,
            "route": [world.grid_a.pk],
            "members": [m.pk for m in team.member_list],
            "findings": "桥头护栏松动",
        },
    )
    made = Patrol.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/patrols/{made.pk}/"
    assert (made.duration_minutes, made.headcount, made.findings, made.path) == (
        150,
        2,
        "桥头护栏松动",
        world.grid_a.code,
    )


def test_form_errors_are_shown_and_nothing_is_saved(world, team, login):
    response = login(world.grid_worker_a).post(
        "/patrols/new/",
        {"team": team.pk, "date": days_ago(0).isoformat(), "shift": "night", "duration_minutes": 60,
         "route": [world.grid_a.pk]},
    )  # fmt: skip
    assert response.status_code == 400
    assert "请选择参加的队员或填写参加人数" in response.content.decode()
    assert Patrol.objects.count() == 0


def test_a_finding_becomes_a_matter_in_one_step_linked_to_the_patrol(world, team, patrol, login):
    from gridgov.matters.models import Category, Matter

    made = patrol(world.grid_worker_a, team, [world.grid_a], headcount=2, findings="废弃房屋墙体开裂\n有倒塌危险")
    client = login(world.grid_worker_a)
    form = client.get(f"/patrols/{made.pk}/matter/").content.decode()
    assert 'value="废弃房屋墙体开裂"' in form
    category = Category.objects.filter(kind="hazard", selectable=True, active=True).order_by("sort_order").first()
    response = client.post(
        f"/patrols/{made.pk}/matter/",
        {
            "kind": "hazard",
            "category": category.pk,
            "title": "废弃房屋墙体开裂",
            "description": made.findings,
            "channel": "patrol",
            "color": "yellow",
            "reporter_type": "anonymous",
            "place": world.grid_a.pk,
        },
    )
    matter = Matter.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/matters/{matter.pk}/"
    assert (matter.channel, matter.place, matter.kind) == ("patrol", world.grid_a, "hazard")
    assert list(PatrolMatter.objects.values_list("patrol_id", "matter_id")) == [(made.pk, matter.pk)]
    assert matter.reference in client.get(f"/patrols/{made.pk}/").content.decode()


def test_a_patrol_outside_scope_cannot_become_a_matter(world, team_b, patrol, login):
    from gridgov.matters.models import Matter

    other = patrol(world.grid_worker_b, team_b, [world.grid_b], headcount=2, findings="漏电")
    assert login(world.grid_worker_a).post(f"/patrols/{other.pk}/matter/", {"kind": "hazard"}).status_code == 404
    assert Matter.objects.count() == 0 and PatrolMatter.objects.count() == 0


def test_accounts_without_business_scope_see_no_patrol_page(world, team, patrol, login):
    patrol(world.town_staff, team, [world.grid_a], headcount=2, findings="机密")
    for user in (world.auditor, world.department_liaison):
        response = login(user).get("/patrols/")
        assert response.status_code == 404
        assert "机密" not in response.content.decode()


# ---------------------------------------------------------------- API


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def api_body(world, team, **extra):
    return {
        "team_id": team.pk,
        "date": days_ago(1).isoformat(),
        "duration_minutes": 90,
        "route": [world.grid_a.code],
        "member_ids": [m.pk for m in team.member_list],
        "findings": "河边无护栏",
        **extra,
    }


def test_api_creates_a_patrol_once_per_client_uuid(world, team, login):
    client = login(world.grid_worker_a)
    body = api_body(world, team, client_uuid=str(uuid.uuid4()))
    first = post_json(client, "/api/v1/patrols/", body)
    again = post_json(client, "/api/v1/patrols/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    data = first.json()
    assert (data["shift"], data["shift_label"], data["headcount"], data["team_name"]) == (
        "night",
        "夜间",
        2,
        "桂园村治安巡逻队",
    )
    assert data["route"] == [{"code": world.grid_a.code, "name": "桂园村第1网格"}]
    assert data["member_names"] == ["张大力", "刘明"]
    assert Patrol.objects.count() == 1


def test_api_refuses_a_grid_outside_scope(world, team, login):
    response = post_json(
        login(world.grid_worker_a), "/api/v1/patrols/", api_body(world, team, route=[world.grid_c.code])
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"route": ["网格不存在"]}
    assert Patrol.objects.count() == 0


def test_api_refuses_a_team_outside_scope_with_404(world, team_b, login):
    response = post_json(login(world.grid_worker_a), "/api/v1/patrols/", api_body(world, team_b))
    assert response.status_code == 404
    assert Patrol.objects.count() == 0


def test_api_lists_and_reads_within_scope(world, team, team_b, patrol, login):
    mine = patrol(world.grid_worker_a, team, [world.grid_a], headcount=2)
    other = patrol(world.grid_worker_b, team_b, [world.grid_b], headcount=2, shift="day")
    client = login(world.grid_worker_a)
    listed = client.get("/api/v1/patrols/").json()
    assert [p["id"] for p in listed["items"]] == [mine.pk] and listed["next_offset"] is None
    assert client.get(f"/api/v1/patrols/{mine.pk}").json()["id"] == mine.pk
    assert client.get(f"/api/v1/patrols/{other.pk}").status_code == 404
    town = login(world.town_staff)
    assert [p["id"] for p in town.get("/api/v1/patrols/?shift=day").json()["items"]] == [other.pk]
