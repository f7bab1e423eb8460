from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from gridgov.accounts import actions
from gridgov.accounts.models import ApiToken, User
from gridgov.audit.models import AuditLog


def create_token(username: str, *args: str) -> str:
    out = StringIO()
    call_command("create_api_token", username, "测试", *args, stdout=out)
    return out.getvalue().strip()


def households(raw: str):
    return Client().get("/api/v1/households/", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_token_command_prints_a_token_that_authenticates_with_the_user_scope(world, client):
    raw = create_token("grid_a")
    assert raw.startswith("ggv_")
    token = ApiToken.objects.get(user=world.grid_worker_a)
    assert token.digest == ApiToken.digest_of(raw) and raw not in token.digest
    response = client.get("/api/v1/households/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    numbers = [item["number"] for item in response.json()["items"]]
    assert numbers == ["H-A-001"]


def test_a_wrong_token_is_refused_with_nothing_returned(world, client):
    response = client.get("/api/v1/households/", HTTP_AUTHORIZATION="Bearer ggv_not-a-token")
    assert response.status_code == 401
    assert "H-A-001" not in response.content.decode()


def test_tokens_expire_after_ninety_days_or_the_days_given(world, settings):
    assert settings.GRIDGOV_API_TOKEN_DAYS == 90
    raw = create_token("grid_a")
    token = ApiToken.objects.get(user=world.grid_worker_a)
    assert timedelta(days=89, hours=23) < token.expires_at - timezone.now() <= timedelta(days=90)
    short = create_token("grid_b", "--days", "7")
    assert timedelta(days=6, hours=23) < ApiToken.objects.get(user=world.grid_worker_b).expires_at - timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = households(raw)
    assert response.status_code == 401 and "H-A-001" not in response.content.decode()
    assert households(short).status_code == 200
    with pytest.raises(CommandError, match="令牌有效期须为1至365天"):
        create_token("grid_a", "--days", "366")
    row = AuditLog.objects.filter(action="grant", detail__api_token="测试").order_by("id").first()
    assert row.detail["expires_at"] == token.expires_at.isoformat()


@pytest.mark.parametrize("admin", ["sysadmin", "secadmin", "auditor"])
def test_no_token_for_the_administrators(world, admin):
    with pytest.raises(CommandError, match="管理员账号不能使用 API 令牌"):
        create_token(admin)
    assert not ApiToken.objects.exists()


def test_a_token_of_an_account_that_became_an_administrator_stops_working(world):
    raw = create_token("liaison")
    User.objects.filter(username="liaison").update(role="auditor", place=None)
    assert households(raw).status_code == 401


def test_no_token_while_the_owner_has_not_chosen_the_password(world, login):
    login(world.system_admin).post(
        "/accounts/new/", {"username": "newbie", "display_name": "新人", "password": "Initial-pass-1"}
    )
    with pytest.raises(CommandError, match="尚未激活"):
        create_token("newbie")
    User.objects.filter(username="grid_a").update(password_changed_at=timezone.now() - timedelta(days=90))  # expired
    with pytest.raises(actions.ActionRefused):
        actions.issue_api_token(User.objects.get(username="grid_a"), "x")
    assert not ApiToken.objects.exists()


def test_the_owner_sees_and_revokes_own_tokens(world, login):
    raw = create_token("grid_a")
    other = create_token("grid_b")
    client = login(world.grid_worker_a)
    page = client.get("/me/").content.decode()
    assert "测试" in page and "有效" in page
    mine, theirs = ApiToken.objects.get(user=world.grid_worker_a), ApiToken.objects.get(user=world.grid_worker_b)
    assert client.post(f"/me/tokens/{theirs.pk}/revoke/").status_code == 404
    assert households(other).status_code == 200
    assert client.post(f"/me/tokens/{mine.pk}/revoke/")["Location"] == "/me/"
    assert households(raw).status_code == 401
    assert "已撤销" in client.get("/me/").content.decode()
    row = AuditLog.objects.get(action="update", detail__event="api_token_revoked")
    assert (row.actor_name, row.object_id, row.detail["token_id"]) == ("grid_a", str(world.grid_worker_a.pk), mine.pk)


def test_the_security_administrator_revokes_anyones_token_and_others_cannot(world, login):
    raw = create_token("grid_a")
    token = ApiToken.objects.get()
    for admin in (world.system_admin, world.auditor):
        assert login(admin, Client()).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert households(raw).status_code == 200
    secadmin = login(world.security_admin, Client())
    page = secadmin.get("/accounts/tokens/").content.decode()
    assert "grid_a" in page and "测试" in page and raw not in page and token.digest not in page
    assert secadmin.post(f"/accounts/tokens/{token.pk}/revoke/")["Location"] == "/accounts/tokens/"
    assert households(raw).status_code == 401
