"""In-app notices: a matter arriving at a holder notifies the holder's accounts (not the one who acted);
supervision cards notify the holder and the level above; nothing survives a rolled-back action."""

import datetime as dt

import pytest
from django.db import transaction

from gridgov.matters import actions
from gridgov.matters.actions import FlagReport, flag_overdue
from gridgov.matters.models import DeadlineRule
from gridgov.matters.tests.helpers import record
from gridgov.notifications.models import Notice, OutboundMessage

H = dt.timedelta(hours=1)


def notices(matter=None) -> list[tuple[str, str, str]]:
    qs = Notice.objects.order_by("recipient__username", "id")
    if matter is not None:
        qs = qs.filter(matter=matter)
    return [(n.recipient.username, n.kind, n.text) for n in qs]


def test_recording_notifies_the_grids_workers_and_leaders_but_not_the_recorder(engine):
    matter = record(engine.grid_worker_a, color="yellow", title="地界纠纷")
    text = f"登记：{matter.reference} 地界纠纷（黄色）"
    assert notices() == [("leader_a", "arrival", text)]


def test_a_cluster_leaders_quick_report_reaches_the_grid_worker_and_grid_leader(engine):
    matter = record(engine.cluster_leader_a1, color="blue", title="路灯不亮")
    text = f"登记：{matter.reference} 路灯不亮（蓝色）"
    assert notices() == [
        (engine.grid_worker_a.username, "arrival", text),
        ("leader_a", "arrival", text),
    ]


def test_each_move_notifies_the_new_holder_only(engine):
    matter = record(engine.grid_worker_a, color="yellow", title="地界纠纷")
    Notice.objects.all().delete()
    ref = matter.reference

    actions.report_up(engine.grid_worker_a, matter, reason="调解不成")
    assert notices() == [(engine.village_committee.username, "arrival", f"上报：{ref} 地界纠纷（黄色）。调解不成")]

    Notice.objects.all().delete()
    actions.accept(engine.village_committee, matter)
    assert notices() == []  # accepting moves nothing

    actions.route_to_department(engine.village_committee, matter, engine.judicial, note="请司法所调处")
    assert notices() == [
        (engine.department_liaison.username, "arrival", f"交办部门：{ref} 地界纠纷（黄色）。请司法所调处")
    ]

    Notice.objects.all().delete()
    actions.department_reply(engine.department_liaison, matter, result="已达成协议")
    assert notices() == [
        (engine.village_committee.username, "arrival", f"部门反馈：{ref} 地界纠纷（黄色）。已达成协议")
    ]

    Notice.objects.all().delete()
    actions.send_back(engine.village_committee, matter, result="请回访当事人")
    assert notices() == [
        (engine.grid_worker_a.username, "arrival", f"结果下发：{ref} 地界纠纷（黄色）。请回访当事人"),
        ("leader_a", "arrival", f"结果下发：{ref} 地界纠纷（黄色）。请回访当事人"),
    ]


def test_a_reopened_matter_notifies_its_holder(engine):
    matter = record(engine.grid_worker_a, color="blue", title="垃圾堆放", place=engine.grid_a, household=None)
    actions.resolve_on_spot(engine.grid_worker_a, matter, result="已清理")
    Notice.objects.all().delete()
    actions.reopen(None, matter, reason="又有堆放", system_actor="定期整治计划")
    text = f"重新办理：{matter.reference} 垃圾堆放（蓝色）。又有堆放"
    assert notices() == [
        (engine.grid_worker_a.username, "reopened", text),
        ("leader_a", "reopened", text),
    ]


def test_a_yellow_card_notifies_the_holder_and_the_level_above(engine):
    matter = record(engine.grid_worker_a, color="blue", title="地界纠纷")  # blue at grid: 168 h, no auto-escalation
    Notice.objects.all().delete()
    assert flag_overdue(matter.arrived_at + 169 * H) == FlagReport(yellow=1)
    text = f"黄牌督办：{matter.reference} 地界纠纷——桂园村第1网格超过办理时限（168小时）未办结"
    assert notices() == [
        (engine.grid_worker_a.username, "supervision", text),
        ("leader_a", "supervision", text),
        (engine.village_committee.username, "supervision", text),
    ]


def test_a_card_on_a_department_notifies_its_liaisons_and_the_unit_that_routed_it(engine):
    matter = record(engine.grid_worker_a, color="blue", title="地界纠纷")
    actions.report_up(engine.grid_worker_a, matter, reason="调解不成")
    actions.accept(engine.village_committee, matter)
    actions.route_to_department(engine.village_committee, matter, engine.judicial)
    Notice.objects.all().delete()
    hours = DeadlineRule.objects.get(kind="dispute", color="blue", level="department").hours
    assert flag_overdue(matter.arrived_at + (2 * hours + 1) * H) == FlagReport(yellow=1, red=1)
    ref = matter.reference
    yellow = f"黄牌督办：{ref} 地界纠纷——寨坝镇司法所超过办理时限（{hours}小时）未办结"
    red = f"红牌督办：{ref} 地界纠纷——寨坝镇司法所超过办理时限一倍（{2 * hours}小时）仍未办结"
    assert notices() == [
        (engine.department_liaison.username, "supervision", yellow),
        (engine.department_liaison.username, "supervision", red),
        (engine.village_committee.username, "supervision", yellow),
        (engine.village_committee.username, "supervision", red),
    ]


def test_a_rolled_back_action_leaves_no_notice_and_no_message(engine, settings):
    settings.GRIDGOV_WECOM_WEBHOOK_URL = "http://127.0.0.1:9/never"
    with pytest.raises(RuntimeError), transaction.atomic():
        record(engine.grid_worker_a, color="red", title="山林权属纠纷")
        assert Notice.objects.count() == 1 and OutboundMessage.objects.count() == 1  # written in the transaction
        raise RuntimeError("the action failed after its event")
    assert (Notice.objects.count(), OutboundMessage.objects.count()) == (0, 0)


def test_inactive_accounts_get_no_notice(engine):
    engine.grid_leader_a.is_active = False
    engine.grid_leader_a.save(update_fields=["is_active"])
    record(engine.grid_worker_a, color="yellow")
    assert Notice.objects.count() == 0


def test_auto_escalation_notifies_the_new_holder_after_the_card(engine):
    matter = record(engine.grid_worker_a, color="yellow", title="地界纠纷")  # yellow at grid: 72 h, auto-escalates
    Notice.objects.all().delete()
    assert flag_overdue(matter.arrived_at + 73 * H) == FlagReport(yellow=1, escalated=1)
    ref = matter.reference
    card = f"黄牌督办：{ref} 地界纠纷——桂园村第1网格超过办理时限（72小时）未办结"
    assert notices() == [
        (engine.grid_worker_a.username, "supervision", card),
        ("leader_a", "supervision", card),
        (engine.village_committee.username, "supervision", card),
        (engine.village_committee.username, "arrival", f"上报：{ref} 地界纠纷（黄色）。超过办理时限，自动上报"),
    ]


def test_bulk_work_can_be_muted(engine, settings):
    from gridgov.notifications.signals import muted

    settings.GRIDGOV_WECOM_WEBHOOK_URL = "http://127.0.0.1:9/never"
    with muted():
        matter = record(engine.grid_worker_a, color="red")
        flag_overdue(matter.arrived_at + 1000 * H)
    assert (Notice.objects.count(), OutboundMessage.objects.count()) == (0, 0)
    record(engine.grid_worker_a, color="red", title="另一纠纷")
    assert (Notice.objects.count(), OutboundMessage.objects.count()) == (1, 1)
