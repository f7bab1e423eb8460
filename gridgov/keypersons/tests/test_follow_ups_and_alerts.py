"""Follow-ups (color change with reason, next due date, contact lost and regained) and alerts (idempotent)."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.core.actions import ActionRefused
from gridgov.keypersons import actions, queries
from gridgov.keypersons.models import FollowUp, KeyPerson, KeyPersonAlert, KeyPersonEvent
from gridgov.keypersons.tests.conftest import days_ago, grant

TODAY = timezone.localdate


def timeline(person) -> list[tuple[str, str]]:
    return list(KeyPersonEvent.objects.filter(key_person=person).order_by("at", "id").values_list("action", "note"))


def test_enlisting_sets_the_first_due_date_by_category_and_color(world, drug_users, enlist, leader_a):
    person = enlist(world.resident_a, drug_users, "yellow", responsible=leader_a, days_ago_=3)
    assert (person.path, person.status, person.next_follow_up_due, person.responsible) == (
        "520330113201010101",
        "under_follow_up",
        TODAY() + dt.timedelta(days=12),
        leader_a,
    )
    assert timeline(person) == [("enlist", "")]


def test_color_change_needs_a_reason_and_nothing_is_saved_without_one(world, drug_users, enlist, leader_a):
    person = enlist(world.resident_a, drug_users, "blue", responsible=leader_a)
    data = actions.FollowUpInput(followed_up_at=days_ago(0), whereabouts="at_home", color="red")
    with pytest.raises(ValidationError) as info:
        actions.record_follow_up(leader_a, person, data)
    assert info.value.message_dict == {"color_reason": ["调整风险等级须填写理由"]}
    assert FollowUp.objects.count() == 0
    person.refresh_from_db()
    assert person.color == "blue"


def test_color_change_with_reason_sets_the_new_cadence(world, drug_users, enlist, leader_a, follow_up):
    person = enlist(world.resident_a, drug_users, "blue", responsible=leader_a, days_ago_=20)
    record = follow_up(leader_a, person, 2, color="red", color_reason="近期与吸毒人员来往密切", state="watch")
    person.refresh_from_db()
    assert (record.color_before, record.color_after, record.color_reason) == ("blue", "red", "近期与吸毒人员来往密切")
    assert (person.color, person.last_follow_up_on, person.next_follow_up_due) == (
        "red",
        TODAY() - dt.timedelta(days=2),
        TODAY() + dt.timedelta(days=5),
    )
    assert timeline(person) == [("enlist", ""), ("follow_up", ""), ("color_change", "近期与吸毒人员来往密切")]


def test_follow_up_without_color_keeps_the_color(world, drug_users, enlist, leader_a, follow_up):
    person = enlist(world.resident_a, drug_users, "yellow", responsible=leader_a)
    record = follow_up(leader_a, person, 0, notes="在家务农")
    assert (record.color_before, record.color_after, record.color_changed) == ("yellow", "yellow", False)


def test_a_late_upload_of_an_older_follow_up_is_logged_but_changes_nothing(
    world, drug_users, enlist, leader_a, follow_up
):
    person = enlist(world.resident_a, drug_users, "blue", responsible=leader_a, days_ago_=30)
    follow_up(leader_a, person, 1)
    follow_up(leader_a, person, 10, color="red", color_reason="补录")
    person.refresh_from_db()
    assert (person.color, person.last_follow_up_on) == ("blue", TODAY() - dt.timedelta(days=1))
    assert list(FollowUp.objects.order_by("followed_up_at").values_list("color_after", flat=True)) == ["blue", "blue"]


def test_same_client_uuid_twice_records_one_follow_up(world, drug_users, enlist, leader_a):
    person = enlist(world.resident_a, drug_users, "blue", responsible=leader_a)
    data = actions.FollowUpInput(followed_up_at=days_ago(0), whereabouts="local", client_uuid=uuid.uuid4())
    first, created = actions.record_follow_up(leader_a, person, data)
    again, created_again = actions.record_follow_up(leader_a, person, data)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert FollowUp.objects.count() == 1


def test_unknown_whereabouts_puts_the_person_out_of_contact_with_an_alert(
    world, drug_users, enlist, leader_a, follow_up
):
    person = enlist(world.resident_a, drug_users, "yellow", responsible=leader_a, days_ago_=10)
    follow_up(leader_a, person, 1, whereabouts="unknown", mode="relatives", notes="家属称已外出半月")
    person.refresh_from_db()
    assert (person.status, person.out_of_contact_since, person.last_follow_up_on) == (
        "out_of_contact",
        TODAY() - dt.timedelta(days=1),
        None,
    )
    alert = KeyPersonAlert.objects.get()
    assert (alert.kind, alert.reference_on, alert.responsible, alert.town, alert.closed_at) == (
        "out_of_contact",
        TODAY() - dt.timedelta(days=1),
        leader_a,
        world.town,
        None,
    )
    follow_up(leader_a, person, 0, whereabouts="away_known", whereabouts_detail="在遵义务工")
    person.refresh_from_db()
    alert.refresh_from_db()
    assert (person.status, person.out_of_contact_since) == ("under_follow_up", None)
    assert (alert.closed_at is not None, alert.closed_reason) == (True, "已恢复联系")
    assert [a for a, _ in timeline(person)] == [
        "enlist", "follow_up", "out_of_contact", "follow_up", "contact_restored",
    ]  # fmt: skip


def test_red_person_unreached_for_nine_days_raises_one_alert_to_responsible_and_town(
    world, drug_users, enlist, leader_a
):
    person = enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=9)  # due 2 days ago
    now = timezone.now()
    assert list(queries.overdue_follow_ups(now)) == [person]
    assert actions.raise_alerts(now) == 1
    assert actions.raise_alerts(now) == 0  # idempotent: the same day again
    assert actions.raise_alerts(now + dt.timedelta(days=1)) == 0  # and the next day: same missed date
    alert = KeyPersonAlert.objects.get()
    assert (alert.kind, alert.reference_on, alert.color, alert.responsible, alert.town, alert.path) == (
        "overdue",
        TODAY() - dt.timedelta(days=2),
        "red",
        leader_a,
        world.town,
        "520330113201010101",
    )


def test_a_follow_up_closes_the_overdue_alert_and_a_new_miss_raises_a_new_one(
    world, drug_users, enlist, leader_a, follow_up
):
    person = enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=20)
    actions.raise_alerts()
    follow_up(leader_a, person, 10)  # next due 3 days ago
    assert KeyPersonAlert.objects.get().closed_reason == "已稳控"
    assert actions.raise_alerts() == 1
    assert list(KeyPersonAlert.objects.order_by("id").values_list("reference_on", "closed_at")) == [
        (TODAY() - dt.timedelta(days=13), KeyPersonAlert.objects.order_by("id").first().closed_at),
        (TODAY() - dt.timedelta(days=3), None),
    ]


def test_out_of_contact_alert_is_raised_once(world, drug_users, enlist, officer):
    person = enlist(world.resident_a, drug_users, "yellow")
    actions.mark_out_of_contact(officer, person, note="手机关机，家中无人")
    assert actions.raise_alerts() == 0  # raised by the action already
    with pytest.raises(ActionRefused, match="该人员已标记为失联"):
        actions.mark_out_of_contact(officer, person, note="再次")
    assert KeyPersonAlert.objects.filter(kind="out_of_contact").count() == 1


def test_release_closes_alerts_and_stops_follow_ups(world, drug_users, enlist, officer, leader_a):
    person = enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=20)
    actions.raise_alerts()
    actions.release(officer, person, reason="戒断三年未复吸，经评估解除")
    person.refresh_from_db()
    assert (person.status, person.ended_on) == ("released", TODAY())
    assert KeyPersonAlert.objects.get().closed_reason == "已解除列管"
    assert actions.raise_alerts() == 0
    with pytest.raises(ActionRefused, match="已迁出或解除列管"):
        actions.record_follow_up(
            leader_a, person, actions.FollowUpInput(followed_up_at=days_ago(0), whereabouts="at_home")
        )


def test_one_active_listing_per_resident_and_category(world, drug_users, enlist):
    enlist(world.resident_a, drug_users)
    with pytest.raises(ValidationError, match="该居民已在此类重点人员中列管"):
        enlist(world.resident_a, drug_users)
    assert KeyPerson.objects.count() == 1


def test_only_grant_holders_with_a_managing_role_enlist(world, drug_users):
    data = actions.EnlistInput(resident=world.resident_a, category=drug_users, color="blue")
    with pytest.raises(ActionRefused, match="没有重点人群权限"):
        actions.enlist(world.town_staff, data)
    with pytest.raises(ActionRefused, match="只有综治中心和村（居）委会"):
        actions.enlist(grant(world.grid_worker_a), data)
    assert KeyPerson.objects.count() == 0


def test_responsible_person_must_hold_the_grant_and_cover_the_place(world, drug_users, enlist):
    with pytest.raises(ValidationError, match="没有重点人群权限，不能担任包保责任人"):
        enlist(world.resident_a, drug_users, responsible=world.grid_worker_a)
    with pytest.raises(ValidationError, match="的工作范围不包括该人员"):
        enlist(world.resident_a, drug_users, responsible=grant(world.grid_worker_b))
    assert KeyPerson.objects.count() == 0


def test_follow_up_without_the_grant_is_refused_and_changes_nothing(world, drug_users, enlist):
    person = enlist(world.resident_a, drug_users)
    with pytest.raises(ActionRefused, match="没有重点人群权限"):
        actions.record_follow_up(
            world.grid_worker_a, person, actions.FollowUpInput(followed_up_at=days_ago(0), whereabouts="at_home")
        )
    assert FollowUp.objects.count() == 0


def test_changing_the_responsible_person_moves_open_alerts(world, drug_users, enlist, officer, leader_a):
    person = enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=20)
    actions.raise_alerts()
    actions.change_responsible(officer, person, officer)
    assert KeyPersonAlert.objects.get().responsible == officer


def test_moving_a_household_takes_its_key_persons_along(world, drug_users, enlist):
    from gridgov.households import actions as household_actions

    person = enlist(world.resident_a, drug_users)
    household_actions.move_household(world.town_staff, world.household_a, grid=world.grid_c, cluster=None)
    person.refresh_from_db()
    assert person.path == world.grid_c.code


def test_alert_command_reports_new_alerts(world, drug_users, enlist, capsys):
    from django.core.management import call_command

    enlist(world.resident_a, drug_users, "red", days_ago_=9)
    call_command("keyperson_alerts")
    call_command("keyperson_alerts")
    assert capsys.readouterr().out.splitlines() == ["新预警 1 条", "新预警 0 条"]
