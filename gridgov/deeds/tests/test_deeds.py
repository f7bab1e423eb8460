"""Practical deeds (为群众办实事): recorded in one's own area, for a household, a resident or a group of people;
lists and the API scoped with fixed query counts; creation idempotent by client id."""

import datetime as dt
import json
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.audit.models import AuditLog
from gridgov.core.actions import ActionRefused
from gridgov.deeds import actions
from gridgov.deeds.models import Deed

# session, user with place, total, one page of deeds with place, household and resident, filter places
QUERIES_LIST = 5
# session, user with place, the deed with place, household, resident and recorder
QUERIES_DETAIL = 3


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def links(response) -> list[str]:
    return re.findall(r'href="/deeds/(\d+)/"', response.content.decode())


def post_json(client, url, body):
    return client.post(url, json.dumps(body, default=str), content_type="application/json")


@pytest.fixture
def deed():
    def _deed(user, n_days_ago: int = 1, **extra):
        values = {"category": "paperwork", "title": "代办身份证换领", "done_by": "网格员甲"}
        values.update(extra)
        return actions.record_deed(user, actions.DeedInput(done_on=days_ago(n_days_ago), **values))[0]

    return _deed


def test_deed_for_a_resident_lies_where_the_household_lives(world, deed):
    made = deed(world.grid_worker_a, resident=world.resident_a)
    assert (made.household, made.path, made.place) == (world.household_a, world.cluster_a1.code, world.cluster_a1)
    assert made.for_whom == "王建国"
    logged = AuditLog.objects.filter(object_type="deeds.deed", object_id=str(made.pk))
    assert list(logged.values_list("action", flat=True)) == ["create"]


def test_deed_for_a_group_of_people_at_a_place(world, deed):
    made = deed(world.village_committee, place=world.group_a, beneficiary="一组 12 户村民", category="infrastructure")
    assert (made.path, made.household, made.for_whom) == (world.group_a.code, None, "一组 12 户村民")


def test_deed_for_a_household_outside_scope_is_refused(world, deed):
    with pytest.raises(ActionRefused, match="该户不在您的管辖范围内"):
        deed(world.grid_worker_a, household=world.household_b)
    with pytest.raises(ActionRefused):
        deed(world.grid_worker_a, place=world.grid_b, beneficiary="永盛村村民")
    with pytest.raises(ActionRefused):
        deed(world.cluster_leader_a1, household=world.household_a)
    assert Deed.objects.count() == 0


def test_deed_needs_whom_where_and_a_consistent_resident(world, deed):
    with pytest.raises(ValidationError) as exc:
        deed(world.grid_worker_a)
    assert exc.value.message_dict == {"place": ["请选择地点或受益户"]}
    with pytest.raises(ValidationError) as exc:
        deed(world.grid_worker_a, place=world.grid_a)
    assert exc.value.message_dict == {"beneficiary": ["请填写受益对象或选择受益户"]}
    with pytest.raises(ValidationError) as exc:
        deed(world.town_staff, household=world.household_a, resident=world.resident_b)
    assert exc.value.message_dict == {"resident": ["受益人不是该户成员"]}
    with pytest.raises(ValidationError) as exc:
        deed(world.grid_worker_a, household=world.household_a, n_days_ago=-2)
    assert exc.value.message_dict == {"done_on": ["日期不能晚于今天"]}
    assert Deed.objects.count() == 0


def test_same_client_id_records_once(world, deed):
    key = uuid.uuid4()
    first = deed(world.grid_worker_a, household=world.household_a, client_uuid=key)
    again = deed(world.grid_worker_a, household=world.household_a, client_uuid=key, title="另一件")
    assert first.pk == again.pk
    assert Deed.objects.count() == 1


# ---------------------------------------------------------------- pages


def test_list_shows_only_deeds_in_scope(world, deed, login):
    mine = deed(world.grid_worker_a, household=world.household_a)
    deed(world.grid_worker_b, household=world.household_b, title="帮李秀英申请低保")
    response = login(world.grid_worker_a).get("/deeds/")
    assert links(response) == [str(mine.pk)]
    page = response.content.decode()
    assert "帮李秀英申请低保" not in page and "李秀英" not in page


def test_town_list_filters_by_place_category_and_period(world, deed, login):
    a = deed(world.grid_worker_a, household=world.household_a, category="medical", n_days_ago=9)
    b = deed(world.grid_worker_b, household=world.household_b, category="medical", n_days_ago=2)
    c = deed(world.village_committee, place=world.village_a, beneficiary="全村", category="relief", n_days_ago=4)
    client = login(world.town_staff)
    assert links(client.get("/deeds/")) == [str(b.pk), str(c.pk), str(a.pk)]
    assert links(client.get(f"/deeds/?place={world.village_a.code}")) == [str(c.pk), str(a.pk)]
    assert links(client.get("/deeds/?category=medical")) == [str(b.pk), str(a.pk)]
    assert links(client.get(f"/deeds/?since={days_ago(5)}&category=relief")) == [str(c.pk)]


def test_list_at_a_fixed_query_count(world, deed, login, django_assert_num_queries):
    for n in range(6):
        deed(world.grid_worker_a, resident=world.resident_a, title=f"第{n}件", n_days_ago=n)
        deed(world.grid_worker_a, place=world.grid_a, beneficiary="网格内老人", n_days_ago=n)
    client = login(world.grid_worker_a)
    with django_assert_num_queries(QUERIES_LIST):
        response = client.get("/deeds/")
    assert len(links(response)) == 12


def test_detail_is_404_outside_scope(world, deed, login):
    other = deed(world.grid_worker_b, household=world.household_b, title="帮永盛村修水管")
    response = login(world.grid_worker_a).get(f"/deeds/{other.pk}/")
    assert response.status_code == 404
    assert "帮永盛村修水管" not in response.content.decode()


def test_detail_at_a_fixed_query_count(world, deed, login, django_assert_num_queries):
    made = deed(world.grid_worker_a, resident=world.resident_a)
    client = login(world.grid_worker_a)
    with django_assert_num_queries(QUERIES_DETAIL):
        response = client.get(f"/deeds/{made.pk}/")
    assert "H-A-001" in response.content.decode()


def test_record_form_by_household_number_saves_once(world, login):
    client = login(world.grid_worker_a)
    form = client.get("/deeds/new/").content.decode()
    key = re.search(r'name="client_uuid" value="([0-9a-f-]+)"', form).group(1)
    data = {
        "done_on": days_ago(0).isoformat(),
        "category": "medical",
        "title": "陪同老人就医",
        "household_number": "H-A-001",
        "done_by": "网格员甲",
        "client_uuid": key,
    }
    first = client.post("/deeds/new/", data)
    again = client.post("/deeds/new/", data)
    made = Deed.objects.get()
    assert first["Location"] == again["Location"] == f"/deeds/{made.pk}/"
    assert made.household == world.household_a


def test_record_form_does_not_find_households_outside_scope(world, login):
    client = login(world.grid_worker_a)
    response = client.post(
        "/deeds/new/",
        {"done_on": days_ago(0).isoformat(), "category": "medical", "title": "x", "household_number": "H-B-001",
         "done_by": "y"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "辖区内没有该户编号" in response.content.decode()
    assert Deed.objects.count() == 0


# ---------------------------------------------------------------- API


def test_api_create_is_idempotent_by_client_id(world, login):
    client = login(world.grid_worker_a)
    body = {
        "done_on": days_ago(1).isoformat(),
        "category": "subsidy",
        "title": "帮助查询耕地地力补贴",
        "done_by": "网格员甲",
        "resident_id": world.resident_a.pk,
        "client_uuid": str(uuid.uuid4()),
    }
    first = post_json(client, "/api/v1/deeds/", body)
    again = post_json(client, "/api/v1/deeds/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert (first.json()["household_number"], first.json()["for_whom"]) == ("H-A-001", "王建国")
    assert Deed.objects.count() == 1


def test_api_create_for_a_resident_outside_scope_is_refused(world, login):
    body = {"done_on": days_ago(1).isoformat(), "category": "subsidy", "title": "x", "done_by": "y",
            "resident_id": world.resident_b.pk}  # fmt: skip
    response = post_json(login(world.grid_worker_a), "/api/v1/deeds/", body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"resident": ["居民不存在"]}
    assert Deed.objects.count() == 0


def test_api_list_and_detail_are_scoped(world, deed, login):
    mine = deed(world.grid_worker_a, household=world.household_a)
    other = deed(world.grid_worker_b, household=world.household_b)
    client = login(world.grid_worker_a)
    assert [d["id"] for d in client.get("/api/v1/deeds/").json()["items"]] == [mine.pk]
    assert client.get(f"/api/v1/deeds/{other.pk}").status_code == 404
    assert client.get(f"/api/v1/deeds/{mine.pk}").json()["category_label"] == "证照代办"
    assert client.get("/api/v1/deeds/?category=medical").json()["items"] == []
