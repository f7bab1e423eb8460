"""`demo_accounts`: one login per role on the demo town, created once, with one documented password."""

from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client

from gridgov.accounts.models import User
from gridgov.audit.models import AuditLog
from gridgov.demo.accounts import DEMO_PASSWORD
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place

pytestmark = pytest.mark.usefixtures("zhaiba")

EXPECTED = [
    ("auditor", "auditor", None),
    ("cluster", "cluster_leader", "520330113201010101"),
    ("county", "center_staff", "520330"),
    ("grid1", "grid_worker", "5203301132010101"),
    ("grid2", "grid_worker", "5203301132020101"),
    ("keypop", "center_staff", "520330113"),
    ("liaison", "department_liaison", "520330113"),
    ("secadmin", "security_admin", None),
    ("sysadmin", "system_admin", None),
    ("town", "center_staff", "520330113"),
    ("village", "village_committee", "520330113201"),
]


def accounts():
    return list(User.objects.order_by("username").values_list("username", "role", "place__code"))


def test_seed_demo_creates_one_account_per_role(db):
    assert accounts() == EXPECTED
    assert list(User.objects.filter(may_reveal_pii=True).values_list("username", flat=True)) == ["town"]
    assert list(User.objects.filter(may_view_key_population=True).values_list("username", flat=True)) == ["keypop"]
    assert not User.objects.filter(is_superuser=True).exists()
    validate_password(DEMO_PASSWORD)
    assert all(user.check_password(DEMO_PASSWORD) for user in User.objects.all())


def test_grid_worker_and_cluster_leader_accounts_are_linked_to_their_appointments(db):
    grid1 = User.objects.get(username="grid1")
    appointment = Appointment.objects.get(user=grid1)
    assert (appointment.role, appointment.place.code, appointment.status) == (
        "grid_worker",
        grid1.place.code,
        "appointed",
    )
    assert grid1.display_name == appointment.person_name
    cluster = User.objects.get(username="cluster")
    assert Appointment.objects.get(user=cluster).place == cluster.place
    assert Appointment.objects.get(user__username="grid2").place.code == "5203301132020101"


def test_demo_accounts_is_idempotent_and_prints_the_table(db):
    passwords = dict(User.objects.values_list("username", "password"))
    audit_rows = AuditLog.objects.count()
    outputs = []
    for _ in range(2):
        out = StringIO()
        call_command("demo_accounts", stdout=out)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    assert accounts() == EXPECTED
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert AuditLog.objects.count() == audit_rows
    lines = outputs[0].splitlines()
    assert lines[0] == f"演示账号（密码均为 {DEMO_PASSWORD}）："
    assert lines[1].split() == ["用户名", "姓名", "角色", "所属地域", "动态码"]
    assert lines[3].split() == ["county", "县综治中心", "综治中心工作人员", "习水县（520330）"]
    assert lines[4].split() == ["town", "镇综治中心", "综治中心工作人员", "寨坝镇（520330113）", "✓"]
    assert len(lines) == 4 + len(EXPECTED)
    assert lines[-1].startswith("标 ✓ 的账号（town、keypop、sysadmin、secadmin、auditor）登录时还要输入6位动态码")
    assert "manage.py demo_totp 用户名" in lines[-1]


def test_a_demo_account_signs_in_with_the_documented_password(db, client):
    response = client.post("/login/", {"username": "grid1", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(User.objects.get(username="grid1").pk)


def test_a_demo_login_with_a_grant_signs_in_with_the_printed_password_and_demo_totp(db, client):
    """What `make run` prints is enough: the password, then the code `manage.py demo_totp town` prints."""
    response = client.post("/login/", {"username": "town", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/login/verify/"  # no password form first
    assert "_auth_user_id" not in client.session
    out, err = StringIO(), StringIO()
    call_command("demo_totp", "town", stdout=out, stderr=err)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit() and "town 的当前动态码" in err.getvalue()
    response = client.post("/login/verify/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(User.objects.get(username="town").pk)


def test_demo_totp_prints_a_qr_code_and_only_for_demo_authenticators(db):
    out = StringIO()
    call_command("demo_totp", "sysadmin", "--qr", stdout=out)
    uri, *qr = out.getvalue().splitlines()
    assert uri.startswith("otpauth://totp/") and "sysadmin" in uri and "secret=" in uri
    assert len(qr) > 10
    with pytest.raises(CommandError, match="grid1 没有演示验证器"):
        call_command("demo_totp", "grid1", stdout=StringIO())


def test_demo_logins_are_never_sent_to_the_password_form(db):
    User.objects.update(password_changed_at=None)  # as an old demo database, or after 90 days
    call_command("demo_accounts", stdout=StringIO())
    assert not [u.username for u in User.objects.all() if u.password_change_required or u.activation_required]
    # As printed by `make run`: the password opens the town (county), or asks for the demo code (town), and
    # never for an activation code.
    assert Client().post("/login/", {"username": "county", "password": DEMO_PASSWORD})["Location"] == "/"
    assert Client().post("/login/", {"username": "town", "password": DEMO_PASSWORD})["Location"] == "/login/verify/"


def test_seed_demo_if_empty_changes_nothing_when_places_exist(db):
    places = Place.objects.count()
    audit_rows = AuditLog.objects.count()
    out = StringIO()
    call_command("seed_demo", "--if-empty", "--no-activity", stdout=out)
    assert "跳过演示数据生成" in out.getvalue()
    assert Place.objects.count() == places
    assert AuditLog.objects.count() == audit_rows
    assert accounts() == EXPECTED


def test_the_liaison_stands_for_the_towns_judicial_office_and_its_queue_holds_what_is_routed_there(db):
    from gridgov.matters.models import Matter
    from gridgov.matters.queries import work_queue

    liaison = User.objects.get(username="liaison")
    assert list(liaison.departments.values_list("name", flat=True)) == ["寨坝镇司法所"]
    held = Matter.objects.filter(is_open=True, holder_department__name="寨坝镇司法所")
    assert work_queue(liaison).count() == held.count()
    routed = Matter.objects.filter(routings__department__name="寨坝镇司法所").distinct()
    assert Matter.objects.for_user(liaison).count() == routed.count() > 0  # the office's matters, past and present
