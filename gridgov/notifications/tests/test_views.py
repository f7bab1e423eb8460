"""My notices page, marking read, and the badge: only the signed-in account's own notices, ever."""

from django.template import Context, Template

from gridgov.matters.tests.helpers import record
from gridgov.notifications.models import Notice


def notice_for(user, text="登记：JF-2026-000001 地界纠纷（黄色）", matter=None, kind="arrival") -> Notice:
    return Notice.objects.create(recipient=user, text=text, matter=matter, kind=kind)


def test_my_notices_lists_only_mine_newest_first(world, login, django_assert_num_queries):
    mine = [notice_for(world.grid_worker_a, text=f"我的通知{i}") for i in range(3)]
    notice_for(world.grid_worker_b, text="别人的通知")
    client = login(world.grid_worker_a)
    client.get("/notifications/")  # warm the session
    with django_assert_num_queries(3):  # session, user, notices
        response = client.get("/notifications/")
    assert [n.pk for n in response.context["page"].rows] == [n.pk for n in reversed(mine)]
    html = response.content.decode()
    assert "我的通知2" in html and "别人的通知" not in html


def test_unread_only_filter(world, login):
    read, unread = notice_for(world.grid_worker_a, text="已读的"), notice_for(world.grid_worker_a, text="未读的")
    Notice.objects.filter(pk=read.pk).update(read_at="2026-01-01T00:00:00Z")
    response = login(world.grid_worker_a).get("/notifications/?unread=1")
    assert [n.pk for n in response.context["page"].rows] == [unread.pk]


def test_marking_my_notice_read_opens_its_matter(engine, login):
    matter = record(engine.grid_worker_a, color="yellow")
    notice = Notice.objects.get(recipient=engine.grid_leader_a)
    response = login(engine.grid_leader_a).post(f"/notifications/{notice.pk}/read/", {"open": "1"})
    assert (response.status_code, response["Location"]) == (302, f"/matters/{matter.pk}/")
    notice.refresh_from_db()
    first_read = notice.read_at
    assert first_read is not None
    login(engine.grid_leader_a).post(f"/notifications/{notice.pk}/read/")
    notice.refresh_from_db()
    assert notice.read_at == first_read  # the first reading time is kept


def test_marking_read_without_open_returns_to_the_list(world, login):
    notice = notice_for(world.grid_worker_a)
    response = login(world.grid_worker_a).post(f"/notifications/{notice.pk}/read/")
    assert (response.status_code, response["Location"]) == (302, "/notifications/")


def test_someone_elses_notice_is_not_found_and_stays_unread(world, login):
    theirs = notice_for(world.grid_worker_b)
    response = login(world.grid_worker_a).post(f"/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_post(world, login):
    notice = notice_for(world.grid_worker_a)
    assert login(world.grid_worker_a).get(f"/notifications/{notice.pk}/read/").status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None


def test_read_all_marks_only_mine(world, login):
    mine = [notice_for(world.grid_worker_a) for _ in range(2)]
    theirs = notice_for(world.grid_worker_b)
    response = login(world.grid_worker_a).post("/notifications/read-all/")
    assert response.status_code == 302
    assert Notice.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_badge_counts_my_unread_notices(world, login, django_assert_num_queries):
    for _ in range(2):
        notice_for(world.grid_worker_a)
    notice_for(world.grid_worker_b)
    client = login(world.grid_worker_a)
    client.get("/notifications/badge/")
    with django_assert_num_queries(3):  # session, user, count
        response = client.get("/notifications/badge/")
    assert response.content.decode().strip() == '<span class="badge bad" title="未读通知">2</span>'
    client.post("/notifications/read-all/")
    assert client.get("/notifications/badge/").content.decode().strip() == ""


def test_every_account_role_may_read_its_notices_including_administrators(world, login):
    for user in (world.department_liaison, world.auditor, world.system_admin):
        notice_for(user, text=f"给{user.username}")
        response = login(user).get("/notifications/")
        assert response.status_code == 200
        assert [n.text for n in response.context["page"].rows] == [f"给{user.username}"]


def test_anonymous_visitors_are_sent_to_login(client, db):
    for url in ("/notifications/", "/notifications/badge/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_top_bar_badge_tag_costs_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = Template("{% load notices %}{% notice_badge %}").render(Context())
    assert html == (
        '<a class="notices" href="/notifications/">通知'
        '<span hx-get="/notifications/badge/" hx-trigger="load, every 120s" hx-swap="innerHTML"></span></a>'
    )


def test_the_system_administrator_sees_what_waits_for_the_robot_without_its_key(
    world, login, settings, django_assert_num_queries
):
    from django.utils import timezone

    from gridgov.notifications.models import OutboundMessage

    settings.GRIDGOV_WECOM_WEBHOOK_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-robot-key"
    now = timezone.now()
    waiting = OutboundMessage.objects.create(
        dedupe_key="event:1", payload={}, next_attempt_at=now, attempts=2, last_error="连接失败：refused"
    )
    OutboundMessage.objects.create(dedupe_key="event:2", payload={}, next_attempt_at=now, status="sent", sent_at=now)
    client = login(world.system_admin)
    client.get("/notifications/outbox/")
    with django_assert_num_queries(4):  # session, user, waiting, sent in the last day
        response = client.get("/notifications/outbox/")
    assert ([m.pk for m in response.context["waiting"]], response.context["sent_today"]) == ([waiting.pk], 1)
    html = response.content.decode()
    assert "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***" in html and "secret-robot-key" not in html
    assert "连接失败：refused" in html


def test_only_the_system_administrator_sees_the_outbox(world, login):
    for user in (world.town_staff, world.auditor, world.security_admin, world.grid_worker_a):
        assert login(user).get("/notifications/outbox/").status_code == 404
