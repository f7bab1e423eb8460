"""Key-person alerts reach the notice bell of the responsible person and the town's key-population officer
through the periodic job, once per alert and recipient, and never anyone without the grant."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from gridgov.accounts.choices import Role
from gridgov.keypersons.models import KeyPersonAlert
from gridgov.notifications.actions import notify_key_person_alerts
from gridgov.notifications.models import Notice
from gridgov.testing import make_user


def TODAY():
    return timezone.localdate()


@pytest.fixture
def immediate(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def key_person_line() -> str:
    out = io.StringIO()
    call_command("run_periodic", "--once", stdout=out)
    lines = [line.split(" ", 2)[2] for line in out.getvalue().splitlines()]
    return next(line for line in lines if line.startswith("key_person_alerts:"))


def test_red_person_unreached_for_nine_days_reaches_the_officer_and_the_responsible_person_once(
    world, drug_users, enlist, follow_up, officer, leader_a, immediate
):
    person = enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=30)
    follow_up(leader_a, person, 9)  # red: every 7 days, so due 2 days ago
    Notice.objects.all().delete()

    assert key_person_line() == "key_person_alerts: SUCCESSFUL notices=2 raised=1"
    alert = KeyPersonAlert.objects.get()
    due = TODAY() - dt.timedelta(days=2)
    text = (
        f"重点人员稳控逾期预警（红色，预警#{alert.pk}）：应于{due:%Y-%m-%d}稳控，已逾期2天，"
        "距最近一次稳控已9天。请到“重点人员预警”查看并签收。"
    )
    assert sorted(Notice.objects.values_list("recipient__username", "kind", "text", "matter")) == [
        ("leader_a", "key_person_alert", text, None),
        ("town_kp", "key_person_alert", text, None),
    ]
    assert world.resident_a.name not in text and drug_users.name not in text

    assert key_person_line() == "key_person_alerts: SUCCESSFUL notices=0 raised=0"  # every round: nothing new
    assert Notice.objects.count() == 2


def test_nobody_without_the_grant_gets_a_key_person_notice(world, drug_users, enlist, follow_up, officer, leader_a):
    person = enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=30)
    follow_up(leader_a, person, 9)
    # A second officer at the town whose grant was taken away, and an inactive one with the grant.
    make_user("town_ex", Role.CENTER_STAFF, world.town, may_view_key_population=False)
    make_user("town_gone", Role.CENTER_STAFF, world.town, may_view_key_population=True, is_active=False)
    Notice.objects.all().delete()
    from gridgov.keypersons.actions import raise_alerts

    raise_alerts()
    assert notify_key_person_alerts() == 2
    assert set(Notice.objects.values_list("recipient__username", flat=True)) == {"town_kp", "leader_a"}
    others = [world.grid_worker_a, world.grid_worker_b, world.town_staff, world.village_committee, world.county_staff]
    assert not Notice.objects.filter(recipient__in=others).exists()


def test_a_responsible_person_who_lost_the_grant_is_not_notified(
    world, drug_users, enlist, follow_up, officer, leader_a
):
    person = enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=30)
    follow_up(leader_a, person, 9)
    leader_a.may_view_key_population = False
    leader_a.save(update_fields=["may_view_key_population"])
    Notice.objects.all().delete()
    from gridgov.keypersons.actions import raise_alerts

    raise_alerts()
    assert notify_key_person_alerts() == 1
    assert list(Notice.objects.values_list("recipient__username", flat=True)) == ["town_kp"]


def test_out_of_contact_notice_and_a_closed_alert_is_not_noticed(world, drug_users, enlist, follow_up, officer):
    person = enlist(world.resident_a, drug_users, "blue", days_ago_=10)
    follow_up(officer, person, 3, whereabouts="unknown")  # out of contact since 3 days ago: alert raised at once
    Notice.objects.all().delete()
    assert notify_key_person_alerts() == 1
    alert = KeyPersonAlert.objects.get()
    since = TODAY() - dt.timedelta(days=3)
    assert Notice.objects.get().text == (
        f"重点人员失联预警（蓝色，预警#{alert.pk}）：自{since:%Y-%m-%d}起失联。请到“重点人员预警”查看并签收。"
    )
    follow_up(officer, person, 0)  # reached again: the alert closes
    assert KeyPersonAlert.objects.get().closed_at is not None
    Notice.objects.all().delete()
    assert notify_key_person_alerts() == 0


def test_the_notice_opens_the_alert_list(world, drug_users, enlist, follow_up, officer, leader_a, login):
    person = enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=30)
    follow_up(leader_a, person, 9)
    from gridgov.keypersons.actions import raise_alerts

    raise_alerts()
    notify_key_person_alerts()
    notice = Notice.objects.get(recipient=officer)
    client = login(officer)
    response = client.post(f"/notifications/{notice.pk}/read/", {"open": "1"})
    assert (response.status_code, response.url) == (302, "/keypersons/alerts/")
