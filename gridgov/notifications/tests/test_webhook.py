"""The WeCom robot: its exact JSON, an outbox row per red-matter arrival and per supervision card, sent
after commit, retried with backoff while the receiver is down, and then delivered exactly once each."""

import datetime as dt

from django.utils import timezone

from gridgov.matters import actions as matter_actions
from gridgov.matters.actions import flag_overdue
from gridgov.matters.tests.helpers import record
from gridgov.notifications import actions, webhook
from gridgov.notifications.actions import DeliveryReport, deliver, deliver_due
from gridgov.notifications.choices import OutboundStatus
from gridgov.notifications.models import OutboundMessage

H = dt.timedelta(hours=1)
S = dt.timedelta(seconds=1)


def record_red(engine, captured, title="山林权属纠纷"):
    with captured(execute=True):
        return record(engine.grid_worker_a, color="red", title=title)


def red_body(matter, action="登记", holder="桂园村第1网格", note="") -> dict:
    deadline = timezone.localtime(matter.deadline_at).strftime("%Y-%m-%d %H:%M")
    content = (
        f'**<font color="warning">红色事项</font> · {action}**\n'
        f"> 编号：{matter.reference}\n"
        f"> 标题：{matter.title}\n"
        f"> 类型：矛盾纠纷｜{matter.category.name}\n"
        f"> 发生地：{matter.place.name}\n"
        f"> 现由：{holder}办理\n"
        f"> 办理时限：{deadline}"
    )
    if note:
        content += f"\n> 说明：{note}"
    return {"msgtype": "markdown", "markdown": {"content": content}}


def test_a_red_matter_is_posted_to_the_robot_after_commit_in_wecom_json(engine, robot, on_commit):
    with on_commit(execute=False) as callbacks:
        matter = record(engine.grid_worker_a, color="red", title="山林权属纠纷")
        message = OutboundMessage.objects.get()
        key = f"event:{matter.events.get().pk}"
        assert (message.status, message.attempts, message.dedupe_key) == ("pending", 0, key)
    assert robot.bodies == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert robot.bodies == [red_body(matter)]
    assert robot.paths == ["/cgi-bin/webhook/send?key=test-key"]
    assert robot.headers[0]["Content-Type"] == "application/json; charset=utf-8"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error, message.sent_at is not None) == ("sent", 1, "", True)


def test_a_red_matter_reported_up_is_posted_again_with_its_new_holder(engine, robot, on_commit):
    matter = record_red(engine, on_commit)
    with on_commit(execute=True):
        matter_actions.report_up(engine.grid_worker_a, matter, reason="调解不成")
    assert robot.bodies[1] == red_body(matter, action="上报", holder="桂园村", note="调解不成")


def test_a_supervision_card_is_posted_in_wecom_json(engine, robot, on_commit):
    matter = record(engine.grid_worker_a, color="blue", title="地界纠纷")  # blue: not posted itself
    breach = matter.arrived_at + 169 * H
    with on_commit(execute=True):
        flag_overdue(breach)
    content = (
        f'**<font color="warning">黄牌督办</font>** {matter.reference}\n'
        "> 标题：地界纠纷\n"
        "> 风险等级：蓝色\n"
        "> 督办事由：桂园村第1网格超过办理时限（168小时）未办结\n"
        f"> 督办时间：{timezone.localtime(breach):%Y-%m-%d %H:%M}"
    )
    assert robot.bodies == [{"msgtype": "markdown", "markdown": {"content": content}}]
    assert OutboundMessage.objects.get().dedupe_key == f"supervision:{matter.supervisions.get().pk}"


def test_blue_and_yellow_matters_are_not_posted(engine, robot, on_commit):
    with on_commit(execute=True):
        record(engine.grid_worker_a, color="yellow")
        record(engine.grid_worker_a, color="blue", title="另一纠纷")
    assert (robot.bodies, OutboundMessage.objects.count()) == ([], 0)


def test_no_outbox_row_when_the_robot_is_off(engine, settings, on_commit):
    settings.GRIDGOV_WECOM_WEBHOOK_URL = ""
    record_red(engine, on_commit)
    assert OutboundMessage.objects.count() == 0


def test_receiver_down_then_back_every_message_delivered_exactly_once(engine, robot, on_commit):
    robot.stop()  # the port is closed: connection refused
    matters = [record_red(engine, on_commit, title=f"纠纷{i}") for i in range(3)]
    first, second, third = OutboundMessage.objects.order_by("id")
    # The first send after commit failed; the others were left to the job (the receiver failed a moment ago).
    assert [(m.status, m.attempts) for m in (first, second, third)] == [("pending", 1), ("pending", 0), ("pending", 0)]
    assert first.last_error.startswith("连接失败：")
    assert first.next_attempt_at - first.created_at >= 30 * S

    now = timezone.now()
    # The job tries the oldest due message, fails, and defers the rest until the same retry time.
    assert deliver_due(now) == DeliveryReport(failed=1, deferred=1)
    rows = list(OutboundMessage.objects.order_by("id").values_list("attempts", "next_attempt_at", "status"))
    assert rows == [
        (1, first.next_attempt_at, "pending"),
        (1, now + 30 * S, "pending"),
        (0, now + 30 * S, "pending"),
    ]
    # Still down later: each failed attempt doubles the wait (30 s, 1 min, 2 min ...).
    later = now + 10 * dt.timedelta(minutes=1)
    assert deliver_due(later) == DeliveryReport(failed=1, deferred=2)
    assert OutboundMessage.objects.order_by("id").values_list("attempts", flat=True)[0] == 2
    assert OutboundMessage.objects.get(pk=first.pk).next_attempt_at == later + 60 * S
    assert deliver_due(later) == DeliveryReport()  # nothing due before the backoff passes
    assert robot.bodies == []

    robot.start()  # back, on the same URL
    back = later + 61 * S
    assert deliver_due(back) == DeliveryReport(sent=3)
    assert robot.bodies == [red_body(m) for m in matters]  # each once, oldest first
    assert list(OutboundMessage.objects.order_by("id").values_list("status", "attempts", "last_error")) == [
        ("sent", 3, ""),
        ("sent", 2, ""),
        ("sent", 1, ""),
    ]
    assert deliver_due(back + H) == DeliveryReport()
    assert len(robot.bodies) == 3


def test_a_receiver_error_code_is_a_failed_attempt(engine, robot, on_commit):
    robot.answer = {"errcode": 45009, "errmsg": "api freq out of limit"}
    record_red(engine, on_commit)
    message = OutboundMessage.objects.get()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error == '应答错误：{"errcode": 45009, "errmsg": "api freq out of limit"}'
    robot.answer = {"errcode": 0, "errmsg": "ok"}
    assert deliver_due(message.next_attempt_at) == DeliveryReport(sent=1)
    assert len(robot.bodies) == 2  # the refused one and the accepted retry


def test_the_job_keeps_to_the_robots_rate_limit(engine, robot, settings, on_commit):
    settings.GRIDGOV_WECOM_PER_MINUTE = 2
    robot.stop()
    for i in range(3):
        record_red(engine, on_commit, title=f"纠纷{i}")
    robot.start()
    soon = timezone.now() + H
    assert deliver_due(soon) == DeliveryReport(sent=2, left=1)
    assert deliver_due(soon + 30 * S) == DeliveryReport(left=1)  # two sent within the last minute
    assert deliver_due(soon + 61 * S) == DeliveryReport(sent=1)
    assert len(robot.bodies) == 3


def test_a_message_is_sent_by_one_sender_only(engine, robot, on_commit):
    record_red(engine, on_commit)
    message = OutboundMessage.objects.get()
    assert deliver(message.pk, timezone.now() + H) is None  # already sent: a second sender does nothing
    assert len(robot.bodies) == 1


def test_a_message_held_by_a_crashed_sender_is_retried_after_its_lease(engine, robot, on_commit):
    with on_commit(execute=False):
        record(engine.grid_worker_a, color="red")
    now = timezone.now()
    lease = now + 5 * dt.timedelta(minutes=1)
    OutboundMessage.objects.update(status=OutboundStatus.SENDING, lease_until=lease)
    assert deliver_due(now) == DeliveryReport()  # someone holds it
    assert deliver_due(lease + S) == DeliveryReport(sent=1)
    assert len(robot.bodies) == 1


def test_markdown_is_clipped_to_the_robots_4096_bytes():
    body = webhook.markdown("事" * 2000)  # 6000 bytes in UTF-8
    content = body["markdown"]["content"]
    assert len(content.encode()) <= 4096 and content.endswith("…") and content.startswith("事事")


def test_text_messages_can_mention_members_by_mobile():
    assert webhook.text("请及时处置", ["13800001111", "@all"]) == {
        "msgtype": "text",
        "text": {"content": "请及时处置", "mentioned_mobile_list": ["13800001111", "@all"]},
    }
    assert webhook.text("请及时处置") == {"msgtype": "text", "text": {"content": "请及时处置"}}


def test_backoff_doubles_up_to_an_hour():
    assert [actions.backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]
