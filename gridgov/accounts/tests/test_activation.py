"""Activation with split knowledge: a password an administrator set (a new account, a reset) opens the account
only together with a one-time activation code that only the security administrator issues and sees.

The system administrator knows the initial password, the security administrator the code; only the owner
gets both. Neither administrator alone can activate, and both steps are in the audit log (never the code).
"""

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from gridgov.accounts import actions
from gridgov.accounts.models import ActivationCode, ApiToken, User
from gridgov.audit.models import AuditLog
from gridgov.testing import issue_activation_code

INITIAL = "Initial-pass-1"
MINE = "Mine-alone-26"


def error_text(response) -> str:
    match = re.search(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


@pytest.fixture
def newbie(world, login):
    """A grid worker created by the system administrator (who knows INITIAL) and granted by the security one."""
    login(world.system_admin, Client()).post(
        "/accounts/new/", {"username": "newbie", "display_name": "新人", "password": INITIAL}
    )
    account = User.objects.get(username="newbie")
    login(world.security_admin, Client()).post(
        f"/accounts/{account.pk}/grant/", {"role": "grid_worker", "place_code": world.grid_a.code}
    )
    return User.objects.get(pk=account.pk)


def activate(client: Client, code: str, password: str = MINE, **extra):
    return client.post(
        "/login/activate/", {"code": code, "new_password1": password, "new_password2": password}, **extra
    )


def all_audit_text() -> str:
    rows = AuditLog.objects.values_list("actor_name", "object_repr", "before", "after", "detail")
    return json.dumps(list(rows), ensure_ascii=False)


def test_the_owner_activates_with_the_initial_password_and_the_code_then_signs_in_normally(world, newbie, login):
    assert newbie.activation_required
    secadmin = login(world.security_admin, Client())
    code = issue_activation_code(secadmin, newbie)
    assert re.fullmatch(r"\d{4}-\d{4}-\d{4}", code)

    owner = Client()
    response = owner.post("/login/", {"username": "newbie", "password": INITIAL, "next": "/households/"})
    assert response["Location"] == "/login/activate/"
    page = owner.get("/login/activate/").content.decode()
    assert "激活账号" in page and "newbie" in page and 'name="code"' in page
    # The owner's own password: the initial one (in the history) is refused, and the code is not spent.
    same = activate(owner, code, INITIAL)
    assert same.status_code == 200 and "不能使用最近5次用过的密码" in same.content.decode()
    assert ActivationCode.objects.get(user=newbie).used_at is None
    response = activate(owner, code.replace("-", " "))  # spaces instead of dashes, as typed from a phone call
    assert response.status_code == 302 and response["Location"] == "/households/"
    assert owner.session["_auth_user_id"] == str(newbie.pk)
    assert owner.get("/households/").status_code == 200

    account = User.objects.get(pk=newbie.pk)
    assert not account.activation_required and account.check_password(MINE) and not account.check_password(INITIAL)
    issued = ActivationCode.objects.get(user=newbie)
    assert issued.state == "used" and issued.failures == 0
    activated = AuditLog.objects.get(detail__event="account_activated")
    assert (activated.actor_name, activated.object_id) == ("newbie", str(newbie.pk))
    assert activated.detail == {
        "event": "account_activated",
        "activation_code_id": issued.pk,
        "issued_by": "secadmin",
        "issued_at": issued.issued_at.isoformat(),
    }
    assert [r.detail for r in AuditLog.objects.filter(action="login", actor_name="newbie")] == [None]

    # Afterwards the account signs in normally: its own password, no code.
    again = Client()
    assert again.post("/login/", {"username": "newbie", "password": MINE})["Location"] == "/"
    assert again.session["_auth_user_id"] == str(newbie.pk)
    assert Client().post("/login/", {"username": "newbie", "password": INITIAL}).status_code == 200


def test_the_code_is_shown_once_kept_as_a_hash_expires_and_its_issue_is_audited(world, newbie, login, settings):
    secadmin = login(world.security_admin, Client())
    response = secadmin.post(f"/accounts/{newbie.pk}/activation-code/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    code = re.search(r'id="activation-code">([0-9-]{14})<', response.content.decode()).group(1)
    digits = code.replace("-", "")

    issued = ActivationCode.objects.get(user=newbie)
    assert issued.issued_by == world.security_admin and issued.state == "active"
    assert (
        issued.expires_at - issued.issued_at
        == timedelta(hours=settings.GRIDGOV_ACTIVATION_CODE_HOURS)
        == (timedelta(hours=72))
    )
    assert digits not in issued.digest and check_password(digits, issued.digest)
    row = AuditLog.objects.get(detail__event="activation_code_issued")
    assert (row.action, row.actor_name, row.object_id) == ("grant", "secadmin", str(newbie.pk))
    assert row.detail == {
        "event": "activation_code_issued",
        "activation_code_id": issued.pk,
        "expires_at": issued.expires_at.isoformat(),
        "replaced": 0,
    }
    # Never shown again: the grant page says who issued it and until when, not the code.
    grant_page = secadmin.get(f"/accounts/{newbie.pk}/grant/").content.decode()
    assert "由 secadmin 发放激活码" in grant_page and "重新发放激活码" in grant_page
    assert digits[:4] not in grant_page.replace(str(newbie.pk), "") and code not in grant_page
    assert digits not in all_audit_text() and code not in all_audit_text()
    # The auditor reads the event and its issuer, not the code.
    auditor_page = login(world.auditor, Client()).get("/audit/").content.decode()
    assert "activation_code_issued" in auditor_page and code not in auditor_page

    # A new code voids the first one (audited as replaced); an expired code no longer opens.
    second = issue_activation_code(secadmin, newbie)
    assert ActivationCode.objects.get(pk=issued.pk).state == "voided"
    assert AuditLog.objects.filter(detail__event="activation_code_issued").latest("id").detail["replaced"] == 1
    owner = Client()
    owner.post("/login/", {"username": "newbie", "password": INITIAL})
    assert "激活码不正确或已失效" in error_text(activate(owner, code))
    ActivationCode.objects.filter(user=newbie, voided_at__isnull=True).update(expires_at=timezone.now())
    assert "激活码不正确或已失效" in error_text(activate(owner, second))
    assert "上次发放的激活码已过期" in secadmin.get(f"/accounts/{newbie.pk}/grant/").content.decode()
    assert User.objects.get(pk=newbie.pk).activation_required and "_auth_user_id" not in owner.session


def test_the_system_administrator_can_neither_issue_nor_see_codes(world, newbie, login):
    sysadmin = login(world.system_admin, Client())
    auditor = login(world.auditor, Client())
    for client in (sysadmin, auditor):
        assert client.post(f"/accounts/{newbie.pk}/activation-code/").status_code == 404
        assert client.get(f"/accounts/{newbie.pk}/grant/").status_code == 404
    assert not ActivationCode.objects.exists()
    with pytest.raises(actions.ActionRefused, match="只有安全管理员可以执行此操作"):
        actions.issue_activation_code(world.system_admin, newbie)

    code = issue_activation_code(login(world.security_admin, Client()), newbie)
    listing = sysadmin.get("/accounts/").content.decode()
    assert "待激活" in listing and "activation-code" not in listing and code not in listing
    assert not ActivationCode.objects.filter(issued_by=world.system_admin).exists()


def test_the_security_administrator_issues_codes_only_where_one_is_needed(world, newbie, login):
    secadmin = login(world.security_admin, Client())
    # An account whose owner chose the password needs none; nor may the security administrator serve itself.
    response = secadmin.post(f"/accounts/{world.grid_worker_a.pk}/activation-code/")
    assert response["Location"] == f"/accounts/{world.grid_worker_a.pk}/grant/"
    assert "无需激活" in secadmin.get(response["Location"]).content.decode()
    assert secadmin.post(f"/accounts/{world.security_admin.pk}/activation-code/").status_code == 404
    with pytest.raises(actions.ActionRefused, match="不能给自己发放激活码"):
        actions.issue_activation_code(world.security_admin, world.security_admin)
    User.objects.filter(pk=newbie.pk).update(is_superuser=True)  # as Django's createsuperuser would make it
    with pytest.raises(actions.ActionRefused, match="不设超级管理员"):
        actions.issue_activation_code(world.security_admin, User.objects.get(pk=newbie.pk))
    User.objects.filter(pk=newbie.pk).update(is_superuser=False, is_active=False)
    with pytest.raises(actions.ActionRefused, match="账号已停用"):
        actions.issue_activation_code(world.security_admin, User.objects.get(pk=newbie.pk))
    assert not ActivationCode.objects.exists()
    assert not AuditLog.objects.filter(detail__event="activation_code_issued").exists()


def test_neither_administrator_alone_activates(world, newbie, login):
    # The system administrator knows the initial password, not the code: it stops at the activation step.
    intruder = Client()
    assert intruder.post("/login/", {"username": "newbie", "password": INITIAL})["Location"] == "/login/activate/"
    for url in ("/login/password/", "/login/verify/"):  # no way around the step
        assert intruder.get(url)["Location"] == "/login/activate/"
    response = intruder.post("/login/password/", {"new_password1": MINE, "new_password2": MINE})
    assert response["Location"] == "/login/activate/"
    assert "激活码不正确或已失效" in error_text(activate(intruder, "0000-0000-0000"))  # none issued yet
    assert User.objects.get(pk=newbie.pk).check_password(INITIAL) and "_auth_user_id" not in intruder.session

    # The security administrator knows the code, not the password: the code opens nothing by itself.
    code = issue_activation_code(login(world.security_admin, Client()), newbie)
    stranger = Client()
    assert activate(stranger, code)["Location"] == "/login/"  # no sign-in in progress
    response = stranger.post("/login/", {"username": "newbie", "password": code})
    assert response.status_code == 200 and error_text(response) == "用户名或密码错误"
    assert stranger.get("/login/activate/")["Location"] == "/login/"
    account = User.objects.get(pk=newbie.pk)
    assert account.activation_required and account.check_password(INITIAL)
    assert ActivationCode.objects.get(user=newbie).state == "active"


def test_wrong_codes_count_as_failed_sign_ins_and_void_the_code(world, newbie, login):
    code = issue_activation_code(login(world.security_admin, Client()), newbie)
    wrong = next(c for c in ("1111-1111-1111", "2222-2222-2222") if c != code)
    guesser = Client(REMOTE_ADDR="127.0.0.66")
    guesser.post("/login/", {"username": "newbie", "password": INITIAL})
    for _ in range(4):
        response = activate(guesser, wrong)
        assert response.status_code == 200 and "激活码不正确或已失效" in error_text(response)
    response = activate(guesser, wrong)  # the fifth: the (account, address) pair is throttled, the code void
    assert response["Location"] == "/login/"
    failed = AuditLog.objects.filter(action="login_failed", actor_name="newbie", ip="127.0.0.66")
    assert [row.detail["reason"] for row in failed.order_by("id")] == ["activation_code"] * 5
    assert AuditLog.objects.filter(action="lockout", actor_name="newbie").count() == 1
    voided = AuditLog.objects.get(detail__event="activation_code_voided")
    assert voided.detail["failures"] == 5 and voided.object_id == str(newbie.pk)
    assert ActivationCode.objects.get(user=newbie).state == "voided"
    # Throttled like wrong passwords: the right password from that address is refused now.
    assert guesser.post("/login/", {"username": "newbie", "password": INITIAL}).status_code == 429

    # From elsewhere the right code no longer works either; a new one from the security administrator does.
    owner = Client(REMOTE_ADDR="127.0.0.2")
    owner.post("/login/", {"username": "newbie", "password": INITIAL})
    assert "激活码不正确或已失效" in error_text(activate(owner, code))
    fresh = issue_activation_code(login(world.security_admin, Client()), newbie)
    assert activate(owner, fresh)["Location"] == "/"
    assert owner.session["_auth_user_id"] == str(newbie.pk)


def test_answers_before_the_right_password_do_not_tell_whether_an_account_needs_activation(world, newbie):
    def answer(username: str, address: str) -> tuple[int, str, bool]:
        response = Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": "Wrong-pass-1"})
        return response.status_code, error_text(response), "激活" in response.content.decode()

    pending, activated, unknown = (
        answer("newbie", "127.0.0.11"),
        answer("county", "127.0.0.12"),
        answer("nobody", "127.0.0.13"),
    )
    assert pending == activated == unknown == (200, "用户名或密码错误", False)


def test_a_reset_needs_a_new_activation_revokes_tokens_and_voids_earlier_codes(world, newbie, login):
    secadmin = login(world.security_admin, Client())
    code = issue_activation_code(secadmin, newbie)
    owner = Client()
    owner.post("/login/", {"username": "newbie", "password": INITIAL})
    assert activate(owner, code)["Location"] == "/"
    out = StringIO()
    call_command("create_api_token", "newbie", "巡查对接", stdout=out)
    token = out.getvalue().strip()
    assert Client().get("/api/v1/households/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    sysadmin = login(world.system_admin, Client())
    assert sysadmin.post(f"/accounts/{newbie.pk}/password/", {"password": "Temporary-pass-5"}).status_code == 302
    account = User.objects.get(pk=newbie.pk)
    assert account.activation_required
    assert owner.get("/households/").status_code == 302  # the open session ended
    assert Client().get("/api/v1/households/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert ApiToken.objects.get(user=newbie).state == "revoked"
    with pytest.raises(CommandError, match="尚未激活"):
        call_command("create_api_token", "newbie", "再来", stdout=StringIO())
    reset = AuditLog.objects.get(detail__event="password_reset")
    assert reset.detail == {"event": "password_reset", "activation_codes_voided": 0, "api_tokens_revoked": 1}

    # The used code does not open the account again; the system administrator stops at activation.
    intruder = Client()
    assert intruder.post("/login/", {"username": "newbie", "password": "Temporary-pass-5"})["Location"] == (
        "/login/activate/"
    )
    assert "激活码不正确或已失效" in error_text(activate(intruder, code, "Admin-knows-77"))
    assert "_auth_user_id" not in intruder.session
    # A code issued before a further reset is void after it.
    pending_code = issue_activation_code(secadmin, newbie)
    sysadmin.post(f"/accounts/{newbie.pk}/password/", {"password": "Temporary-pass-6"})
    assert AuditLog.objects.filter(detail__event="password_reset").latest("id").detail["activation_codes_voided"] == 1
    intruder.post("/login/", {"username": "newbie", "password": "Temporary-pass-6"})
    assert "激活码不正确或已失效" in error_text(activate(intruder, pending_code, "Admin-knows-77"))
    assert User.objects.get(pk=newbie.pk).check_password("Temporary-pass-6")


def test_a_token_of_an_account_that_needs_activation_is_refused(world):
    out = StringIO()
    call_command("create_api_token", "grid_a", "对接", stdout=out)
    token = out.getvalue().strip()
    assert Client().get("/api/v1/households/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    User.objects.filter(pk=world.grid_worker_a.pk).update(password_changed_at=None)  # set by an administrator
    assert Client().get("/api/v1/households/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_test_personas_are_activated(world):
    assert User.objects.count() == 10
    assert not [u.username for u in User.objects.all() if u.activation_required]
