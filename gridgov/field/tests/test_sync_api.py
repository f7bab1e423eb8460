"""One sync endpoint for a phone's mixed offline queue: idempotent per client id, scoped, per-record answers."""

import uuid

import pytest

from gridgov.field.models import SyncReceipt
from gridgov.field.tests.conftest import (
    follow_up_record,
    grant,
    matter_record,
    sync,
    visit_record,
)
from gridgov.keypersons.models import FollowUp
from gridgov.matters.models import Matter
from gridgov.visits import actions as visit_actions
from gridgov.visits.models import Visit

pytestmark = pytest.mark.django_db


def statuses(body) -> list[str]:
    return [r["status"] for r in body["results"]]


def test_mixed_queue_creates_each_record_once_and_a_replay_adds_nothing(world, login, key_person_a, hazard_category):
    client = login(grant(world.grid_worker_a))
    queue = [
        visit_record(world.household_a, hours=3),
        visit_record(world.household_a, hours=1, findings="老人腿脚不便，需要代办医保"),
        follow_up_record(key_person_a),
        matter_record(hazard_category, household=world.household_a),
    ]

    first = sync(client, queue)

    assert statuses(first) == ["created", "created", "created", "created"]
    assert (first["created"], first["existing"], first["rejected"], first["conflict"]) == (4, 0, 0, 0)
    assert [r["client_uuid"] for r in first["results"]] == [r["client_uuid"] for r in queue]
    ids = [r["id"] for r in first["results"]]
    visits = Visit.objects.order_by("visited_at")
    assert [v.pk for v in visits] == ids[:2]
    assert [str(v.client_uuid) for v in visits] == [queue[0]["client_uuid"], queue[1]["client_uuid"]]
    assert visits[1].findings == "老人腿脚不便，需要代办医保"
    assert list(visits[0].visitors.all()) == [world.grid_worker_a]
    assert list(FollowUp.objects.values_list("pk", flat=True)) == [ids[2]]
    matter = Matter.objects.get()
    assert (matter.pk, matter.title, matter.household_id, matter.color) == (
        ids[3],
        "村道边坡有落石",
        world.household_a.pk,
        "yellow",
    )
    assert SyncReceipt.objects.count() == 4

    again = sync(client, queue)

    assert statuses(again) == ["existing"] * 4
    assert [r["id"] for r in again["results"]] == ids
    assert (Visit.objects.count(), FollowUp.objects.count(), Matter.objects.count()) == (2, 1, 1)
    assert SyncReceipt.objects.count() == 4


def test_same_record_twice_in_one_queue_is_created_once(world, login, hazard_category):
    client = login(world.grid_worker_a)
    visit = visit_record(world.household_a)
    matter = matter_record(hazard_category)

    body = sync(client, [visit, matter, visit, matter])

    assert statuses(body) == ["created", "created", "existing", "existing"]
    assert body["results"][2]["id"] == body["results"][0]["id"]
    assert body["results"][3]["id"] == body["results"][1]["id"]
    assert (Visit.objects.count(), Matter.objects.count()) == (1, 1)


def test_matter_without_household_lands_in_the_workers_grid(world, login, hazard_category):
    body = sync(login(world.grid_worker_a), [matter_record(hazard_category)])

    matter = Matter.objects.get(pk=body["results"][0]["id"])
    assert (matter.path, matter.household_id, matter.channel) == (world.grid_a.code, None, "visit")


def test_visit_uploaded_before_through_the_visits_api_is_answered_existing(world, login):
    client = login(world.grid_worker_a)
    record = visit_record(world.household_a)
    first = client.post("/api/v1/visits/sync", {"items": [record]}, content_type="application/json").json()

    body = sync(client, [record])

    assert statuses(body) == ["existing"]
    assert body["results"][0]["id"] == first["results"][0]["id"]
    assert Visit.objects.count() == 1


def test_grid_worker_cannot_sync_records_into_another_grid(world, login, hazard_category):
    client = login(world.grid_worker_a)

    body = sync(
        client,
        [visit_record(world.household_b), matter_record(hazard_category, household=world.household_b)],
    )

    assert statuses(body) == ["rejected", "rejected"]
    assert [r["detail"] for r in body["results"]] == ["户不存在或不在您的管辖范围内"] * 2
    assert [r["id"] for r in body["results"]] == [None, None]
    assert (Visit.objects.count(), Matter.objects.count(), SyncReceipt.objects.count()) == (0, 0, 0)


def test_follow_up_without_the_grant_is_refused_exactly_like_a_person_that_does_not_exist(world, login, key_person_a):
    client = login(world.grid_worker_a)  # grid A, no key-population grant

    listed = sync(client, [follow_up_record(key_person_a)])["results"][0]
    missing = sync(client, [{**follow_up_record(key_person_a), "key_person_id": 999999}])["results"][0]

    strip = {"client_uuid", "kind"}
    assert {k: v for k, v in listed.items() if k not in strip} == {k: v for k, v in missing.items() if k not in strip}
    assert listed["status"] == "rejected" and listed["detail"] == "重点人员不存在"
    assert FollowUp.objects.count() == 0


def test_replayed_follow_up_is_refused_once_the_grant_is_withdrawn(world, login, key_person_a):
    worker = grant(world.grid_worker_a)
    client = login(worker)
    record = follow_up_record(key_person_a)
    assert statuses(sync(client, [record])) == ["created"]
    worker.may_view_key_population = False
    worker.save(update_fields=["may_view_key_population"])

    body = sync(client, [record])

    assert statuses(body) == ["rejected"]
    assert (body["results"][0]["id"], body["results"][0]["detail"]) == (None, "重点人员不存在")
    assert FollowUp.objects.count() == 1


def test_client_id_of_another_grids_record_is_refused_without_revealing_it(world, login, hazard_category):
    record = matter_record(hazard_category)
    sync(login(world.grid_worker_a), [record])
    login(world.grid_worker_b)  # the same client, now signed in as grid B's worker
    from django.test import Client

    other = Client()
    other.force_login(world.grid_worker_b)

    body = sync(other, [{**record, "title": "另一件事"}])

    assert statuses(body) == ["rejected"]
    assert (body["results"][0]["id"], body["results"][0]["detail"]) == (None, "该记录ID已被其他记录使用")
    assert Matter.objects.count() == 1


def test_a_bad_record_is_rejected_alone(world, login, hazard_category):
    client = login(world.grid_worker_a)
    good = visit_record(world.household_a)
    queue = [
        {"kind": "poster", "client_uuid": str(uuid.uuid4())},
        {**visit_record(world.household_a), "client_uuid": "not-a-uuid"},
        {**visit_record(world.household_a), "mode": "pigeon"},
        {**matter_record(hazard_category), "title": ""},
        good,
    ]

    body = sync(client, queue)

    assert statuses(body) == ["rejected", "rejected", "rejected", "rejected", "created"]
    assert body["results"][0]["detail"] == "记录类型无效"
    assert body["results"][1]["detail"] == "记录格式有误" and "client_uuid" in body["results"][1]["errors"]
    assert "mode" in body["results"][2]["errors"]
    assert body["results"][3]["errors"] == {"title": ["请填写标题"]}
    assert list(Visit.objects.values_list("client_uuid", flat=True)) == [uuid.UUID(good["client_uuid"])]
    assert Matter.objects.count() == 0


def test_queue_over_the_limit_is_refused_whole(world, login):
    client = login(world.grid_worker_a)
    records = [visit_record(world.household_a) for _ in range(501)]

    response = client.post("/api/v1/field/sync", {"records": records}, content_type="application/json")

    assert response.status_code == 422
    assert Visit.objects.count() == 0


def test_anonymous_sync_is_refused(world, client):
    response = client.post(
        "/api/v1/field/sync", {"records": [visit_record(world.household_a)]}, content_type="application/json"
    )

    assert response.status_code == 401
    assert Visit.objects.count() == 0


def test_sync_of_many_visits_uses_a_fixed_number_of_queries_per_visit(world, login, django_assert_max_num_queries):
    client = login(world.grid_worker_a)
    records = [visit_record(world.household_a, hours=1 + i % 20) for i in range(40)]

    with django_assert_max_num_queries(40 * 3 + 25):
        body = sync(client, records)

    assert body["created"] == 40
    assert visit_actions.Visit.objects.count() == 40


def test_an_upload_racing_another_of_the_same_queue_answers_existing_with_the_winners_ids(
    world, login, hazard_category, monkeypatch
):
    """Two uploads of one queue at once: the loser finds no receipt when it looks, then hits the unique client id."""
    from gridgov.field import actions

    client = login(world.grid_worker_a)
    queue = [visit_record(world.household_a), matter_record(hazard_category)]
    won = sync(client, queue)
    monkeypatch.setattr(actions, "receipts_for", lambda client_uuids: {})

    lost = sync(client, queue)

    assert [r["status"] for r in lost["results"]] == ["existing", "existing"]
    assert [r["id"] for r in lost["results"]] == [r["id"] for r in won["results"]]
    assert (Visit.objects.count(), Matter.objects.count(), SyncReceipt.objects.count()) == (1, 1, 2)
