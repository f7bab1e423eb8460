"""/healthz and /readyz for load balancers, the replica router's decisions, and the JSON log lines."""

import json
import logging

import pytest
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

from gridgov.core import health, replicas
from gridgov.core.context import acting
from gridgov.core.logs import JsonFormatter
from gridgov.households.models import Household
from gridgov.households.views import household_list, resident_detail


def test_healthz_answers_without_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_when_the_database_answers_and_every_migration_is_applied(db, client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "migrations": "applied", "replicas": {}}


def test_readyz_refuses_while_a_migration_is_pending(db, client, monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)
    MigrationRecorder.Migration.objects.filter(app="households").order_by("-id").first().delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert response.json()["migrations"] == "1 pending"
    assert response.json()["database"] == "ok"


def test_readyz_refuses_posts(db, client):
    assert client.post("/readyz").status_code == 405
    assert client.post("/healthz").status_code == 405


def test_views_marked_for_replicas_are_the_read_only_ones():
    assert replicas.marked(household_list)
    assert not replicas.marked(resident_detail)  # reveals and edits: the primary


def test_without_replicas_every_read_goes_to_the_primary(db):
    router = replicas.ReplicaRouter()
    assert replicas.replica_aliases() == []
    with replicas.reading_from_replica() as alias:
        assert alias is None
        assert router.db_for_read(Household) == "default"


@pytest.mark.django_db(transaction=True)  # outside a test transaction, as a request runs
def test_router_keeps_transactions_sessions_and_sign_in_on_the_primary():
    from django.contrib.sessions.models import Session

    from gridgov.accounts.models import User

    router = replicas.ReplicaRouter()
    token = replicas._reading.set("replica1")
    try:
        assert router.db_for_read(Household) == "replica1"
        assert router.db_for_read(Session) == "default"
        assert router.db_for_read(User) == "default"
        with transaction.atomic():
            assert router.db_for_read(Household) == "default"
        assert router.db_for_write(Household) == "default"
        assert router.allow_migrate("replica1", "households") is False
        assert router.allow_migrate("default", "households") is True
    finally:
        replicas._reading.reset(token)


@pytest.mark.parametrize(("cookie", "expected"), [("", False), ("garbage", False), ("1", False), ("99999999999", True)])
def test_read_your_writes_cookie(rf, cookie, expected):
    request = rf.get("/households/")
    if cookie:
        request.COOKIES[replicas.PRIMARY_COOKIE] = cookie
    assert replicas.recently_wrote(request) is expected


def test_json_log_lines_carry_the_request_id_and_the_account_but_no_arguments_unformatted():
    formatter = JsonFormatter()
    record = logging.LogRecord("gridgov.x", logging.WARNING, __file__, 1, "held %s", ("匹配",), None)
    with acting("county"):
        line = json.loads(formatter.format(record))
    assert line["msg"] == "held 匹配"
    assert line["level"] == "WARNING"
    assert line["user"] == "county"
    assert len(line["request_id"]) == 32
    access = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(s)s", None, None)
    access.args = {"m": "GET", "U": "/households/", "s": "200", "B": "5120", "M": "7", "h": "127.0.0.1"}
    line = json.loads(formatter.format(access))
    assert {k: line[k] for k in ("msg", "method", "path", "status", "bytes", "ms")} == {
        "msg": "request",
        "method": "GET",
        "path": "/households/",
        "status": 200,
        "bytes": 5120,
        "ms": 7,
    }
    assert connection.vendor in {"sqlite", "postgresql"}
