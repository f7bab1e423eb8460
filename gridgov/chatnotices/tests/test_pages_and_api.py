"""Chat notice pages and /api/v1/chatnotices: scoped, fixed query counts, by-hand forwarding, robots redacted."""

import json
import re
import uuid

from gridgov.audit.models import AuditLog
from gridgov.chatnotices.models import ChatDelivery, ChatNotice
from gridgov.chatnotices.tests.conftest import notice, robot_url
from gridgov.personnel.models import ChatGroup

# session, user with place, one page of notices with their places, senders and counts by status,
# deliveries awaiting hand in the user's area (count)
QUERIES_NOTICE_LIST = 4
# session, user with place, the notice with counts, the summary (one aggregate), one page of deliveries
QUERIES_NOTICE_DETAIL = 5


def test_notice_list_and_detail_at_fixed_query_counts(world, groups, login, on_commit, django_assert_num_queries):
    with on_commit(execute=True):
        for n in range(5):
            last = notice(world.town_staff, title=f"通知{n}")
    client = login(world.town_staff)
    with django_assert_num_queries(QUERIES_NOTICE_LIST):
        page = client.get("/chatnotices/").content.decode()
    assert len(re.findall(r'href="/chatnotices/(\d+)/"', page)) == 5
    with django_assert_num_queries(QUERIES_NOTICE_DETAIL):
        detail = client.get(f"/chatnotices/{last.pk}/").content.decode()
    assert detail.count('href="/chatnotices/deliveries/') == 4
    assert "桂园二网格好邻居群" in detail and "永盛一网格好邻居群" in detail


def test_town_composes_a_notice_in_the_form(world, groups, receiver, login, on_commit):
    client = login(world.town_staff)
    assert "共有 4 个“好邻居”微信群，其中 2 个已接入群机器人" in client.get("/chatnotices/new/").content.decode()
    with on_commit(execute=True):
        response = client.post(
            "/chatnotices/new/",
            {"title": "疫苗接种", "body": "本周六在村卫生室接种", "format": "markdown", "places": [world.village_a.pk]},
        )
    sent = ChatNotice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/chatnotices/{sent.pk}/"
    assert sent.group_count == 3 and len(receiver.bodies) == 1


def test_grid_worker_sees_neither_the_town_notice_page_nor_other_grids(world, groups, login, on_commit):
    with on_commit(execute=False):
        sent = notice(world.town_staff)
    client = login(world.grid_worker_a)
    assert client.get(f"/chatnotices/{sent.pk}/").status_code == 404
    other = ChatDelivery.objects.get(notice=sent, group=groups["b"])
    assert client.get(f"/chatnotices/deliveries/{other.pk}/").status_code == 404
    todo = client.get("/chatnotices/to-forward/").content.decode()
    assert "桂园一网格好邻居二群" in todo and "桂园二网格好邻居群" not in todo and "永盛" not in todo


def test_grid_worker_copies_the_text_and_marks_it_sent_by_hand(world, groups, login, on_commit):
    with on_commit(execute=False):
        sent = notice(world.town_staff)
    mine = ChatDelivery.objects.get(notice=sent, group=groups["a2"])
    client = login(world.grid_worker_a)
    page = client.get(f"/chatnotices/deliveries/{mine.pk}/").content.decode()
    assert "【防汛通知】\n近期有强降雨，请注意防范山洪和地质灾害。\n——寨坝镇综治中心</textarea>" in page
    response = client.post(f"/chatnotices/deliveries/{mine.pk}/sent-by-hand/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/chatnotices/to-forward/"
    mine.refresh_from_db()
    assert (mine.status, mine.sent_by) == ("sent_by_hand", world.grid_worker_a)


def test_marking_another_grids_group_is_404_and_changes_nothing(world, groups, login, on_commit):
    with on_commit(execute=False):
        sent = notice(world.town_staff)
    other = ChatDelivery.objects.get(notice=sent, group=groups["c"])
    response = login(world.grid_worker_a).post(f"/chatnotices/deliveries/{other.pk}/sent-by-hand/")
    assert response.status_code == 404
    assert ChatDelivery.objects.get(pk=other.pk).status == "awaiting_hand"


def test_robot_page_shows_only_the_redacted_webhook(world, groups, receiver, login):
    client = login(world.grid_worker_a)
    listing = client.get("/chatnotices/groups/").content.decode()
    assert "key=***0001" in listing and "robot-key-a1-0001" not in listing and "永盛" not in listing
    response = client.post(
        f"/chatnotices/groups/{groups['a2'].pk}/robot/", {"webhook": robot_url(receiver, "secret-key-9876")}
    )
    assert response.status_code == 302
    group = ChatGroup.objects.get(pk=groups["a2"].pk)
    assert group.webhook_masked.endswith("key=***9876")
    page = client.get(f"/chatnotices/groups/{groups['a2'].pk}/robot/").content.decode()
    assert "secret-key-9876" not in page and "***9876" in page
    logged = json.dumps(list(AuditLog.objects.values("before", "after", "detail")), ensure_ascii=False)
    assert "secret-key-9876" not in logged and "robot-key-a1-0001" not in logged
    assert client.get(f"/chatnotices/groups/{groups['b'].pk}/robot/").status_code == 404


def test_accounts_without_business_scope_see_no_notice_page(world, groups, login, on_commit):
    with on_commit(execute=False):
        notice(world.town_staff, title="内部通知")
    for user in (world.auditor, world.department_liaison):
        response = login(user).get("/chatnotices/")
        assert response.status_code == 404 and "内部通知" not in response.content.decode()


# ---------------------------------------------------------------- API


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_api_sends_once_per_client_uuid_and_reports_each_group(world, groups, receiver, login, on_commit):
    client = login(world.town_staff)
    body = {"title": "秸秆禁烧", "body": "严禁焚烧秸秆", "client_uuid": str(uuid.uuid4())}
    with on_commit(execute=True):
        first = post_json(client, "/api/v1/chatnotices/", body)
    again = post_json(client, "/api/v1/chatnotices/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    data = again.json()
    assert data["group_count"] == 4 and data["counts"]["sent"] == 2 and data["counts"]["awaiting_hand"] == 2
    assert ChatNotice.objects.count() == 1 and len(receiver.bodies) == 2
    rows = client.get(f"/api/v1/chatnotices/{data['id']}/deliveries?status=awaiting_hand").json()["items"]
    assert sorted(r["group_name"] for r in rows) == ["桂园一网格好邻居二群", "桂园二网格好邻居群"]
    done = post_json(client, f"/api/v1/chatnotices/deliveries/{rows[0]['id']}/sent-by-hand", {})
    assert done.status_code == 200 and done.json()["status"] == "sent_by_hand"
    assert post_json(client, f"/api/v1/chatnotices/deliveries/{rows[0]['id']}/sent-by-hand", {}).status_code == 403


def test_api_refuses_places_outside_scope(world, groups, login):
    client = login(world.village_committee)
    response = post_json(client, "/api/v1/chatnotices/", {"title": "x", "body": "y", "places": [world.grid_b.code]})
    assert response.status_code == 400 and ChatNotice.objects.count() == 0


def test_api_lists_only_notices_of_the_users_area(world, groups, login, on_commit):
    with on_commit(execute=False):
        town = notice(world.town_staff, title="镇通知")
        village = notice(world.village_committee, title="村通知")
    client = login(world.village_committee)
    assert [n["id"] for n in client.get("/api/v1/chatnotices/").json()["items"]] == [village.pk]
    assert client.get(f"/api/v1/chatnotices/{town.pk}").status_code == 404
    assert client.get(f"/api/v1/chatnotices/{town.pk}/deliveries").status_code == 404


def test_retry_now_sends_again_once_the_robot_is_back(world, groups, receiver, login, on_commit):
    receiver.stop()
    with on_commit(execute=True):
        sent = notice(world.town_staff)
    receiver.start()
    client = login(world.town_staff)
    assert "发送失败，重试中" in client.get(f"/chatnotices/{sent.pk}/").content.decode()
    with on_commit(execute=True):
        response = client.post(f"/chatnotices/{sent.pk}/retry/")
    assert response.status_code == 302
    assert sorted(ChatDelivery.objects.filter(notice=sent).values_list("status", "attempts")) == [
        ("awaiting_hand", 0),
        ("awaiting_hand", 0),
        ("sent", 2),
        ("sent", 2),
    ]
    assert len(receiver.bodies) == 2
