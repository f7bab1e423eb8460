"""The second factor: who must use it, enrolment, codes, recovery codes, and no way around it."""

import re

import pyotp
import pytest
from django.test import Client

from gridgov.accounts.models import RecoveryCode, RecoveryCodeDevice, SealedTOTPDevice, User
from gridgov.audit.models import AuditLog
from gridgov.testing import PASSWORD, second_factor_code, wrong_code


def password_step(client: Client, user: User) -> str:
    return client.post("/login/", {"username": user.username, "password": PASSWORD})["Location"]


def forget_second_factor(user: User) -> None:
    SealedTOTPDevice.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(second_factor_since=None)


def enrol(client: Client) -> tuple[pyotp.TOTP, list[str], str]:
    """Enrol on the page: read the secret, confirm with a code; returns the phone, the recovery codes, the page."""
    page = client.get("/login/verify/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    phone = pyotp.TOTP(secret)
    response = client.post("/login/verify/", {"code": phone.now()})
    assert response["Location"] == "/login/recovery-codes/"
    codes_page = client.get("/login/recovery-codes/").content.decode()
    codes = re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</li>", codes_page)
    assert "恢复码已经显示过" in client.get("/login/recovery-codes/").content.decode()  # shown once
    return phone, codes, page


def test_who_must_use_a_second_factor(world):
    must = {u.username for u in User.objects.all() if u.requires_second_factor}
    assert must == {"auditor", "sysadmin", "secadmin"}
    world.grid_worker_a.may_reveal_pii = True
    world.village_committee.may_view_key_population = True
    assert world.grid_worker_a.requires_second_factor and world.village_committee.requires_second_factor
    assert not world.grid_worker_b.requires_second_factor


def test_everyone_must_with_the_setting(world, settings):
    settings.GRIDGOV_2FA_FOR_EVERYONE = True
    assert all(u.requires_second_factor for u in User.objects.all())
    assert password_step(Client(), world.grid_worker_a) == "/login/verify/"


def test_an_administrator_enrols_at_first_sign_in_with_a_qr_code_and_gets_recovery_codes_once(world):
    forget_second_factor(world.auditor)
    client = Client()
    assert password_step(client, world.auditor) == "/login/verify/"
    assert "_auth_user_id" not in client.session
    phone, codes, page = enrol(client)
    assert '<svg width="' in page and 'class="qr"' in page  # the QR code, inline, no script
    assert "<script" not in page.split("<main")[1]
    assert len(codes) == 10 and len(set(codes)) == 10
    # Stored as digests only; shown once.
    stored = set(RecoveryCode.objects.filter(device__user=world.auditor).values_list("digest", flat=True))
    assert stored == {RecoveryCodeDevice.digest_of(code) for code in codes}
    assert not any(code.replace("-", "") in digest for code in codes for digest in stored)
    assert client.post("/login/recovery-codes/")["Location"] == "/"
    assert client.session["_auth_user_id"] == str(world.auditor.pk)
    device = SealedTOTPDevice.objects.get(user=world.auditor)
    assert device.confirmed and pyotp.TOTP(secret_of(device)).now() == phone.now()
    row = AuditLog.objects.filter(action="login", actor_name="auditor").get()
    assert row.detail == {"second_factor": "totp"}


def secret_of(device) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode()


def test_the_next_sign_in_asks_for_the_code_and_a_recovery_code_works_once(world):
    forget_second_factor(world.auditor)
    first = Client()
    password_step(first, world.auditor)
    _phone, codes, _page = enrol(first)
    first.post("/login/recovery-codes/")
    again = Client()
    assert password_step(again, world.auditor) == "/login/verify/"
    assert "手机验证器当前显示的6位动态码" in again.get("/login/verify/").content.decode()
    assert again.post("/login/verify/", {"code": codes[3].upper()})["Location"] == "/"
    third = Client()
    password_step(third, world.auditor)
    response = third.post("/login/verify/", {"code": codes[3]})
    assert response.status_code == 200 and "_auth_user_id" not in third.session
    assert RecoveryCodeDevice.objects.get(user=world.auditor).remaining() == 9


def test_a_wrong_code_opens_nothing_and_five_end_the_sign_in(world):
    client = Client()
    assert password_step(client, world.security_admin) == "/login/verify/"
    wrong = wrong_code(world.security_admin)
    for _ in range(4):
        response = client.post("/login/verify/", {"code": wrong})
        assert response.status_code == 200 and "动态码或恢复码不正确" in response.content.decode()
        assert client.get("/accounts/").status_code == 302
    assert client.post("/login/verify/", {"code": wrong})["Location"] == "/login/"
    assert client.get("/login/verify/")["Location"] == "/login/"  # the pending sign-in is gone


@pytest.mark.parametrize("url", ["/api/v1/households/", "/api/v1/places/"])
def test_the_api_is_no_way_around_the_second_factor(world, url):
    world.town_staff.may_reveal_pii = True
    world.town_staff.save()
    second_factor_code(world.town_staff)
    client = Client()
    assert password_step(client, world.town_staff) == "/login/verify/"
    response = client.get(url)
    assert response.status_code == 401 and "H-A-001" not in response.content.decode()


def test_a_session_without_the_second_factor_is_signed_out_when_a_grant_needs_one(world, login):
    client = login(world.town_staff)
    assert client.get("/api/v1/households/").status_code == 200
    world.town_staff.may_reveal_pii = True
    world.town_staff.save(update_fields=["may_reveal_pii"])
    response = client.get("/api/v1/households/")
    assert response.status_code == 401 and "H-A-001" not in response.content.decode()
    assert client.get("/households/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_resetting_the_second_factor_ends_the_owners_sessions_and_asks_for_a_new_enrolment(world, login):
    owner = login(world.auditor, Client())
    assert owner.get("/audit/").status_code == 200
    secadmin = login(world.security_admin, Client())
    assert "重置两步验证" in secadmin.get(f"/accounts/{world.auditor.pk}/grant/").content.decode()
    response = secadmin.post(f"/accounts/{world.auditor.pk}/second-factor/reset/")
    assert response.status_code == 302
    assert owner.get("/audit/").status_code == 302
    assert not SealedTOTPDevice.objects.filter(user=world.auditor).exists()
    client = Client()
    assert password_step(client, world.auditor) == "/login/verify/"
    assert "设置两步验证" in client.get("/login/verify/").content.decode()
    # The system administrator may not reset it.
    sysadmin = login(world.system_admin, Client())
    assert sysadmin.post(f"/accounts/{world.security_admin.pk}/second-factor/reset/").status_code == 404


def test_an_optional_account_enrols_from_its_security_page(world, login):
    client = login(world.grid_worker_a)
    page = client.get("/me/").content.decode()
    assert "未启用" in page and "设置两步验证" in page
    setup = client.get("/me/second-factor/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', setup).group(1).replace(" ", "")
    reload = client.get("/me/second-factor/").content.decode()
    assert re.search(r'id="totp-secret">([A-Z2-7 ]+)<', reload).group(1).replace(" ", "") == secret  # same on reload
    response = client.post("/me/second-factor/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200 and len(re.findall(r"<li>[a-z2-7-]{19}</li>", response.content.decode())) == 10
    assert client.get("/households/").status_code == 200  # this session stays signed in
    assert password_step(Client(), world.grid_worker_a) == "/login/verify/"  # the next sign-in asks
    # New recovery codes replace the old ones.
    old = set(RecoveryCode.objects.values_list("digest", flat=True))
    client.post("/me/second-factor/", {"action": "recovery_codes"})
    assert old.isdisjoint(RecoveryCode.objects.values_list("digest", flat=True))
    assert RecoveryCode.objects.count() == 10


def test_a_forced_login_without_the_second_factor_is_signed_out_and_the_bench_helper_passes_it(world):
    from gridgov.testing import force_verified_login

    world.town_staff.may_reveal_pii = True
    world.town_staff.save()
    bare = Client()
    bare.force_login(world.town_staff)
    assert bare.get("/households/").status_code == 302
    verified = Client()
    force_verified_login(verified, world.town_staff)
    assert verified.get("/households/").status_code == 200
