import pytest
from django.core.exceptions import PermissionDenied

from gridgov.audit.models import AuditLog
from gridgov.households import actions
from gridgov.households.models import Household


def test_business_create_update_delete_are_logged_with_before_and_after(world):
    household = Household.objects.get(pk=world.household_a.pk)
    household.address = "寨坝镇桂园村一组14号"
    household.save()
    row = AuditLog.objects.filter(action="update", object_type="households.household").latest("id")
    assert row.before == {"address": "寨坝镇桂园村一组12号"}
    assert row.after == {"address": "寨坝镇桂园村一组14号"}
    created = AuditLog.objects.get(
        action="create", object_type="households.resident", object_id=str(world.resident_a.pk)
    )
    assert created.after["name"] == "王建国"
    assert created.after["id_number_masked"] == "520330********1232"
    assert "id_number_sealed" not in created.after and "id_number_index" not in created.after


def test_saving_without_changes_writes_nothing(world):
    household = Household.objects.get(pk=world.household_a.pk)
    before = AuditLog.objects.count()
    household.save()
    assert AuditLog.objects.count() == before


def test_request_context_is_recorded_for_web_changes(world, login, client):
    world.town_staff.may_reveal_pii = True
    world.town_staff.save()
    login(world.town_staff)
    from gridgov.core.context import ActorContext, _current

    token = _current.set(
        ActorContext(user_id=world.town_staff.pk, username="town", ip="10.0.0.9", request_id="abc123", source="web")
    )
    try:
        actions.reveal(world.town_staff, world.resident_a, "phone", "回访核实联系方式")
    finally:
        _current.reset(token)
    row = AuditLog.objects.get(action="reveal")
    assert (row.actor_name, row.ip, row.request_id) == ("town", "10.0.0.9", "abc123")
    assert row.detail == {"field": "phone", "reason": "回访核实联系方式"}


def test_audit_rows_cannot_be_edited_or_deleted(world):
    row = AuditLog.objects.first()
    row.actor_name = "someone else"
    with pytest.raises(PermissionDenied):
        row.save()
    with pytest.raises(PermissionDenied):
        row.delete()
    with pytest.raises(PermissionDenied):
        AuditLog.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AuditLog.objects.update(actor_name="x")
    assert not AuditLog.objects.filter(actor_name__in=["someone else", "x"]).exists()
