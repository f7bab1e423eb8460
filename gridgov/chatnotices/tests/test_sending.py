"""Sending a notice to chat groups: one delivery per group, robots in WeCom's format after commit,
retries with backoff when a robot is down, copy-ready text and 'sent by hand' for groups without one."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.chatnotices import actions, queries
from gridgov.chatnotices.models import ChatDelivery, ChatNotice
from gridgov.chatnotices.tests.conftest import notice, robot_url
from gridgov.core.actions import ActionRefused
from gridgov.personnel import actions as personnel_actions
from gridgov.personnel.models import ChatGroup


def states(notice_obj) -> dict[str, tuple]:
    return {
        d.group.name: (d.method, d.status, d.attempts)
        for d in ChatDelivery.objects.filter(notice=notice_obj).select_related("group")
    }


def test_town_sends_once_and_every_group_is_recorded(world, groups, receiver, on_commit):
    with on_commit(execute=True):
        sent = notice(world.town_staff)
    assert sent.group_count == 4
    assert states(sent) == {
        "桂园一网格好邻居群": ("robot", "sent", 1),
        "桂园一网格好邻居二群": ("hand", "awaiting_hand", 0),
        "桂园二网格好邻居群": ("hand", "awaiting_hand", 0),
        "永盛一网格好邻居群": ("robot", "sent", 1),
    }
    content = '**防汛通知**\n近期有强降雨，请注意防范山洪和地质灾害。\n<font color="comment">——寨坝镇综治中心</font>'
    assert receiver.bodies == [{"msgtype": "markdown", "markdown": {"content": content}}] * 2
    assert sorted(receiver.paths) == [
        "/cgi-bin/webhook/send?key=robot-key-a1-0001",
        "/cgi-bin/webhook/send?key=robot-key-b-00001",
    ]
    assert ChatDelivery.objects.filter(status="sent", sent_at__isnull=False).count() == 2
    assert sent.copy_text == "【防汛通知】\n近期有强降雨，请注意防范山洪和地质灾害。\n——寨坝镇综治中心"


def test_text_format_uses_the_robots_text_message(world, groups, receiver, on_commit):
    with on_commit(execute=True):
        notice(world.village_committee, title="停水通知", body="明天上午停水", format="text")
    assert receiver.bodies == [
        {"msgtype": "text", "text": {"content": "【停水通知】\n明天上午停水\n——桂园村村（居）委会"}}
    ]


def test_nothing_is_sent_before_commit(world, groups, receiver, on_commit):
    with on_commit(execute=False) as callbacks:
        sent = notice(world.town_staff)
    assert receiver.bodies == [] and len(callbacks) == 1
    assert ChatDelivery.objects.filter(notice=sent, status="pending").count() == 2


def test_village_selects_one_grid(world, groups, receiver, on_commit):
    with on_commit(execute=True):
        sent = notice(world.village_committee, places=[world.grid_c])
    assert states(sent) == {"桂园二网格好邻居群": ("hand", "awaiting_hand", 0)}
    assert receiver.bodies == []


def test_a_place_outside_scope_is_refused_and_nothing_sent(world, groups):
    with pytest.raises(ActionRefused):
        notice(world.village_committee, places=[world.grid_b])
    assert ChatNotice.objects.count() == 0 and ChatDelivery.objects.count() == 0


@pytest.mark.parametrize("who", ["cluster_leader_a1", "department_liaison", "auditor"])
def test_accounts_that_do_not_send_notices_are_refused(world, groups, who):
    with pytest.raises(ActionRefused):
        notice(getattr(world, who))
    assert ChatNotice.objects.count() == 0


def test_too_long_for_the_robot_is_refused(world, groups):
    with pytest.raises(ValidationError) as caught:
        notice(world.town_staff, body="长" * 1400)
    assert list(caught.value.message_dict) == ["body"]
    assert ChatNotice.objects.count() == 0


def test_no_group_in_the_selection_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        notice(world.town_staff)
    assert caught.value.message_dict == {"places": ["所选范围内没有登记的微信群"]}


def test_a_robot_that_is_down_is_retried_with_backoff_until_it_answers(world, groups, receiver, on_commit):
    receiver.stop()
    with on_commit(execute=True):
        sent = notice(world.town_staff)
    robot = ChatDelivery.objects.filter(notice=sent, method="robot").order_by("id")
    first = list(robot)
    assert [(d.status, d.attempts) for d in first] == [("pending", 1), ("pending", 1)]
    assert all(d.last_error.startswith("连接失败") and d.sent_at is None for d in first)
    now = timezone.now()
    assert actions.deliver_due(now).sent == 0  # not due before the backoff has passed
    assert all(d.next_attempt_at - now > dt.timedelta(seconds=20) for d in first)
    receiver.start()
    report = actions.deliver_due(now + dt.timedelta(seconds=31))
    assert (report.sent, report.failed) == (2, 0)
    assert [(d.status, d.attempts, d.last_error) for d in robot.all()] == [("sent", 2, ""), ("sent", 2, "")]
    assert len(receiver.bodies) == 2


def test_a_robot_error_answer_is_a_failed_attempt(world, groups, receiver, on_commit):
    receiver.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    with on_commit(execute=True):
        sent = notice(world.town_staff)
    delivery = ChatDelivery.objects.filter(notice=sent, method="robot").first()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "93000" in delivery.last_error


def test_backoff_doubles_after_each_failure(world, groups, receiver, on_commit):
    receiver.stop()
    with on_commit(execute=True):
        sent = notice(world.town_staff, places=[world.grid_b])
    delivery = ChatDelivery.objects.get(notice=sent)
    first_wait = delivery.next_attempt_at
    actions.deliver_due(first_wait)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - first_wait == dt.timedelta(minutes=1)


def test_a_robot_failing_every_attempt_is_left_to_forward_by_hand(world, groups, receiver, on_commit, settings):
    settings.GRIDGOV_CHAT_ROBOT_MAX_ATTEMPTS = 3
    receiver.stop()
    with on_commit(execute=True):
        sent = notice(world.town_staff, places=[world.grid_b])
    delivery = ChatDelivery.objects.get(notice=sent)
    assert actions.deliver_due(delivery.next_attempt_at).failed == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    assert actions.deliver_due(delivery.next_attempt_at).failed == 1
    delivery.refresh_from_db()
    assert (delivery.method, delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        "robot",
        "awaiting_hand",
        3,
        None,
    )
    assert delivery.last_error.startswith("连接失败")
    assert actions.deliver_due(timezone.now() + dt.timedelta(days=2)).failed == 0  # not retried any more
    assert list(queries.awaiting_hand_for(world.grid_worker_b)) == [delivery]
    actions.mark_sent_by_hand(world.grid_worker_b, delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.sent_by) == ("sent_by_hand", world.grid_worker_b)


def test_robot_attempts_default_to_about_a_day():
    from gridgov.notifications.actions import backoff

    retrying = sum((backoff(n) for n in range(1, actions.ROBOT_MAX_ATTEMPTS)), dt.timedelta())
    assert dt.timedelta(hours=20) < retrying < dt.timedelta(hours=26)


def test_a_stale_claim_is_taken_over(world, groups, receiver, on_commit):
    with on_commit(execute=False):
        sent = notice(world.town_staff, places=[world.grid_b])
    delivery = ChatDelivery.objects.get(notice=sent)
    ChatDelivery.objects.filter(pk=delivery.pk).update(status="sending", lease_until=timezone.now())
    assert actions.deliver_due(timezone.now() + dt.timedelta(seconds=1)).sent == 1
    assert ChatDelivery.objects.get(pk=delivery.pk).status == "sent"


def test_a_failing_robot_group_can_be_forwarded_by_hand(world, groups, receiver, on_commit):
    receiver.stop()
    with on_commit(execute=True):
        sent = notice(world.town_staff, places=[world.grid_b])
    delivery = ChatDelivery.objects.get(notice=sent)
    actions.mark_sent_by_hand(world.grid_worker_b, delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.sent_by, delivery.next_attempt_at) == ("sent_by_hand", world.grid_worker_b, None)
    assert actions.deliver_due(timezone.now() + dt.timedelta(hours=2)).sent == 0


def test_grid_worker_marks_own_group_sent_by_hand_but_not_another_grids(world, groups, on_commit):
    with on_commit(execute=False):
        sent = notice(world.town_staff)
    mine = ChatDelivery.objects.get(notice=sent, group=groups["a2"])
    other = ChatDelivery.objects.get(notice=sent, group=groups["c"])
    actions.mark_sent_by_hand(world.grid_worker_a, mine)
    with pytest.raises(ActionRefused):
        actions.mark_sent_by_hand(world.grid_worker_a, other)
    assert ChatDelivery.objects.get(pk=other.pk).status == "awaiting_hand"
    with pytest.raises(ActionRefused):
        actions.mark_sent_by_hand(world.grid_worker_a, mine)  # already done


def test_same_client_uuid_sends_once(world, groups, receiver, on_commit):
    import uuid

    key = uuid.uuid4()
    with on_commit(execute=True):
        first = notice(world.town_staff, client_uuid=key)
        again = notice(world.town_staff, client_uuid=key, title="另一条")
    assert again.pk == first.pk and ChatNotice.objects.count() == 1
    assert ChatDelivery.objects.count() == 4 and len(receiver.bodies) == 2


def test_the_town_sends_to_all_120_groups_and_sees_each_recorded(world, receiver, on_commit):
    """The acceptance story: 120 "good neighbour" groups of 寨坝镇, a third of them with a robot."""
    grids = [world.grid_a, world.grid_b, world.grid_c]
    for n in range(120):
        group = personnel_actions.register_chat_group(
            world.town_staff, grid=grids[n % 3], name=f"好邻居{n + 1:03d}群", member_count=50
        )
        if n % 3 == 0:
            actions.set_group_webhook(world.town_staff, group, robot_url(receiver, f"key-{n:04d}-robot"))
    with on_commit(execute=True):
        sent = notice(world.town_staff, title="反诈提醒", body="> 不轻信陌生来电，不透露验证码。")
    assert sent.group_count == 120 and ChatDelivery.objects.filter(notice=sent).count() == 120
    by_status = {s: ChatDelivery.objects.filter(notice=sent, status=s).count() for s in ("sent", "awaiting_hand")}
    assert by_status == {"sent": 40, "awaiting_hand": 80}
    assert len(receiver.bodies) == 40 and len(set(receiver.paths)) == 40


def test_webhook_is_sealed_at_rest_and_shown_redacted(world, groups, receiver):
    group = ChatGroup.objects.get(pk=groups["a1"].pk)
    assert b"robot-key-a1-0001" not in bytes(group.webhook_sealed)
    assert group.webhook_masked == f"http://127.0.0.1:{receiver.port}/cgi-bin/webhook/send?key=***0001"
    assert group.webhook_url() == robot_url(receiver, "robot-key-a1-0001")


def test_a_bare_key_becomes_the_wecom_url_and_a_bad_one_is_refused(world, groups):
    group = actions.set_group_webhook(world.grid_worker_a, groups["a2"], "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa")
    assert group.webhook_url() == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    )
    assert group.webhook_masked == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***5aaa"
    with pytest.raises(ValidationError):
        actions.set_group_webhook(world.grid_worker_a, groups["a2"], "ftp://example.com/x")
    assert ChatGroup.objects.get(pk=groups["a2"].pk).webhook_masked.endswith("***5aaa")
    with pytest.raises(ActionRefused):
        actions.set_group_webhook(world.grid_worker_a, groups["b"], "some-other-key-123")
    assert ChatGroup.objects.get(pk=groups["b"].pk).webhook_masked.endswith("***0001")


def test_a_removed_robot_fails_and_says_to_forward_by_hand(world, groups, receiver, on_commit):
    with on_commit(execute=False):
        sent = notice(world.town_staff, places=[world.grid_b])
    actions.set_group_webhook(world.town_staff, groups["b"], "")
    assert actions.deliver_due().failed == 1
    assert ChatDelivery.objects.get(notice=sent).last_error == "该群已取消群机器人，请手工转发"


def test_the_periodic_task_and_the_command_deliver_what_is_due(world, groups, receiver, on_commit):
    from io import StringIO

    from django.core.management import call_command

    from gridgov.chatnotices.tasks import deliver_chat_notices

    with on_commit(execute=False):
        notice(world.town_staff, places=[world.grid_a])
        notice(world.town_staff, places=[world.grid_b])
    assert deliver_chat_notices.call() == {"sent": 2, "failed": 0, "left": 0}
    out = StringIO()
    call_command("deliver_chat_notices", stdout=out)
    assert out.getvalue().strip() == "sent=0 failed=0 left=0"
    assert len(receiver.bodies) == 2


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data?key=abcdefgh",
        "http://127.0.0.1:5432/cgi-bin/webhook/send?key=abcdefgh",
        "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=abcdefgh",
        "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh",
    ],
)
def test_a_webhook_outside_wecom_is_refused_so_the_server_never_posts_there(world, url):
    group = personnel_actions.register_chat_group(world.town_staff, grid=world.grid_a, name="测试群", member_count=9)
    with pytest.raises(ValidationError) as refused:
        actions.set_group_webhook(world.grid_worker_a, group, url)
    assert list(refused.value.message_dict) == ["webhook"]
    group.refresh_from_db()
    assert (group.webhook_masked, group.webhook_url()) == ("", "")


def test_a_stored_webhook_outside_the_allowed_origins_is_not_posted_to(world, groups, receiver, settings, on_commit):
    with on_commit(execute=False):
        sent = notice(world.town_staff, places=[world.grid_b])
    settings.GRIDGOV_CHAT_WEBHOOK_ORIGINS = ("https://qyapi.weixin.qq.com",)
    assert actions.deliver_due().failed == 1
    delivery = ChatDelivery.objects.get(notice=sent)
    assert (delivery.status, delivery.last_error) == ("pending", "群机器人地址不是企业微信的地址，请重新设置或手工转发")
    assert receiver.bodies == []
