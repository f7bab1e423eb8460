"""Clean-ups (环境卫生责任区, 每月整治): areas set up by the town or village, rounds recorded in one's own area, every
problem found becoming an environment matter with its handling; pages and the API scoped with fixed query counts."""

import datetime as dt
import json
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.cleanups import actions
from gridgov.cleanups.models import CleanupProblem, CleanupRound, ResponsibilityArea
from gridgov.core.actions import ActionRefused
from gridgov.matters.models import Category, Matter, MatterEvent

# session, user with place, totals (rounds, problems), one page of rounds with areas and counts, filter places
QUERIES_LIST = 6
# session, user with place, the round with area, place and recorder, problems with place, category, matter,
# the problem form's places and categories
QUERIES_DETAIL = 6


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def links(response) -> list[str]:
    return re.findall(r'href="/cleanups/(\d+)/"', response.content.decode())


def post_json(client, url, body):
    return client.post(url, json.dumps(body, default=str), content_type="application/json")


def category(code="environment.rubbish") -> Category:
    return Category.objects.get(code=code)


@pytest.fixture
def area_a(world):
    data = actions.AreaInput(
        place=world.village_a, name="桂园村责任区", responsible="村主任", members="甲、乙、丙", covers=[world.group_a]
    )
    return actions.create_area(world.village_committee, data)


@pytest.fixture
def area_b(world):
    return actions.create_area(
        world.town_staff, actions.AreaInput(place=world.village_b, name="永盛村责任区", responsible="永盛村主任")
    )


def problem(place, recurrence="one_off", code="environment.rubbish", **extra):
    return actions.ProblemInput(
        place=place, category=category(code), description="路边积存垃圾", recurrence=recurrence, **extra
    )


@pytest.fixture
def cleanup():
    def _round(user, area, n_days_ago: int = 1, problems=(), **extra):
        data = actions.RoundInput(
            area=area, held_on=days_ago(n_days_ago), participant_count=extra.pop("participant_count", 43),
            problems=list(problems), **extra,
        )  # fmt: skip
        return actions.record_round(user, data)[0]

    return _round


# ---------------------------------------------------------------- areas


def test_village_committee_sets_up_an_area_covering_its_villages(world, area_a):
    assert (area_a.path, area_a.responsible) == (world.village_a.code, "村主任")
    assert list(area_a.covers.all()) == [world.group_a]


def test_grid_workers_cannot_set_up_areas_and_nobody_outside_scope(world):
    with pytest.raises(ActionRefused, match="只有综治中心和村（居）委会"):
        actions.create_area(world.grid_worker_a, actions.AreaInput(place=world.village_a, name="x", responsible="y"))
    with pytest.raises(ActionRefused, match="不在您的管辖范围内"):
        actions.create_area(
            world.village_committee, actions.AreaInput(place=world.village_b, name="x", responsible="y")
        )
    with pytest.raises(ValidationError) as exc:
        actions.create_area(
            world.town_staff,
            actions.AreaInput(place=world.village_b, name="x", responsible="y", covers=[world.group_a]),
        )
    assert exc.value.message_dict == {"covers": ["桂园村一组 不在 永盛村 内"]}
    assert ResponsibilityArea.objects.count() == 0


def test_stopped_area_takes_no_rounds(world, area_a, cleanup):
    data = actions.AreaInput(place=world.village_a, name="桂园村责任区", responsible="新主任")
    actions.update_area(world.village_committee, area_a, data, active=False)
    area_a.refresh_from_db()
    assert (area_a.responsible, area_a.active, list(area_a.covers.all())) == ("新主任", False, [])
    with pytest.raises(ActionRefused, match="已停用"):
        cleanup(world.village_committee, area_a)
    assert CleanupRound.objects.count() == 0


# ---------------------------------------------------------------- rounds and problems


def test_each_problem_becomes_an_environment_matter_with_its_handling(world, area_a, cleanup):
    made = cleanup(
        world.village_committee,
        area_a,
        problems=[
            problem(world.grid_a, "one_off"),
            problem(world.group_a, "recurring", "environment.sewage"),
            problem(world.village_a, "needs_help", "environment.ruins"),
        ],
    )
    rows = list(made.problems.order_by("id").values_list("recurrence", "matter__kind", "matter__recurrence", "path"))
    assert rows == [
        ("one_off", "environment", "one_off", world.grid_a.code),
        ("recurring", "environment", "recurring", world.group_a.code),
        ("needs_help", "environment", "needs_help", world.village_a.code),
    ]
    matter = made.problems.first().matter
    assert (matter.channel, matter.title, matter.category.code) == (
        "inspection",
        "桂园村第1网格积存垃圾",
        "environment.rubbish",
    )
    assert MatterEvent.objects.filter(matter__in=Matter.objects.all(), action="record").count() == 3


def test_round_with_a_problem_outside_the_area_records_nothing(world, area_a, cleanup):
    with pytest.raises(ValidationError) as exc:
        cleanup(world.village_committee, area_a, problems=[problem(world.grid_a), problem(world.grid_b)])
    assert exc.value.message_dict == {"problems.1": ["问题地点应在 桂园村 内"]}
    assert (CleanupRound.objects.count(), CleanupProblem.objects.count(), Matter.objects.count()) == (0, 0, 0)


def test_problem_must_be_an_environment_problem_with_a_handling(world, area_a, cleanup):
    made = cleanup(world.village_committee, area_a)
    with pytest.raises(ValidationError) as exc:
        actions.record_problem(world.village_committee, made, problem(world.grid_a, "sometimes", "appeal.policy"))
    assert exc.value.message_dict == {"recurrence": ["请选择整治方式"], "category": ["请选择环境问题的分类"]}
    assert (CleanupProblem.objects.count(), Matter.objects.count()) == (0, 0)


def test_round_outside_scope_is_refused(world, area_b, cleanup):
    with pytest.raises(ActionRefused):
        cleanup(world.village_committee, area_b)
    with pytest.raises(ActionRefused):
        cleanup(world.grid_worker_b, area_b)  # the area belongs to the village, above the grid
    assert CleanupRound.objects.count() == 0


def test_same_client_id_records_the_round_and_its_matters_once(world, area_a, cleanup):
    key = uuid.uuid4()
    first = cleanup(world.village_committee, area_a, client_uuid=key, problems=[problem(world.grid_a)])
    again = cleanup(world.village_committee, area_a, client_uuid=key, problems=[problem(world.grid_a)])
    assert first.pk == again.pk
    assert (CleanupRound.objects.count(), CleanupProblem.objects.count(), Matter.objects.count()) == (1, 1, 1)


# ---------------------------------------------------------------- pages


def test_list_shows_only_rounds_in_scope_with_totals(world, area_a, area_b, cleanup, login):
    mine = cleanup(
        world.village_committee, area_a, problems=[problem(world.grid_a), problem(world.grid_a, "recurring")]
    )
    cleanup(world.town_staff, area_b, participant_count=77, summary="永盛村整治")
    response = login(world.village_committee).get("/cleanups/")
    assert links(response) == [str(mine.pk)]
    page = response.content.decode()
    assert "永盛村整治" not in page and "<b>77</b>" not in page
    assert re.findall(r"<b>(\d+)</b><span>", page) == ["1", "43", "2", "1", "1", "0"]


def test_town_list_filters_by_place_area_and_period(world, area_a, area_b, cleanup, login):
    a = cleanup(world.town_staff, area_a, n_days_ago=40)
    b = cleanup(world.town_staff, area_b, n_days_ago=10)
    c = cleanup(world.town_staff, area_a, n_days_ago=9)
    client = login(world.town_staff)
    assert links(client.get("/cleanups/")) == [str(c.pk), str(b.pk), str(a.pk)]
    assert links(client.get(f"/cleanups/?place={world.village_b.code}")) == [str(b.pk)]
    assert links(client.get(f"/cleanups/?area={area_a.pk}")) == [str(c.pk), str(a.pk)]
    assert links(client.get(f"/cleanups/?since={days_ago(30)}&until={days_ago(10)}")) == [str(b.pk)]


def test_list_at_a_fixed_query_count(world, area_a, cleanup, login, django_assert_num_queries):
    for n in range(6):
        cleanup(world.village_committee, area_a, n_days_ago=n * 30, problems=[problem(world.grid_a)])
    client = login(world.village_committee)
    with django_assert_num_queries(QUERIES_LIST):
        response = client.get("/cleanups/")
    assert len(links(response)) == 6


def test_detail_is_404_outside_scope(world, area_b, cleanup, login):
    other = cleanup(world.town_staff, area_b, summary="永盛村清理河道")
    response = login(world.village_committee).get(f"/cleanups/{other.pk}/")
    assert response.status_code == 404
    assert "永盛村清理河道" not in response.content.decode()
    posted = login(world.village_committee).post(f"/cleanups/{other.pk}/problems/", {"description": "x"})
    assert posted.status_code == 404
    assert CleanupProblem.objects.count() == 0


def test_detail_at_a_fixed_query_count(world, area_a, cleanup, login, django_assert_num_queries):
    made = cleanup(world.village_committee, area_a, problems=[problem(world.grid_a) for _ in range(3)])
    client = login(world.village_committee)
    with django_assert_num_queries(QUERIES_DETAIL):
        response = client.get(f"/cleanups/{made.pk}/")
    assert len(re.findall(r'href="/matters/\d+/"', response.content.decode())) == 3


def test_problem_form_records_a_matter(world, area_a, cleanup, login):
    made = cleanup(world.village_committee, area_a)
    client = login(world.village_committee)
    data = {
        "place": world.grid_a.pk,
        "category": category("environment.manure").pk,
        "description": "圈舍粪污流入沟渠",
        "recurrence": "recurring",
        "color": "yellow",
        "client_uuid": str(uuid.uuid4()),
    }
    first = client.post(f"/cleanups/{made.pk}/problems/", data)
    again = client.post(f"/cleanups/{made.pk}/problems/", data)
    assert first.status_code == again.status_code == 302
    matter = Matter.objects.get()
    assert (matter.recurrence, matter.color, matter.path) == ("recurring", "yellow", world.grid_a.code)
    assert CleanupProblem.objects.get().matter == matter


def test_round_form_and_area_pages(world, area_a, login):
    client = login(world.village_committee)
    assert "桂园村责任区" in client.get("/cleanups/areas/").content.decode()
    form = client.get(f"/cleanups/new/?area={area_a.pk}").content.decode()
    key = re.search(r'name="client_uuid" value="([0-9a-f-]+)"', form).group(1)
    data = {"area": area_a.pk, "held_on": days_ago(0).isoformat(), "participant_count": 12, "client_uuid": key}
    first = client.post("/cleanups/new/", data)
    again = client.post("/cleanups/new/", data)
    made = CleanupRound.objects.get()
    assert first["Location"] == again["Location"] == f"/cleanups/{made.pk}/"
    created = client.post(
        "/cleanups/areas/new/", {"place": world.village_a.pk, "name": "桂园村二片区", "responsible": "副主任"}
    )
    assert created.status_code == 302
    assert ResponsibilityArea.objects.filter(name="桂园村二片区").count() == 1


def test_grid_workers_and_cluster_leaders_get_no_cleanup_pages(world, area_a, area_b, login):
    """Areas and rounds belong to a village or town, above every grid: the pages are not theirs (404)."""
    for user in (world.grid_worker_a, world.cluster_leader_a1):
        client = login(user)
        for url in ("/cleanups/", "/cleanups/areas/", f"/cleanups/areas/{area_a.pk}/", f"/cleanups/areas/{area_b.pk}/"):
            response = client.get(url)
            assert response.status_code == 404
            assert area_a.name not in response.content.decode() and area_b.name not in response.content.decode()


# ---------------------------------------------------------------- API


def test_api_round_with_problems_is_idempotent(world, area_a, login):
    client = login(world.village_committee)
    body = {
        "area_id": area_a.pk,
        "held_on": days_ago(2).isoformat(),
        "participant_count": 43,
        "problems": [
            {"place_code": world.grid_a.code, "category_code": "environment.roadside_rubbish",
             "description": "通组路两侧垃圾", "recurrence": "one_off", "client_uuid": str(uuid.uuid4())},
            {"place_code": world.group_a.code, "category_code": "environment.sewage",
             "description": "污水直排", "recurrence": "needs_help"},
        ],
        "client_uuid": str(uuid.uuid4()),
    }  # fmt: skip
    first = post_json(client, "/api/v1/cleanups/", body)
    again = post_json(client, "/api/v1/cleanups/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert [p["recurrence"] for p in first.json()["problems"]] == ["one_off", "needs_help"]
    assert first.json()["problems"][0]["matter_reference"].startswith("HJ-")
    assert (CleanupRound.objects.count(), Matter.objects.count()) == (1, 2)


def test_api_refuses_areas_and_places_outside_scope(world, area_a, area_b, login):
    client = login(world.village_committee)
    body = {"area_id": area_b.pk, "held_on": days_ago(2).isoformat(), "participant_count": 3}
    assert post_json(client, "/api/v1/cleanups/", body).status_code == 400
    body = {"area_id": area_a.pk, "held_on": days_ago(2).isoformat(), "participant_count": 3,
            "problems": [{"place_code": world.grid_b.code, "category_code": "environment.rubbish",
                          "description": "x", "recurrence": "one_off"}]}  # fmt: skip
    response = post_json(client, "/api/v1/cleanups/", body)
    assert (response.status_code, response.json()["errors"]) == (400, {"place": ["地点不存在"]})
    assert (CleanupRound.objects.count(), Matter.objects.count()) == (0, 0)


def test_api_lists_detail_and_problem_are_scoped(world, area_a, area_b, cleanup, login):
    mine = cleanup(world.village_committee, area_a)
    other = cleanup(world.town_staff, area_b)
    client = login(world.village_committee)
    assert [r["id"] for r in client.get("/api/v1/cleanups/").json()["items"]] == [mine.pk]
    assert [a["name"] for a in client.get("/api/v1/cleanups/areas").json()] == ["桂园村责任区"]
    assert client.get("/api/v1/cleanups/areas").json()[0]["covers"] == ["桂园村一组"]
    assert client.get(f"/api/v1/cleanups/{other.pk}").status_code == 404
    body = {"place_code": world.grid_a.code, "category_code": "environment.rubbish", "description": "x",
            "recurrence": "recurring"}  # fmt: skip
    assert post_json(client, f"/api/v1/cleanups/{other.pk}/problems", body).status_code == 404
    made = post_json(client, f"/api/v1/cleanups/{mine.pk}/problems", body)
    assert made.status_code == 201
    assert made.json()["matter_id"] == Matter.objects.get().pk


def test_api_problem_client_id_of_another_round_is_refused_not_a_crash(world, area_a, cleanup, login):
    first, second = cleanup(world.village_committee, area_a, 3), cleanup(world.village_committee, area_a, 1)
    client = login(world.village_committee)
    body = {"place_code": world.grid_a.code, "category_code": "environment.rubbish", "description": "x",
            "recurrence": "recurring", "client_uuid": str(uuid.uuid4())}  # fmt: skip
    assert post_json(client, f"/api/v1/cleanups/{first.pk}/problems", body).status_code == 201
    again = post_json(client, f"/api/v1/cleanups/{second.pk}/problems", body)
    assert (again.status_code, again.json()["errors"]) == (
        400,
        {"client_uuid": ["该客户端记录ID已用于另一次整治的问题"]},
    )
    assert list(CleanupProblem.objects.values_list("round_id", flat=True)) == [first.pk]
    assert Matter.objects.count() == 1


def test_round_reusing_a_problem_client_id_records_nothing(world, area_a, cleanup):
    used = uuid.uuid4()
    first = cleanup(world.village_committee, area_a, 3, problems=[problem(world.grid_a, client_uuid=used)])
    with pytest.raises(ValidationError):
        cleanup(world.village_committee, area_a, 1, problems=[problem(world.grid_a, client_uuid=used)])
    assert list(CleanupRound.objects.values_list("pk", flat=True)) == [first.pk]
    assert (CleanupProblem.objects.count(), Matter.objects.count()) == (1, 1)
