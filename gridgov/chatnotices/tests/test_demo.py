"""The demo town's chat notices: every notice recorded per group, idempotent, figures from the records."""

import datetime as dt

import pytest

from gridgov.chatnotices import demo
from gridgov.chatnotices.models import ChatDelivery, ChatNotice
from gridgov.demo.tests.conftest import zhaiba  # noqa: F401  (the seeded demo town, built once per module)
from gridgov.personnel.models import ChatGroup
from gridgov.stats import reports

pytestmark = pytest.mark.django_db


def test_demo_town_notices_reach_all_120_groups_and_are_recorded_per_group(zhaiba):  # noqa: F811
    made = demo.seed(seed=1, today=dt.date(2026, 11, 23))
    assert ChatGroup.objects.within("520330113").count() == 120
    town = ChatNotice.objects.filter(path="520330113")
    assert town.count() > 100 and set(town.values_list("group_count", flat=True)) == {120}
    assert ChatDelivery.objects.filter(notice=town.first()).count() == 120
    figures = dict(reports.chat_notice_figures("520330113"))
    assert figures["群通知"] == made["chat_notices"] == ChatNotice.objects.count()
    assert figures["群通知发送群次"] == made["chat_deliveries"] == ChatDelivery.objects.count()
    assert figures["手工转发"] + figures["待转发"] == figures["群通知发送群次"]
    assert figures["待转发"] == made["chat_awaiting_hand"]
    assert ChatNotice.objects.order_by("created_at").first().created_at.year == 2021
    assert demo.seed(seed=1) == {}  # idempotent
