from io import StringIO

from django.core.management import call_command

from gridgov.accounts.models import ApiToken


def test_token_command_prints_a_token_that_authenticates_with_the_user_scope(world, client):
    out = StringIO()
    call_command("create_api_token", "grid_a", "测试", stdout=out)
    raw = out.getvalue().strip()
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
