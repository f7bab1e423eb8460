"""Deliberation meetings per villager group (议事协商到组): recorded in one's own area, follow-up matters recorded
by the matter engine and linked, lists and the API scoped with fixed query counts, creation idempotent."""

import datetime as dt
import json
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.audit.models import AuditLog
from gridgov.core.actions import ActionRefused
from gridgov.deliberations import actions
from gridgov.deliberations.models import Deliberation, DeliberationMatter
from gridgov.matters.actions import MatterInput
from gridgov.matters.models import Category, Matter, MatterEvent
from gridgov.places.models import Place

# session, user with place, totals, one page of meetings with their groups, filter places
QUERIES_LIST = 5
# session, user with place, the meeting with group and recorder, its visible matters
QUERIES_DETAIL = 4


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def links(response) -> list[str]:
    return re.findall(r'href="/deliberations/(\d+)/"', response.content.decode())


def post_json(client, url, body):
    return client.post(url, json.dumps(body, default=str), content_type="application/json")


@pytest.fixture
def group_b(world):
    return Place.objects.get(code="52033011320201")


@pytest.fixture
def meeting():
    def _meeting(user, group, n_days_ago: int = 1, **extra):
        values = {
            "subject": "infrastructure",
            "topic": "一组通组路硬化筹资投劳",
            "host": "组长王某",
            "participant_count": 23,
            "decisions": "每户投劳两天，材料由村申请项目解决。",
        }
        values.update(extra)
        data = actions.DeliberationInput(group=group, held_on=days_ago(n_days_ago), **values)
        return actions.record_deliberation(user, data)[0]

    return _meeting


def appeal_input(place=None, household=None, **extra) -> MatterInput:
    values = {
        "kind": "appeal",
        "category": Category.objects.get(code="appeal.infrastructure"),
        "title": "申请通组路硬化项目",
        "channel": "walk_in",
        "color": "blue",
        "place": place,
        "household": household,
    }
    values.update(extra)
    return MatterInput(**values)


def test_village_committee_records_a_meeting_of_its_group(world, meeting):
    made = meeting(world.village_committee, world.group_a)
    assert (made.path, made.participant_count, made.recorded_by) == (world.group_a.code, 23, world.village_committee)
    logged = AuditLog.objects.filter(object_type="deliberations.deliberation", object_id=str(made.pk))
    assert list(logged.values_list("action", flat=True)) == ["create"]


def test_meetings_are_recorded_per_villager_group_only(world, meeting):
    with pytest.raises(ValidationError) as exc:
        meeting(world.village_committee, world.village_a)
    assert exc.value.message_dict == {"place": ["议事协商应记录到村民小组"]}
    assert Deliberation.objects.count() == 0


def test_other_villages_group_is_refused(world, meeting, group_b):
    with pytest.raises(ActionRefused, match="不在您的管辖范围内"):
        meeting(world.village_committee, group_b)
    with pytest.raises(ActionRefused):
        meeting(world.grid_worker_a, world.group_a)  # a grid lies below the group
    assert Deliberation.objects.count() == 0


def test_participants_and_decisions_are_required(world, meeting):
    with pytest.raises(ValidationError) as exc:
        meeting(world.village_committee, world.group_a, participant_count=0)
    assert exc.value.message_dict == {"participant_count": ["参加人数应在 1 至 10000 之间"]}
    with pytest.raises(ValidationError) as exc:
        meeting(world.village_committee, world.group_a, decisions="  ")
    assert exc.value.message_dict == {"decisions": ["请填写议定事项"]}
    assert Deliberation.objects.count() == 0


def test_same_client_id_records_once(world, meeting):
    key = uuid.uuid4()
    first = meeting(world.village_committee, world.group_a, client_uuid=key)
    again = meeting(world.village_committee, world.group_a, client_uuid=key, topic="别的议题")
    assert first.pk == again.pk
    assert Deliberation.objects.count() == 1


# ---------------------------------------------------------------- follow-up matters


def test_follow_up_matter_is_recorded_by_the_engine_and_linked(world, meeting):
    made = meeting(world.village_committee, world.group_a)
    matter = actions.record_follow_up_matter(world.village_committee, made, appeal_input())
    assert (matter.kind, matter.path, matter.place_id) == ("appeal", world.group_a.code, world.group_a.pk)
    assert list(DeliberationMatter.objects.values_list("deliberation_id", "matter_id")) == [(made.pk, matter.pk)]
    assert list(MatterEvent.objects.filter(matter=matter).values_list("action", flat=True)) == ["record"]


def test_follow_up_matter_outside_the_group_is_refused_and_nothing_recorded(world, meeting):
    made = meeting(world.town_staff, world.group_a)
    with pytest.raises(ValidationError) as exc:
        actions.record_follow_up_matter(world.town_staff, made, appeal_input(household=world.household_b))
    assert exc.value.message_dict == {"place": ["后续事项应在本村民小组内"]}
    assert (Matter.objects.count(), DeliberationMatter.objects.count()) == (0, 0)


def test_follow_up_on_a_meeting_outside_scope_is_refused(world, meeting, group_b):
    other = meeting(world.town_staff, group_b)
    with pytest.raises(ActionRefused):
        actions.record_follow_up_matter(world.village_committee, other, appeal_input())
    assert (Matter.objects.count(), DeliberationMatter.objects.count()) == (0, 0)


def test_follow_up_page_records_a_matter_in_the_group(world, meeting, login):
    made = meeting(world.village_committee, world.group_a)
    client = login(world.village_committee)
    page = client.get(f"/deliberations/{made.pk}/matter/")
    assert page.status_code == 200
    assert "永盛村" not in page.content.decode()
    response = client.post(
        f"/deliberations/{made.pk}/matter/",
        {
            "kind": "appeal",
            "category": Category.objects.get(code="appeal.infrastructure").pk,
            "title": "申请通组路硬化项目",
            "channel": "walk_in",
            "color": "blue",
            "reporter_type": "anonymous",
            "place": world.grid_a.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    matter = Matter.objects.get()
    assert (matter.path, response["Location"]) == (world.grid_a.code, f"/deliberations/{made.pk}/")
    assert matter.reference in client.get(f"/deliberations/{made.pk}/").content.decode()


# ---------------------------------------------------------------- pages


def test_list_shows_only_meetings_in_scope(world, meeting, login, group_b):
    mine = meeting(world.village_committee, world.group_a)
    meeting(world.town_staff, group_b, topic="永盛村一组产业路")
    response = login(world.village_committee).get("/deliberations/")
    assert links(response) == [str(mine.pk)]
    page = response.content.decode()
    assert "永盛村一组产业路" not in page
    assert re.findall(r"<b>(\d+)</b><span>", page) == ["1", "23"]


def test_grid_workers_and_cluster_leaders_get_no_meeting_pages(world, meeting, login):
    """Meetings sit at group level, above every grid: the pages are not theirs (404, the menu hides them)."""
    made = meeting(world.village_committee, world.group_a)
    for user in (world.grid_worker_a, world.cluster_leader_a1):
        client = login(user)
        for url in ("/deliberations/", f"/deliberations/{made.pk}/", "/deliberations/new/"):
            response = client.get(url)
            assert response.status_code == 404
            assert made.topic not in response.content.decode()
        assert client.post("/deliberations/new/", {"group": world.group_a.pk}).status_code == 404
    with pytest.raises(ActionRefused, match="您的账号不能登记议事协商"):
        meeting(world.grid_worker_a, world.group_a)
    assert Deliberation.objects.count() == 1


def test_town_list_filters_by_place_subject_and_period(world, meeting, login, group_b):
    a = meeting(world.town_staff, world.group_a, subject="environment", n_days_ago=9)
    b = meeting(world.town_staff, group_b, subject="environment", n_days_ago=2)
    c = meeting(world.town_staff, world.group_a, subject="land", n_days_ago=4)
    client = login(world.town_staff)
    assert links(client.get("/deliberations/")) == [str(b.pk), str(c.pk), str(a.pk)]
    assert links(client.get(f"/deliberations/?place={world.village_a.code}")) == [str(c.pk), str(a.pk)]
    assert links(client.get("/deliberations/?subject=environment")) == [str(b.pk), str(a.pk)]
    assert links(client.get(f"/deliberations/?since={days_ago(5)}&subject=land")) == [str(c.pk)]


def test_list_at_a_fixed_query_count(world, meeting, login, django_assert_num_queries):
    for n in range(12):
        meeting(world.village_committee, world.group_a, topic=f"议题{n}", n_days_ago=n)
    client = login(world.village_committee)
    with django_assert_num_queries(QUERIES_LIST):
        response = client.get("/deliberations/")
    assert len(links(response)) == 12


def test_detail_is_404_outside_scope(world, meeting, login, group_b):
    other = meeting(world.town_staff, group_b, topic="永盛村议题")
    response = login(world.village_committee).get(f"/deliberations/{other.pk}/")
    assert response.status_code == 404
    assert "永盛村议题" not in response.content.decode()


def test_detail_at_a_fixed_query_count(world, meeting, login, django_assert_num_queries):
    made = meeting(world.village_committee, world.group_a)
    for n in range(3):
        actions.record_follow_up_matter(world.village_committee, made, appeal_input(title=f"事项{n}"))
    client = login(world.village_committee)
    with django_assert_num_queries(QUERIES_DETAIL):
        response = client.get(f"/deliberations/{made.pk}/")
    assert len(re.findall(r'href="/matters/\d+/"', response.content.decode())) == 3


def test_record_form_saves_once(world, login):
    client = login(world.village_committee)
    form = client.get("/deliberations/new/").content.decode()
    key = re.search(r'name="client_uuid" value="([0-9a-f-]+)"', form).group(1)
    data = {
        "held_on": days_ago(0).isoformat(),
        "group": world.group_a.pk,
        "subject": "benefits",
        "topic": "低保评议",
        "host": "村支书",
        "participant_count": "31",
        "decisions": "同意三户纳入低保公示。",
        "client_uuid": key,
    }
    first = client.post("/deliberations/new/", data)
    again = client.post("/deliberations/new/", data)
    made = Deliberation.objects.get()
    assert first["Location"] == again["Location"] == f"/deliberations/{made.pk}/"


# ---------------------------------------------------------------- API


def test_api_create_is_idempotent_by_client_id(world, login):
    client = login(world.village_committee)
    body = {
        "group_code": world.group_a.code,
        "held_on": days_ago(1).isoformat(),
        "subject": "village_rules",
        "topic": "修订村规民约",
        "host": "村主任",
        "participant_count": 40,
        "decisions": "通过修订稿。",
        "client_uuid": str(uuid.uuid4()),
    }
    first = post_json(client, "/api/v1/deliberations/", body)
    again = post_json(client, "/api/v1/deliberations/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert (first.json()["subject_label"], first.json()["matters"]) == ("村规民约", [])
    assert Deliberation.objects.count() == 1


def test_api_create_outside_scope_is_refused(world, login, group_b):
    body = {"group_code": group_b.code, "held_on": days_ago(1).isoformat(), "subject": "other", "topic": "x",
            "host": "y", "participant_count": 3, "decisions": "z"}  # fmt: skip
    response = post_json(login(world.village_committee), "/api/v1/deliberations/", body)
    assert response.status_code == 400
    assert Deliberation.objects.count() == 0


def test_api_list_detail_and_follow_up_are_scoped(world, meeting, login, group_b):
    mine = meeting(world.village_committee, world.group_a)
    other = meeting(world.town_staff, group_b)
    client = login(world.village_committee)
    assert [d["id"] for d in client.get("/api/v1/deliberations/").json()["items"]] == [mine.pk]
    assert client.get(f"/api/v1/deliberations/{other.pk}").status_code == 404
    body = {"kind": "environment", "category_code": "environment.rubbish", "title": "组内垃圾池清运",
            "recurrence": "recurring"}  # fmt: skip
    assert post_json(client, f"/api/v1/deliberations/{other.pk}/matters", body).status_code == 404
    assert Matter.objects.count() == 0
    made = post_json(client, f"/api/v1/deliberations/{mine.pk}/matters", body)
    assert made.status_code == 201
    matter = Matter.objects.get()
    assert (matter.recurrence, matter.path) == ("recurring", world.group_a.code)
    detail = client.get(f"/api/v1/deliberations/{mine.pk}").json()
    assert [m["id"] for m in detail["matters"]] == [matter.pk]
