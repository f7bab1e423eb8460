"""Passwords only their owner knows: forced change, history, no username inside, expiry, the change page."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from gridgov.accounts import actions
from gridgov.accounts.models import PasswordHistory, User
from gridgov.audit.models import AuditLog
from gridgov.testing import PASSWORD, issue_activation_code


@pytest.mark.parametrize(
    ("username", "password"),
    [("county", "county2026"), ("county", "County-2026"), ("pwtest6", "Pwtest6-2026"), ("grid_a", "xGRID_A#2026")],
)
def test_a_password_containing_the_username_is_refused(world, username, password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, User(username=username))
    assert "密码不能包含用户名" in refused.value.messages


def test_the_system_administrator_cannot_create_an_account_whose_password_holds_its_name(world, login):
    client = login(world.system_admin)
    response = client.post(
        "/accounts/new/", {"username": "pwtest6", "display_name": "测试", "password": "Pwtest6-2026"}
    )
    assert response.status_code == 400 and "密码不能包含用户名" in response.content.decode()
    assert not User.objects.filter(username="pwtest6").exists()


def change_on_page(client: Client, old: str, new: str):
    return client.post("/me/password/", {"old_password": old, "new_password1": new, "new_password2": new})


def test_none_of_the_last_five_passwords_can_be_chosen_again(world, login):
    client = login(world.grid_worker_a)
    chosen = [PASSWORD] + [f"Round-{n}-pass" for n in range(1, 6)]
    for old, new in zip(chosen, chosen[1:], strict=False):
        assert change_on_page(client, old, new).status_code == 302
    assert PasswordHistory.objects.filter(user=world.grid_worker_a).count() == 5
    # The last five (Round-1 .. Round-5) are refused; the sixth back (the persona's first) is free again.
    for reused in chosen[1:]:
        response = change_on_page(client, chosen[-1], reused)
        assert response.status_code == 200 and "不能使用最近5次用过的密码" in response.content.decode()
    assert change_on_page(client, chosen[-1], PASSWORD).status_code == 302
    assert User.objects.get(pk=world.grid_worker_a.pk).check_password(PASSWORD)


def test_the_change_page_needs_the_current_password_and_keeps_the_session(world, login):
    client = login(world.grid_worker_a)
    response = change_on_page(client, "Not-my-pass-1", "Brand-new-77")
    assert response.status_code == 200 and "你的旧密码不正确" in response.content.decode()
    assert User.objects.get(pk=world.grid_worker_a.pk).check_password(PASSWORD)
    assert change_on_page(client, PASSWORD, "Brand-new-77")["Location"] == "/me/"
    assert client.get("/households/").status_code == 200  # still signed in
    user = User.objects.get(pk=world.grid_worker_a.pk)
    assert user.check_password("Brand-new-77") and timezone.now() - user.password_changed_at < timedelta(minutes=1)
    row = AuditLog.objects.get(action="update", detail__event="password_changed")
    assert (row.actor_name, row.object_id) == ("grid_a", str(user.pk))


def test_a_new_account_must_choose_its_password_and_opens_nothing_before(world, login):
    login(world.system_admin).post(
        "/accounts/new/", {"username": "newbie", "display_name": "新人", "password": "Initial-pass-1"}
    )
    newbie = User.objects.get(username="newbie")
    secadmin = login(world.security_admin, Client())
    secadmin.post(f"/accounts/{newbie.pk}/grant/", {"role": "grid_worker", "place_code": world.grid_a.code})
    code = issue_activation_code(secadmin, newbie)
    client = Client()
    response = client.post("/login/", {"username": "newbie", "password": "Initial-pass-1", "next": "/households/"})
    assert response["Location"] == "/login/activate/"  # a password an administrator set: activation first
    for url in ("/", "/households/", "/me/", "/api/v1/households/", "/login/verify/", "/login/password/"):
        response = client.get(url)
        assert response.status_code in {302, 401}, url
        assert "H-A-001" not in response.content.decode()
    page = client.get("/login/activate/").content.decode()
    assert "激活账号" in page and "newbie" in page and "new_password1" in page

    def choose(password: str):
        return client.post("/login/activate/", {"code": code, "new_password1": password, "new_password2": password})

    assert "不能使用最近5次用过的密码" in choose("Initial-pass-1").content.decode()
    assert "密码不能包含用户名" in choose("Newbie-2026x").content.decode()
    response = choose("Mine-alone-26")
    assert response["Location"] == "/households/"
    assert client.get("/households/").status_code == 200
    assert [row.detail for row in AuditLog.objects.filter(action="login", actor_name="newbie")] == [None]


def test_an_administrator_reset_forces_a_change_and_ends_open_sessions(world, login):
    owner = login(world.grid_worker_a, Client())
    admin = login(world.system_admin, Client())
    response = admin.post(f"/accounts/{world.grid_worker_a.pk}/password/", {"password": "Temporary-pass-5"})
    assert response.status_code == 302
    assert owner.get("/households/").status_code == 302  # signed out by the password change
    client = Client()
    assert client.post("/login/", {"username": "grid_a", "password": "Temporary-pass-5"})["Location"] == (
        "/login/activate/"  # the owner activates again, with a new code from the security administrator
    )
    row = AuditLog.objects.get(action="update", detail__event="password_reset")
    assert (row.actor_name, row.object_id) == ("sysadmin", str(world.grid_worker_a.pk))


def test_only_the_system_administrator_resets_passwords(world, login):
    for admin in (world.security_admin, world.auditor):
        response = login(admin, Client()).post(
            f"/accounts/{world.grid_worker_a.pk}/password/", {"password": "Tmp-pass-77"}
        )
        assert response.status_code == 404
    assert User.objects.get(pk=world.grid_worker_a.pk).check_password(PASSWORD)
    with pytest.raises(actions.ActionRefused):
        actions.reset_password(world.system_admin, world.system_admin, "Tmp-pass-77")


def test_a_password_older_than_ninety_days_must_be_changed(world, settings):
    assert settings.GRIDGOV_PASSWORD_MAX_AGE_DAYS == 90
    User.objects.filter(pk=world.town_staff.pk).update(password_changed_at=timezone.now() - timedelta(days=90))
    client = Client()
    assert client.post("/login/", {"username": "town", "password": PASSWORD})["Location"] == "/login/password/"
    User.objects.filter(pk=world.town_staff.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    assert Client().post("/login/", {"username": "town", "password": PASSWORD})["Location"] == "/"
    settings.GRIDGOV_PASSWORD_MAX_AGE_DAYS = 0  # no expiry
    User.objects.filter(pk=world.town_staff.pk).update(password_changed_at=timezone.now() - timedelta(days=900))
    assert Client().post("/login/", {"username": "town", "password": PASSWORD})["Location"] == "/"


def test_a_pending_sign_in_expires(world, settings):
    User.objects.filter(pk=world.town_staff.pk).update(password_changed_at=timezone.now() - timedelta(days=100))
    client = Client()
    client.post("/login/", {"username": "town", "password": PASSWORD})
    session = client.session
    state = session["gridgov_signin"]
    state["at"] -= settings.GRIDGOV_SIGNIN_STEP_SECONDS + 1
    session["gridgov_signin"] = state
    session.save()
    response = client.post("/login/password/", {"new_password1": "Mine-alone-26", "new_password2": "Mine-alone-26"})
    assert response["Location"] == "/login/"
    assert User.objects.get(pk=world.town_staff.pk).check_password(PASSWORD)
