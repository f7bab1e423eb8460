from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.audit.models import AuditLog
from gridgov.testing import PASSWORD


@pytest.mark.parametrize("password", ["Ab1defg", "abcdefgh", "abcdefg1", "ABCDEFG1", "12345678"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize("password", ["Wxyzrst5", "wxyzrs5!", "WXYZRS5!", "网格治理wx12"])
def test_passwords_of_three_classes_pass(password):
    validate_password(password)


def test_login_writes_audit_row_with_ip_and_request_id(world, client):
    response = client.post("/login/", {"username": "town", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    row = AuditLog.objects.get(action="login")
    assert (row.actor_name, row.ip, row.object_id) == ("town", "10.1.2.3", str(world.town_staff.pk))
    assert row.request_id == response["X-Request-ID"]


def test_failed_login_for_unknown_user_is_logged(world, client):
    client.post("/login/", {"username": "nobody", "password": "x"})
    row = AuditLog.objects.get(action="login_failed")
    assert (row.actor_name, row.object_id, row.detail) == ("nobody", "", {"username": "nobody", "reason": "password"})


def test_session_expires_after_thirty_idle_minutes(settings, world, login, client):
    assert settings.SESSION_COOKIE_AGE == 1800
    login(world.town_staff)
    session = client.session
    session.set_expiry(-1)  # as if the idle time had passed
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/"


def test_login_redirect_refuses_foreign_hosts(world, client):
    response = client.post(
        "/login/?next=https://evil.example/",
        {"username": "town", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_activity_moves_the_idle_expiry_on_at_most_once_a_minute(world, login, client):
    import time

    from django.contrib.sessions.models import Session

    login(world.town_staff)
    key = client.session.session_key
    session = client.session
    session["_seen"] = int(time.time()) - 61
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    client.get("/")
    first = Session.objects.get(session_key=key).expire_date
    assert timedelta(minutes=29) < first - timezone.now() <= timedelta(minutes=30)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    client.get("/")  # within the minute: no write
    assert Session.objects.get(session_key=key).expire_date - timezone.now() <= timedelta(minutes=5)
