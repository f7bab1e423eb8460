"""The field pages, the offline data, the manifest and the service worker: scoped like every other app."""

import json

import pytest

from gridgov.audit.models import AuditLog
from gridgov.field.tests.conftest import grant
from gridgov.visits import actions as visit_actions

pytestmark = pytest.mark.django_db

BOOTSTRAP = "/api/v1/field/bootstrap"


def test_today_lists_only_the_workers_own_grid_never_visited_first(world, login):
    response = login(world.grid_worker_a).get("/field/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "H-A-001" in html and "王建国" in html
    assert "H-B-001" not in html and "李秀英" not in html
    assert f'href="/field/visit/?household={world.household_a.pk}"' in html
    assert "重点人员待稳控" not in html
    assert 'rel="manifest" href="/field/manifest.webmanifest" crossorigin="use-credentials"' in html


def test_today_shows_key_persons_due_only_with_the_grant_and_audits_the_view(world, login, key_person_a):
    plain = login(world.grid_worker_a).get("/field/").content.decode()
    assert "重点人员待稳控" not in plain and "/field/follow-up/" not in plain

    grant(world.grid_worker_a)  # the grant needs a second factor: a new sign-in, with the code
    from django.test import Client

    client = login(world.grid_worker_a, Client())
    html = client.get("/field/").content.decode()

    assert "重点人员待稳控" in html
    assert f"/field/follow-up/?key_person={key_person_a.pk}" in html
    rows = AuditLog.objects.filter(action="view", actor_name=world.grid_worker_a.username)
    assert [(r.detail["view"], r.detail["ids"]) for r in rows] == [("field_today", [key_person_a.pk])]


def test_today_page_query_count_is_fixed(world, login, django_assert_num_queries):
    client = login(world.grid_worker_a)
    client.get("/field/")
    with django_assert_num_queries(6):
        client.get("/field/")


def test_follow_up_page_is_404_without_the_grant(world, login, key_person_a):
    assert login(world.grid_worker_a).get("/field/follow-up/").status_code == 404


def test_quick_record_pages_open_for_a_grid_worker(world, login):
    client = login(world.grid_worker_a)
    for url in ["/field/visit/", "/field/matter/", "/field/edit/", "/field/check/", "/field/queue/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'src="/static/field/field.js"' in response.content.decode()


def test_pages_are_refused_to_accounts_without_a_business_role(world, login):
    client = login(world.auditor)
    for url in ["/field/", "/field/visit/", "/field/matter/", "/field/queue/"]:
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_login(world, client):
    for url in ["/field/", "/field/sw.js", "/field/manifest.webmanifest"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_manifest_is_served_as_a_web_app_manifest(world, login):
    response = login(world.grid_worker_a).get("/field/manifest.webmanifest")

    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert (data["start_url"], data["scope"], data["display"]) == ("/field/", "/field/", "standalone")
    assert [i["sizes"] for i in data["icons"]] == ["192x192", "512x512", "512x512"]
    assert data["name"] == "网格员移动工作台"


def test_service_worker_is_javascript_under_field_and_precaches_the_shell(world, login):
    response = login(world.grid_worker_a).get("/field/sw.js")

    body = response.content.decode()
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert '"/field/visit/"' in body and '"/api/v1/field/bootstrap"' in body and '"/static/field/field.js"' in body
    assert "/field/follow-up/" not in body  # not for an account without the grant


def test_bootstrap_holds_the_workers_grid_and_nothing_of_key_populations_without_grant(
    world, login, key_person_a, django_assert_num_queries
):
    client = login(world.grid_worker_a)
    visit_actions.record_visit(
        world.grid_worker_a,
        visit_actions.VisitInput(household=world.household_a, visited_at=key_person_a.created_at, findings="正常"),
    )
    client.get(BOOTSTRAP)
    with django_assert_num_queries(6):
        data = client.get(BOOTSTRAP).json()

    assert data["households"] == [
        {"id": world.household_a.pk, "number": "H-A-001", "address": "寨坝镇桂园村一组12号", "householder": "王建国"}
    ]
    assert data["follow_up"] is None
    assert [v["findings"] for v in data["recent_visits"]] == ["正常"]
    assert {c["kind"] for c in data["categories"]} == {"dispute", "appeal", "environment", "hardship", "hazard"}
    assert data["campaigns"] == []
    assert "drug" not in json.dumps(data) and "重点" not in json.dumps(data, ensure_ascii=False)


def test_bootstrap_with_the_grant_lists_key_persons_and_is_audited(world, login, key_person_a):
    data = login(grant(world.grid_worker_a)).get(BOOTSTRAP).json()

    assert [p["id"] for p in data["follow_up"]["key_persons"]] == [key_person_a.pk]
    assert data["follow_up"]["key_persons"][0]["name"] == "王建国"
    assert AuditLog.objects.filter(action="view", detail__view="field_bootstrap").count() == 1


def test_the_sync_and_offline_data_operations_are_in_the_openapi_document(world, login):
    paths = login(world.grid_worker_a).get("/api/v1/openapi.json").json()["paths"]

    assert set(paths["/api/v1/field/sync"]) == {"post"}
    assert set(paths["/api/v1/field/bootstrap"]) == {"get"}
