"""Campaign checks (摸排) ride the same offline queue: idempotent, scoped to the campaign and the worker's grid."""

import uuid

import pytest
from django.utils import timezone

from gridgov.campaigns.models import HouseholdCheck
from gridgov.campaigns.tests.conftest import make_campaign
from gridgov.field.models import SyncReceipt
from gridgov.field.tests.conftest import sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(world):
    return make_campaign(world.town_staff, [world.town])


def check_record(campaign, household, answers=None, **extra) -> dict:
    return {
        "kind": "campaign_check",
        "client_uuid": str(uuid.uuid4()),
        "campaign_id": campaign.pk,
        "household_id": household.pk,
        "checked_at": timezone.now().isoformat(),
        "answers": {"returned": False} if answers is None else answers,
        **extra,
    }


def test_offline_check_is_recorded_once_and_a_replay_adds_nothing(world, login, campaign):
    client = login(world.grid_worker_a)
    record = check_record(campaign, world.household_a, {"returned": True, "returnees": 2, "returned_from": "广东东莞"})

    first = sync(client, [record])
    again = sync(client, [record])

    assert [r["status"] for r in first["results"]] == ["created"]
    assert [r["status"] for r in again["results"]] == ["existing"]
    check = HouseholdCheck.objects.get()
    assert first["results"][0]["id"] == again["results"][0]["id"] == check.pk
    assert check.answers == {"returned": True, "returnees": 2, "returned_from": "广东东莞"}
    assert check.checked_by == world.grid_worker_a
    assert SyncReceipt.objects.filter(kind="campaign_check").count() == 1


def test_recheck_on_a_stale_copy_is_a_conflict_and_keep_mine_resends_on_the_servers_version(world, login, campaign):
    client = login(world.grid_worker_a)
    sync(client, [check_record(campaign, world.household_a)])
    from django.test import Client

    leader = Client()
    leader.force_login(world.village_committee)
    sync(leader, [check_record(campaign, world.household_a, {"returned": True}, base_version=1)])  # now version 2
    mine = check_record(campaign, world.household_a, {"returned": True, "returnees": 3}, base_version=1)

    conflict = sync(client, [mine])["results"][0]

    assert (conflict["status"], conflict["server"]["answers"], conflict["server"]["version"]) == (
        "conflict",
        {"returned": True},
        2,
    )
    assert conflict["rebase"] == {"base_version": 2}
    assert HouseholdCheck.objects.get().answers == {"returned": True}

    resent = sync(client, [{**mine, **conflict["rebase"]}])["results"][0]

    assert resent["status"] == "updated"
    assert HouseholdCheck.objects.get().answers == {"returned": True, "returnees": 3}


def test_check_of_another_grids_household_is_rejected(world, login, campaign):
    body = sync(login(world.grid_worker_a), [check_record(campaign, world.household_b)])

    assert [r["status"] for r in body["results"]] == ["rejected"]
    assert body["results"][0]["detail"] == "该户不在摸排范围或您的管辖范围内"
    assert HouseholdCheck.objects.count() == 0


def test_invalid_answers_are_rejected_with_the_checklists_message(world, login, campaign):
    body = sync(login(world.grid_worker_a), [check_record(campaign, world.household_a, {"returnees": "很多"})])

    result = body["results"][0]
    assert result["status"] == "rejected"
    assert set(result["errors"]) == {"returned", "returnees"}
    assert HouseholdCheck.objects.count() == 0


def test_bootstrap_carries_running_campaigns_with_checklist_and_unchecked_households(world, login, campaign):
    data = login(world.grid_worker_a).get("/api/v1/field/bootstrap").json()

    assert [c["id"] for c in data["campaigns"]] == [campaign.pk]
    assert data["campaigns"][0]["unchecked"] == [world.household_a.pk]
    assert [q["key"] for q in data["campaigns"][0]["questions"]] == [
        "returned",
        "returnees",
        "returned_from",
        "returned_on",
        "health_code",
        "symptoms",
    ]


def test_today_lists_the_workers_unchecked_campaign_households_until_checked(world, login, campaign):
    client = login(world.grid_worker_a)
    link = f"/field/check/?campaign={campaign.pk}&amp;household={world.household_a.pk}"

    before = client.get("/field/").content.decode()
    sync(client, [check_record(campaign, world.household_a)])
    after = client.get("/field/").content.decode()

    assert "摸排未完成户" in before and link in before and "H-B-001" not in before
    assert "摸排未完成户" not in after and link not in after


def test_today_page_query_count_with_a_running_campaign(world, login, campaign, django_assert_num_queries):
    client = login(world.grid_worker_a)
    client.get("/field/")
    with django_assert_num_queries(8):
        client.get("/field/")


def test_bootstrap_reads_every_running_checklist_in_one_query(world, login, campaign, django_assert_num_queries):
    for n in range(2):
        make_campaign(world.town_staff, [world.town], title=f"第{n + 2}次摸排")
    client = login(world.grid_worker_a)
    client.get("/api/v1/field/bootstrap")
    # session, user, households, categories, recent visits, campaigns, their scopes, their checklists,
    # then one query per running campaign for its unchecked households
    with django_assert_num_queries(8 + 3):
        data = client.get("/api/v1/field/bootstrap").json()
    assert [len(c["questions"]) for c in data["campaigns"]] == [6, 6, 6]
    assert [c["questions"][0]["key"] for c in data["campaigns"]] == ["returned"] * 3
