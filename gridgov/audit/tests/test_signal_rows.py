"""The automatic audit rows (written by a prepared INSERT for speed) are the rows `record` would write."""

import datetime as dt

from django.utils import timezone

from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.audit.models import AuditLog
from gridgov.audit.signals import write_change
from gridgov.core.context import ActorContext, _current
from gridgov.households.models import Household

COMPARED = [
    "action", "actor_id", "actor_name", "ip", "request_id", "source", "object_type", "object_id", "object_repr",
    "before", "after", "detail",
]  # fmt: skip


def _as_web(user):
    return _current.set(
        ActorContext(user_id=user.pk, username=user.username, ip="10.0.0.9", request_id="req42", source="web")
    )


def test_signal_row_equals_the_row_record_writes(world):
    household = Household.objects.get(pk=world.household_a.pk)
    after = household.audit_values()
    token = _as_web(world.grid_worker_a)
    try:
        write_change(household, AuditAction.CREATE, None, after)
        record(AuditAction.CREATE, household, after=after)
        write_change(household, AuditAction.UPDATE, {"address": "旧"}, {"address": "新"})
        record(AuditAction.UPDATE, household, before={"address": "旧"}, after={"address": "新"})
    finally:
        _current.reset(token)
    fast_create, slow_create, fast_update, slow_update = AuditLog.objects.order_by("-id")[:4][::-1]
    assert [getattr(fast_create, f) for f in COMPARED] == [getattr(slow_create, f) for f in COMPARED]
    assert [getattr(fast_update, f) for f in COMPARED] == [getattr(slow_update, f) for f in COMPARED]
    assert fast_create.detail is None and fast_create.before is None
    assert fast_create.after == after
    assert abs(fast_create.at - timezone.now()) < dt.timedelta(minutes=1)


def test_business_create_in_a_request_context_is_logged_with_who_and_where(world):
    token = _as_web(world.grid_worker_a)
    try:
        household = Household.objects.create(
            path=world.household_a.path,
            number="HX-0099",
            address="寨坝镇桂园村一组99号",
            grid=world.household_a.grid,
            cluster=world.household_a.cluster,
        )
    finally:
        _current.reset(token)
    row = AuditLog.objects.get(object_type="households.household", object_id=str(household.pk))
    assert (row.action, row.actor_id, row.actor_name, row.ip, row.request_id, row.source) == (
        "create", world.grid_worker_a.pk, world.grid_worker_a.username, "10.0.0.9", "req42", "web",
    )  # fmt: skip
    assert row.after["address"] == "寨坝镇桂园村一组99号"
    assert row.object_repr == str(household)[:200]
