import json
import uuid

from gridgov.campaigns.models import HouseholdCheck
from gridgov.campaigns.tests.conftest import make_campaign


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_list_and_detail_of_campaigns_in_scope(world, cw, login, django_assert_max_num_queries):
    secret = make_campaign(world.town_staff, [world.village_b], title="永盛村摸排")
    client = login(world.grid_worker_a)
    client.get("/api/v1/campaigns/")
    with django_assert_max_num_queries(6):
        listed = client.get("/api/v1/campaigns/").json()
    assert [(c["title"], c["scope"], c["status"], c["checked"]) for c in listed["items"]] == [
        ("返乡人员摸排", ["520330113"], "running", 0)
    ]
    with django_assert_max_num_queries(10):
        detail = client.get(f"/api/v1/campaigns/{cw.campaign.pk}").json()
    assert [q["key"] for q in detail["questions"]] == [
        "returned", "returnees", "returned_from", "returned_on", "health_code", "symptoms",
    ]  # fmt: skip
    assert detail["questions"][4]["options"] == ["绿码", "黄码", "红码"]
    assert (detail["target"], detail["checked"], detail["scope_places"]) == (
        3,
        0,
        [{"code": "520330113", "name": "寨坝镇"}],
    )
    response = client.get(f"/api/v1/campaigns/{secret.pk}")
    assert response.status_code == 404 and "永盛村" not in response.content.decode()
    assert client.get(f"/api/v1/campaigns/{secret.pk}/households").status_code == 404
    assert client.get(f"/api/v1/campaigns/{secret.pk}/progress").status_code == 404


def test_households_to_check_and_progress(world, cw, check, login):
    check(world.grid_worker_a, cw.campaign, world.household_a)
    client = login(world.grid_worker_a)
    left = client.get(f"/api/v1/campaigns/{cw.campaign.pk}/households").json()
    assert [h["number"] for h in left["items"]] == ["A-000", "A-001"]
    everything = client.get(f"/api/v1/campaigns/{cw.campaign.pk}/households?unchecked=false").json()
    assert [(h["number"], h["check"] and h["check"]["version"]) for h in everything["items"]] == [
        ("H-A-001", 1),
        ("A-000", None),
        ("A-001", None),
    ]
    progress = client.get(f"/api/v1/campaigns/{cw.campaign.pk}/progress").json()
    assert progress["total"] | {"label": ""} == {
        "code": "", "label": "", "target": 3, "checked": 1, "left": 2, "rate": 33.3, "recorded": 0,
    }  # fmt: skip
    assert [g["code"] for g in progress["grids"]] == [world.grid_a.code]


def test_post_check_is_idempotent_and_versioned(world, cw, login):
    client = login(world.grid_worker_a)
    url = f"/api/v1/campaigns/{cw.campaign.pk}/checks"
    body = {"household_id": world.household_a.pk, "answers": {"returned": True}, "client_uuid": str(uuid.uuid4())}
    first = post_json(client, url, body)
    again = post_json(client, url, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["version"] == 1
    edited = post_json(client, url, body | {"answers": {"returned": True, "returnees": 3}, "base_version": 1})
    assert (edited.status_code, edited.json()["version"]) == (200, 2)
    assert HouseholdCheck.objects.count() == 1


def test_post_check_conflict_returns_both_copies(world, cw, check, login):
    check(world.town_staff, cw.campaign, world.household_a, {"returned": True, "returned_from": "浙江"})
    check(world.town_staff, cw.campaign, world.household_a, {"returned": True, "returned_from": "江苏"}, base_version=1)
    client = login(world.grid_worker_a)
    body = {"household_id": world.household_a.pk, "answers": {"returned": False}, "base_version": 1}
    response = post_json(client, f"/api/v1/campaigns/{cw.campaign.pk}/checks", body)
    assert response.status_code == 409
    payload = response.json()
    assert payload["server"]["answers"] == {"returned": True, "returned_from": "江苏"}
    assert payload["server"]["version"] == 2
    assert payload["client"]["answers"] == {"returned": False}
    assert HouseholdCheck.objects.get().answers == {"returned": True, "returned_from": "江苏"}


def test_post_check_validation_and_scope_errors(world, cw, login):
    client = login(world.grid_worker_a)
    url = f"/api/v1/campaigns/{cw.campaign.pk}/checks"
    bad = post_json(client, url, {"household_id": world.household_a.pk, "answers": {"returnees": "很多"}})
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"returned": ["“近14天是否有返乡人员”为必答项"], "returnees": ["返乡人数：应为数字"]}
    other = post_json(client, url, {"household_id": world.household_b.pk, "answers": {"returned": True}})
    assert other.status_code == 400
    assert other.json()["errors"] == {"household_id": ["户不存在或不在摸排范围内"]}
    assert HouseholdCheck.objects.count() == 0


def test_sync_reports_each_record_and_a_replay_adds_nothing(world, cw, check, login):
    check(world.town_staff, cw.campaign, cw.grid_a[2], {"returned": True})
    secret = make_campaign(world.town_staff, [world.village_b], title="永盛村摸排")
    client = login(world.grid_worker_a)
    items = [
        {"campaign_id": cw.campaign.pk, "household_id": world.household_a.pk, "answers": {"returned": True}},
        {"campaign_id": cw.campaign.pk, "household_id": cw.grid_a[1].pk, "answers": {"returned": "也许"}},
        {"campaign_id": cw.campaign.pk, "household_id": cw.grid_a[2].pk, "answers": {"returned": False}},
        {"campaign_id": secret.pk, "household_id": world.household_b.pk, "answers": {"returned": False}},
        {"campaign_id": cw.campaign.pk, "household_id": world.household_b.pk, "answers": {"returned": False}},
    ]
    for item in items:
        item["client_uuid"] = str(uuid.uuid4())
    first = post_json(client, "/api/v1/campaigns/sync", {"items": items}).json()
    assert [r["status"] for r in first["results"]] == ["created", "rejected", "conflict", "rejected", "rejected"]
    assert first["results"][1]["errors"] == {"returned": ["近14天是否有返乡人员：应为“是”或“否”"]}
    assert first["results"][2]["server"]["answers"] == {"returned": True}
    assert first["results"][3]["detail"] == "摸排不存在或不在您的管辖范围内"
    assert (first["created"], first["conflict"], first["rejected"]) == (1, 1, 3)
    replay = post_json(client, "/api/v1/campaigns/sync", {"items": items[:1]}).json()
    assert replay["results"][0]["status"] == "existing"
    assert replay["results"][0]["id"] == first["results"][0]["id"]
    assert HouseholdCheck.objects.count() == 2


def test_sync_requires_client_uuid(world, cw, login):
    client = login(world.grid_worker_a)
    item = {"campaign_id": cw.campaign.pk, "household_id": world.household_a.pk, "answers": {"returned": True}}
    result = post_json(client, "/api/v1/campaigns/sync", {"items": [item]}).json()
    assert result["results"][0]["errors"] == {"client_uuid": ["离线记录须有 client_uuid"]}
    assert HouseholdCheck.objects.count() == 0


def test_get_check_out_of_scope_is_404(world, cw, check, login):
    mine, _ = check(world.grid_worker_a, cw.campaign, world.household_a)
    other, _ = check(world.grid_worker_b, cw.campaign, world.household_b)
    client = login(world.grid_worker_a)
    assert client.get(f"/api/v1/campaigns/checks/{mine.pk}").json()["household_id"] == world.household_a.pk
    assert client.get(f"/api/v1/campaigns/checks/{other.pk}").status_code == 404


def test_api_needs_a_signed_in_business_account(world, cw, client, login):
    assert client.get("/api/v1/campaigns/").status_code == 401
    auditor = login(world.auditor)
    # An account the operation's access marker does not allow gets the API's 404, as on the pages.
    listing = auditor.get("/api/v1/campaigns/")
    assert listing.status_code == 404 and "返乡" not in listing.content.decode()
    assert auditor.get(f"/api/v1/campaigns/{cw.campaign.pk}").status_code == 404
