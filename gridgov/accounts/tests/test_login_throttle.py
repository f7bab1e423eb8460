"""Login throttling (django-axes with gridgov's handler): limits, growing cool-offs, resets."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

from gridgov.accounts.models import LoginLockout
from gridgov.audit.models import AuditLog
from gridgov.testing import PASSWORD, wrong_code

ADDRESS = "127.0.0.77"


def fail(client: Client, username: str = "county", times: int = 1) -> list[int]:
    return [
        client.post("/login/", {"username": username, "password": "Wrong-pass-1"}).status_code for _ in range(times)
    ]


def minutes_pass(minutes: int) -> None:
    """Move every recorded failure and lockout ``minutes`` into the past."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))
    LoginLockout.objects.update(at=F("at") - timedelta(minutes=minutes))


def signs_in(client: Client, username: str = "county") -> bool:
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    return response.status_code == 302


def test_the_cool_off_doubles_with_each_lockout_of_the_address(world):
    client = Client(REMOTE_ADDR=ADDRESS)
    assert fail(client, times=5) == [200] * 4 + [429]
    minutes_pass(14)
    assert not signs_in(client)  # first lockout: 15 minutes
    minutes_pass(2)
    assert fail(client, times=5) == [200] * 4 + [429]  # the count started again; second lockout
    minutes_pass(16)
    assert not signs_in(client)  # second lockout: 30 minutes
    minutes_pass(15)
    assert fail(client, times=5) == [200] * 4 + [429]  # third lockout: 60 minutes
    minutes_pass(59)
    assert not signs_in(client)
    minutes_pass(2)
    assert signs_in(client)
    assert list(LoginLockout.objects.order_by("id").values_list("minutes", flat=True)) == [15, 30, 60]
    assert [
        row["minutes"]
        for row in AuditLog.objects.filter(action="lockout").order_by("id").values_list("detail", flat=True)
    ] == [
        15,
        30,
        60,
    ]


def test_lockouts_older_than_a_day_are_forgotten(world):
    client = Client(REMOTE_ADDR=ADDRESS)
    fail(client, times=5)
    minutes_pass(24 * 60 + 1)
    assert fail(client, times=5) == [200] * 4 + [429]
    assert LoginLockout.objects.order_by("-id").first().minutes == 15


def test_a_successful_sign_in_clears_only_that_account_from_that_address(world):
    client = Client(REMOTE_ADDR=ADDRESS)
    fail(client, "county", 3)
    fail(client, "town", 2)
    assert signs_in(client, "county")
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [("town", 2)]


def test_signing_in_with_ones_own_account_does_not_wipe_an_address_count(world):
    """An attacker holding one account must not reset the count of the address by signing in with it."""
    client = Client(REMOTE_ADDR=ADDRESS)
    for n in range(29):
        fail(client, f"victim{n}")
    assert signs_in(Client(REMOTE_ADDR=ADDRESS), "grid_a")
    assert fail(client, "victim29") == [429]  # the 30th failure from the address throttles it
    assert fail(client, "county") == [429]


def test_wrong_second_factor_codes_count_against_the_account_from_that_address(world):
    client = Client(REMOTE_ADDR=ADDRESS)
    wrong = wrong_code(world.auditor)
    for _ in range(4):
        assert client.post("/login/", {"username": "auditor", "password": PASSWORD})["Location"] == "/login/verify/"
        response = client.post("/login/verify/", {"code": wrong})
        assert response.status_code == 200 and "动态码或恢复码不正确" in response.content.decode()
    # Four wrong codes and one wrong password: the pair is throttled, even with the right password and code.
    assert fail(client, "auditor") == [429]
    assert client.post("/login/", {"username": "auditor", "password": PASSWORD}).status_code == 429
    reasons = [
        row["reason"]
        for row in AuditLog.objects.filter(action="login_failed").order_by("id").values_list("detail", flat=True)
    ]
    assert reasons == ["second_factor"] * 4 + ["password", "throttled"]


def test_the_system_administrator_clears_an_accounts_failures(world, login):
    client = Client(REMOTE_ADDR=ADDRESS)
    fail(client, times=5)
    admin = login(world.system_admin, Client())
    page = admin.get("/accounts/?q=county").content.decode()
    assert "有登录失败" in page and "清除登录失败" in page
    response = admin.post(f"/accounts/{world.county_staff.pk}/unlock/")
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert signs_in(client)
    row = AuditLog.objects.get(action="update", detail__event="login_throttle_cleared")
    assert (row.actor_name, row.object_id, row.detail["attempts"]) == ("sysadmin", str(world.county_staff.pk), 1)


def test_the_security_administrator_cannot_clear_failures(world, login):
    fail(Client(REMOTE_ADDR=ADDRESS), times=5)
    response = login(world.security_admin, Client()).post(f"/accounts/{world.county_staff.pk}/unlock/")
    assert response.status_code == 404
    assert AccessAttempt.objects.get().failures_since_start == 5


def test_throttle_off_by_setting_checks_every_password(world, settings):
    settings.AXES_ENABLED = False
    client = Client(REMOTE_ADDR=ADDRESS)
    assert fail(client, times=8) == [200] * 8
    assert signs_in(client)
    assert not AccessAttempt.objects.exists() and not LoginLockout.objects.exists()
