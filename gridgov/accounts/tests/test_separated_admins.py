import pytest
from django.core.exceptions import ValidationError

from gridgov.accounts import actions
from gridgov.accounts.choices import Role
from gridgov.accounts.models import User
from gridgov.audit.models import AuditLog


def snapshot(user):
    user.refresh_from_db()
    return (user.role, user.place_id, user.may_reveal_pii)


def test_system_admin_creates_accounts_but_cannot_grant(world, login):
    client = login(world.system_admin)
    response = client.post(
        "/accounts/new/", {"username": "newbie", "display_name": "新人", "password": "Fresh-start-26"}
    )
    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert (newbie.role, newbie.place_id) == ("", None)
    assert (
        client.post(f"/accounts/{newbie.pk}/grant/", {"role": "center_staff", "place_code": "520330113"}).status_code
        == 404
    )
    assert snapshot(newbie) == ("", None, False)


def test_system_admin_sees_no_business_data(world, login):
    client = login(world.system_admin)
    for url in ("/households/", f"/households/{world.household_a.pk}/", "/audit/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "王建国" not in response.content.decode()


def test_security_admin_grants_role_scope_and_reveal_permission(world, login):
    client = login(world.security_admin)
    target = world.grid_worker_b
    response = client.post(
        f"/accounts/{target.pk}/grant/",
        {"role": "village_committee", "place_code": "520330113202", "may_reveal_pii": "on"},
    )
    assert response.status_code == 302
    assert snapshot(target) == ("village_committee", world.village_b.pk, True)
    row = AuditLog.objects.get(action="grant", object_id=str(target.pk))
    assert row.before == {
        "role": "grid_worker",
        "place": "5203301132020101",
        "may_reveal_pii": False,
        "may_view_key_population": False,
    }
    assert row.after == {
        "role": "village_committee",
        "place": "520330113202",
        "may_reveal_pii": True,
        "may_view_key_population": False,
    }


def test_grant_refuses_a_place_of_the_wrong_level(world, login):
    client = login(world.security_admin)
    target = world.grid_worker_b
    response = client.post(f"/accounts/{target.pk}/grant/", {"role": "grid_worker", "place_code": "520330113"})
    assert response.status_code == 200 and "网格员只能绑定到" in response.content.decode()
    assert snapshot(target) == ("grid_worker", world.grid_b.pk, False)
    assert not AuditLog.objects.filter(action="grant").exists()


def test_security_admin_sees_no_business_data_and_cannot_create_accounts(world, login):
    client = login(world.security_admin)
    assert client.get("/households/").status_code == 404
    assert client.get("/audit/").status_code == 404
    assert (
        client.post("/accounts/new/", {"username": "x1", "display_name": "x", "password": "Newbie-2026"}).status_code
        == 404
    )
    assert not User.objects.filter(username="x1").exists()


def test_no_account_holds_two_admin_roles(world):
    with pytest.raises(actions.ActionRefused):
        actions.grant(world.security_admin, world.auditor, role=Role.SYSTEM_ADMIN, place=None, may_reveal_pii=False)
    assert snapshot(world.auditor) == ("auditor", None, False)
    with pytest.raises(actions.ActionRefused):
        actions.grant(world.security_admin, world.security_admin, role=Role.AUDITOR, place=None, may_reveal_pii=False)
    with pytest.raises(ValidationError):
        actions.grant(
            world.security_admin, world.grid_worker_a, role=Role.AUDITOR, place=world.town, may_reveal_pii=False
        )
    assert snapshot(world.grid_worker_a) == ("grid_worker", world.grid_a.pk, False)


def test_superuser_accounts_are_refused(world):
    user = User(username="root", is_superuser=True)
    with pytest.raises(ValidationError):
        user.clean()


def test_only_the_auditor_reads_the_audit_log(world, login, client):
    for user in world.business_users() + [world.system_admin, world.security_admin]:
        client.logout()
        response = login(user).get("/audit/")
        assert response.status_code == 404, user.username
    client.logout()
    response = login(world.auditor).get("/audit/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()
