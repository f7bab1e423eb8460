"""Issue 12, findings 1 and 2, reproduced as the probe did them (these tests fail on the code before the fix).

1. Anyone could keep any account locked, and the lock told which usernames exist.
2. The system administrator could sign in as a business account it created and reveal an ID number (and, before
   activation codes, could still do so by signing in with the initial password before the owner did).
"""

import re
import time
from io import StringIO

import pyotp
from django.core.management import call_command
from django.test import Client

from gridgov.accounts.models import ActivationCode, User
from gridgov.audit.models import AuditLog
from gridgov.testing import PASSWORD, issue_activation_code

ATTACKER = "127.0.0.66"
OWNER_ELSEWHERE = "127.0.0.2"
ID_A = "520330198005171232"  # resident A's full ID number (testing.build_world)


def error_text(response) -> str:
    match = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', response.content.decode(), re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def test_thousand_wrong_passwords_from_one_address_are_slowed_down_logged_and_lock_nobody_out(world, login):
    owner = world.county_staff
    open_session = login(owner, Client(REMOTE_ADDR="127.0.0.3"))
    out = StringIO()
    call_command("create_api_token", owner.username, "县平台对接", stdout=out)
    token = out.getvalue().strip()

    attacker = Client(REMOTE_ADDR=ATTACKER)
    answers = [attacker.post("/login/", {"username": "county", "password": f"Guess-{n:04d}x"}) for n in range(1000)]
    statuses = [r.status_code for r in answers]
    # Slowed down: four answers "wrong", then the fifth failure throttles this account from this address,
    # and the 995 tries after it are refused without their password being checked.
    assert statuses == [200] * 4 + [429] * 996
    assert {error_text(r) for r in answers[:4]} == {"用户名或密码错误"}
    assert {error_text(r) for r in answers[4:]} == {"登录失败次数过多，请15分钟后再试；忘记密码请联系系统管理员重置"}
    # Not checked: even the right password from the attacker's address is refused now.
    right = attacker.post("/login/", {"username": "county", "password": PASSWORD})
    assert right.status_code == 429 and "_auth_user_id" not in attacker.session

    # Logged: one audit row per try, saying which were checked, and one lockout.
    failed = AuditLog.objects.filter(action="login_failed", actor_name="county")
    assert failed.count() == 1001
    assert failed.filter(ip=ATTACKER, object_id=str(owner.pk)).count() == 1001
    reasons = [row["reason"] for row in failed.order_by("id").values_list("detail", flat=True)]
    assert reasons == ["password"] * 5 + ["throttled"] * 996
    lockouts = AuditLog.objects.filter(action="lockout")
    assert list(lockouts.values_list("actor_name", "ip", "object_id", "detail")) == [
        ("county", ATTACKER, str(owner.pk), {"username": "county", "scope": "account", "minutes": 15})
    ]

    # The owner signs in from another address at once; the open session and the token keep working.
    elsewhere = login(owner, Client(REMOTE_ADDR=OWNER_ELSEWHERE))
    assert elsewhere.session["_auth_user_id"] == str(owner.pk)
    assert open_session.get("/households/").status_code == 200
    api = Client().get("/api/v1/households/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200 and len(api.json()["items"]) == 2


def test_failed_sign_ins_answer_the_same_whether_the_username_exists(world):
    def answers(username: str, address: str) -> list[tuple[int, str]]:
        client = Client(REMOTE_ADDR=address)
        return [
            (r.status_code, error_text(r))
            for r in (client.post("/login/", {"username": username, "password": "Wrong-pass-1"}) for _ in range(7))
        ]

    existing, unknown = answers("county", "127.0.0.11"), answers("no-such-user", "127.0.0.12")
    assert existing == unknown
    assert [status for status, _ in existing] == [200] * 4 + [429] * 3
    assert User.objects.filter(username="county").exists() and not User.objects.filter(username="no-such-user").exists()


def test_one_address_guessing_many_accounts_is_throttled_for_all_of_them(world, login):
    spray = Client(REMOTE_ADDR=ATTACKER)
    for n in range(30):  # one guess each for 30 usernames: no account reaches its own limit
        assert spray.post("/login/", {"username": f"user{n}", "password": "Spring-2026"}).status_code in {200, 429}
    refused = spray.post("/login/", {"username": "town", "password": PASSWORD})
    assert refused.status_code == 429 and "_auth_user_id" not in spray.session
    assert login(world.town_staff, Client(REMOTE_ADDR=OWNER_ELSEWHERE)).session["_auth_user_id"] == str(
        world.town_staff.pk
    )


def accepted_now(phone: pyotp.TOTP) -> set[str]:
    """The codes a server with one step of tolerance accepts now."""
    now = time.time()
    return {phone.at(now + step) for step in (-30, 0, 30)}


def enrol_as_owner(client: Client) -> pyotp.TOTP:
    """On the enrolment page: read the secret shown for manual entry, confirm with the phone's code."""
    page = client.get("/login/verify/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    phone = pyotp.TOTP(secret)
    response = client.post("/login/verify/", {"code": phone.now()})
    assert response.status_code == 302 and response["Location"] == "/login/recovery-codes/"
    assert client.post("/login/recovery-codes/").status_code == 302
    return phone


def test_the_system_administrator_cannot_use_a_business_account_it_created(world, login):
    sysadmin, secadmin = login(world.system_admin, Client()), login(world.security_admin, Client())
    known = "Known-pass-91"
    created = sysadmin.post("/accounts/new/", {"username": "pwtest6", "display_name": "测试六", "password": known})
    assert created.status_code == 302
    account = User.objects.get(username="pwtest6")
    granted = secadmin.post(
        f"/accounts/{account.pk}/grant/",
        {
            "role": "center_staff",
            "place_code": world.town.code,
            "may_reveal_pii": "on",
            "may_view_key_population": "on",
        },
    )
    assert granted.status_code == 302
    reveal_url = f"/households/residents/{world.resident_a.pk}/reveal/id_number/"

    def opens_nothing(client: Client) -> None:
        for url in ("/keypersons/", f"/households/{world.household_a.pk}/", "/api/v1/households/"):
            response = client.get(url)
            assert response.status_code in {302, 401}, url
            assert "王建国" not in response.content.decode()
        response = client.post(reveal_url, {"id_number-reason": "核实"})
        assert response.status_code == 302 and ID_A not in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert not AuditLog.objects.filter(action="reveal").exists()

    # The administrator signs in with the password it chose: it is stopped at the activation step, which also
    # needs a code that only the security administrator issues and sees. It cannot choose the owner's
    # password, cannot go round the step, cannot issue itself a code, and nothing opens.
    intruder = Client()
    response = intruder.post("/login/", {"username": "pwtest6", "password": known})
    assert response.status_code == 302 and response["Location"] == "/login/activate/"
    opens_nothing(intruder)
    for url in ("/login/password/", "/login/verify/"):
        assert intruder.get(url)["Location"] == "/login/activate/"
    chosen_by_admin = {"new_password1": "Admin-knows-77", "new_password2": "Admin-knows-77"}
    assert intruder.post("/login/password/", chosen_by_admin)["Location"] == "/login/activate/"
    guess = intruder.post("/login/activate/", {"code": "1234-5678-9012", **chosen_by_admin})
    assert guess.status_code == 200 and "激活码不正确或已失效" in guess.content.decode()
    assert sysadmin.post(f"/accounts/{account.pk}/activation-code/").status_code == 404
    assert User.objects.get(pk=account.pk).check_password(known) and not ActivationCode.objects.exists()
    opens_nothing(intruder)

    # The security administrator issues the code and hands it to the owner, who alone has both halves:
    # activates with a password nobody else knows and enrols a phone.
    code = issue_activation_code(secadmin, account)
    owner = Client()
    assert owner.post("/login/", {"username": "pwtest6", "password": known})["Location"] == "/login/activate/"
    mine = "Only-mine-2027"
    response = owner.post("/login/activate/", {"code": code, "new_password1": mine, "new_password2": mine})
    assert response.status_code == 302 and response["Location"] == "/login/verify/"
    phone = enrol_as_owner(owner)
    assert owner.session["_auth_user_id"] == str(account.pk)

    # The administrator's password no longer works; a reset gives it a new one, but the owner's used code
    # does not activate again.
    assert intruder.post("/login/", {"username": "pwtest6", "password": known}).status_code == 200
    reset = sysadmin.post(f"/accounts/{account.pk}/password/", {"password": "Temporary-pass-5"})
    assert reset.status_code == 302
    assert intruder.post("/login/", {"username": "pwtest6", "password": "Temporary-pass-5"})["Location"] == (
        "/login/activate/"
    )
    response = intruder.post("/login/activate/", {"code": code, **chosen_by_admin})
    assert response.status_code == 200 and "激活码不正确或已失效" in response.content.decode()
    opens_nothing(intruder)
    assert owner.get("/households/").status_code == 302  # the reset ended the owner's session too

    # Even both administrators together (a new code from the security administrator) stop at the owner's phone.
    response = intruder.post("/login/activate/", {"code": issue_activation_code(secadmin, account), **chosen_by_admin})
    assert response["Location"] == "/login/verify/"
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted_now(phone))
    response = intruder.post("/login/verify/", {"code": wrong})
    assert response.status_code == 200 and "动态码或恢复码不正确" in response.content.decode()
    opens_nothing(intruder)
