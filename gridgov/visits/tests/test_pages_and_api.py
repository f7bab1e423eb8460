"""Visit pages and /api/v1/visits: scoped, idempotent creation by client id, fixed query counts."""

import json
import re
import uuid

from gridgov.visits.models import HouseholdVisitState, Visit
from gridgov.visits.tests.conftest import days_ago

# session, user with place, one page of visits with their households, visitor names, filter places, the total
# (共 N 次: for a grid, a COUNT; the rollups keep villages and above)
QUERIES_VISIT_LIST = 6
# session, user with place, the visit with household, grid, householder, recorder, vulnerable member; visitors;
# matters recorded from it
QUERIES_VISIT_DETAIL = 5


def visit_links(response) -> list[str]:
    return re.findall(r'href="/visits/(\d+)/"', response.content.decode())


def test_grid_worker_lists_only_visits_in_own_grid(world, visit, login):
    mine = visit(world.grid_worker_a, world.household_a, 1)
    visit(world.grid_worker_b, world.household_b, 1)
    response = login(world.grid_worker_a).get("/visits/")
    assert visit_links(response) == [str(mine.pk)]
    assert "H-B-001" not in response.content.decode()


def test_visit_list_at_a_fixed_query_count(world, visit, login, django_assert_num_queries):
    for n in range(12):
        visit(world.grid_worker_a, world.household_a, n, findings=f"第{n}次")
    client = login(world.grid_worker_a)
    with django_assert_num_queries(QUERIES_VISIT_LIST):
        response = client.get("/visits/")
    assert len(visit_links(response)) == 12
    assert "网格员甲" in response.content.decode()


def test_visit_detail_is_404_outside_scope(world, visit, login):
    other = visit(world.grid_worker_b, world.household_b, 1, findings="屋顶漏水")
    response = login(world.grid_worker_a).get(f"/visits/{other.pk}/")
    assert response.status_code == 404
    assert "屋顶漏水" not in response.content.decode()


def test_visit_detail_at_a_fixed_query_count(world, visit, login, django_assert_num_queries):
    mine = visit(world.grid_worker_a, world.household_a, 1, findings="家中老人身体好")
    client = login(world.grid_worker_a)
    with django_assert_num_queries(QUERIES_VISIT_DETAIL):
        response = client.get(f"/visits/{mine.pk}/")
    assert "家中老人身体好" in response.content.decode()


def form_data(household, key, **extra):
    return {
        "household": household.pk,
        "visited_at": days_ago(0, 0).strftime("%Y-%m-%dT%H:%M"),
        "mode": "door",
        "people_met": "王建国",
        "findings": "反映路灯不亮",
        "client_uuid": str(key),
        **extra,
    }


def test_recording_a_visit_through_the_form_twice_creates_one(world, login):
    client = login(world.grid_worker_a)
    page = client.get(f"/visits/new/?household={world.household_a.pk}")
    key = re.search(r'name="client_uuid" value="([0-9a-f-]{36})"', page.content.decode()).group(1)
    first = client.post(f"/visits/new/?household={world.household_a.pk}", form_data(world.household_a, key))
    again = client.post(f"/visits/new/?household={world.household_a.pk}", form_data(world.household_a, key))
    visit = Visit.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/visits/{visit.pk}/"
    assert (visit.findings, list(visit.visitors.all())) == ("反映路灯不亮", [world.grid_worker_a])


def test_form_for_a_household_outside_scope_is_404_and_records_nothing(world, login):
    client = login(world.grid_worker_a)
    assert client.get(f"/visits/new/?household={world.household_b.pk}").status_code == 404
    response = client.post("/visits/new/", form_data(world.household_b, uuid.uuid4()))
    assert response.status_code == 404
    assert Visit.objects.count() == 0


def test_household_picker_finds_only_households_in_scope(world, login):
    client = login(world.grid_worker_a)
    assert "H-B-001" not in client.get("/visits/new/?q=H-B").content.decode()
    assert "H-A-001" in client.get("/visits/new/?q=H-A").content.decode()
    partial = client.get("/visits/new/?q=王", HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="picker">') and "H-A-001" in partial


def test_menu_shows_the_plan_and_the_ledger_to_business_roles_only(world, login):
    body = login(world.grid_worker_a).get("/visits/today/").content.decode()
    assert 'href="/visits/today/"' in body and 'href="/visits/"' in body
    from django.test import Client

    auditor_page = login(world.auditor, Client()).get("/audit/")
    assert auditor_page.status_code == 200
    assert 'href="/visits/' not in auditor_page.content.decode()


# ---------------------------------------------------------------- API


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_api_creates_a_visit_once_per_client_uuid(world, login):
    client = login(world.grid_worker_a)
    body = {
        "household_id": world.household_a.pk,
        "visited_at": days_ago(1).isoformat(),
        "mode": "phone",
        "findings": "电话回访",
        "client_uuid": str(uuid.uuid4()),
    }
    first = post_json(client, "/api/v1/visits/", body)
    again = post_json(client, "/api/v1/visits/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["visitor_ids"] == [world.grid_worker_a.pk]
    assert first.json()["mode_label"] == "电话"
    assert Visit.objects.count() == 1
    assert HouseholdVisitState.objects.get(pk=world.household_a.pk).visit_count == 1


def test_api_refuses_a_household_outside_scope_with_404(world, login):
    client = login(world.grid_worker_a)
    response = post_json(
        client, "/api/v1/visits/", {"household_id": world.household_b.pk, "visited_at": days_ago(1).isoformat()}
    )
    assert response.status_code == 404
    assert Visit.objects.count() == 0


def test_api_validation_errors_are_400_with_the_field(world, login):
    client = login(world.grid_worker_a)
    response = post_json(
        client,
        "/api/v1/visits/",
        {"household_id": world.household_a.pk, "visited_at": "2099-01-01T10:00:00+08:00"},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"visited_at": ["走访时间不能晚于现在"]}
    assert Visit.objects.count() == 0


def test_api_list_detail_and_plan_are_scoped(world, visit, login):
    mine = visit(world.grid_worker_a, world.household_a, 1)
    other = visit(world.grid_worker_b, world.household_b, 1)
    client = login(world.grid_worker_a)
    assert [v["id"] for v in client.get("/api/v1/visits/").json()["items"]] == [mine.pk]
    assert client.get(f"/api/v1/visits/{other.pk}").status_code == 404
    assert client.get(f"/api/v1/visits/{mine.pk}").json()["household_number"] == "H-A-001"
    plan = client.get("/api/v1/visits/today").json()
    assert plan["households"] == []  # household A was visited yesterday
    coverage = client.get("/api/v1/visits/coverage").json()
    assert (coverage["total"]["households"], coverage["total"]["current"]) == (1, 1)
    assert client.get(f"/api/v1/visits/coverage?place={world.grid_b.code}").status_code == 404


def test_sync_uploads_a_queue_once_and_a_second_upload_adds_nothing(world, login):
    client = login(world.grid_worker_a)
    keys = [uuid.uuid4() for _ in range(3)]
    items = [
        {"household_id": world.household_a.pk, "visited_at": days_ago(2).isoformat(), "client_uuid": str(keys[0])},
        {"household_id": world.household_a.pk, "visited_at": days_ago(1).isoformat(), "client_uuid": str(keys[1])},
        {"household_id": world.household_b.pk, "visited_at": days_ago(1).isoformat(), "client_uuid": str(keys[2])},
        {"household_id": world.household_a.pk, "visited_at": days_ago(1).isoformat(), "client_uuid": str(keys[1])},
    ]
    first = post_json(client, "/api/v1/visits/sync", {"items": items}).json()
    assert [(r["status"], r["detail"]) for r in first["results"]] == [
        ("created", ""),
        ("created", ""),
        ("rejected", "户不存在或不在您的管辖范围内"),
        ("existing", ""),
    ]
    assert (first["created"], first["existing"], first["rejected"]) == (2, 1, 1)
    again = post_json(client, "/api/v1/visits/sync", {"items": items}).json()
    assert [r["status"] for r in again["results"]] == ["existing", "existing", "rejected", "existing"]
    assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]
    assert Visit.objects.count() == 2
    state = HouseholdVisitState.objects.get(pk=world.household_a.pk)
    assert (state.visit_count, state.last_visited_at) == (2, days_ago(1))


def test_sync_rejects_one_bad_record_and_keeps_the_others(world, login):
    client = login(world.grid_worker_a)
    items = [
        {
            "household_id": world.household_a.pk,
            "visited_at": "2099-01-01T00:00:00+08:00",
            "client_uuid": str(uuid.uuid4()),
        },
        {"household_id": world.household_a.pk, "visited_at": days_ago(1).isoformat()},
        {"household_id": world.household_a.pk, "visited_at": days_ago(1).isoformat(), "client_uuid": str(uuid.uuid4())},
    ]
    results = post_json(client, "/api/v1/visits/sync", {"items": items}).json()["results"]
    assert [(r["status"], r["errors"]) for r in results] == [
        ("rejected", {"visited_at": ["走访时间不能晚于现在"]}),
        ("rejected", {"client_uuid": ["离线记录须有 client_uuid"]}),
        ("created", {}),
    ]
    assert Visit.objects.count() == 1


def test_a_finding_becomes_a_matter_in_one_step_linked_to_the_visit(world, visit, login):
    from gridgov.matters.models import Category, Matter
    from gridgov.visits.models import VisitMatter

    found = visit(world.grid_worker_a, world.household_a, 1, findings="门前路灯损坏\n夜间出行不便")
    client = login(world.grid_worker_a)
    form = client.get(f"/visits/{found.pk}/matter/?kind=appeal").content.decode()
    assert 'value="门前路灯损坏"' in form and "H-A-001" in form
    category = Category.objects.filter(kind="appeal", selectable=True, active=True).order_by("sort_order").first()
    response = client.post(
        f"/visits/{found.pk}/matter/?kind=appeal",
        {
            "kind": "appeal",
            "category": category.pk,
            "title": "门前路灯损坏",
            "description": found.findings,
            "channel": "visit",
            "color": "blue",
            "reporter_type": "anonymous",
            "household_number": "H-A-001",
        },
    )
    matter = Matter.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/matters/{matter.pk}/"
    assert (matter.channel, matter.household, matter.kind) == ("visit", world.household_a, "appeal")
    assert list(VisitMatter.objects.values_list("visit_id", "matter_id")) == [(found.pk, matter.pk)]
    assert matter.reference in client.get(f"/visits/{found.pk}/").content.decode()


def test_a_visit_outside_scope_cannot_become_a_matter(world, visit, login):
    from gridgov.matters.models import Matter

    other = visit(world.grid_worker_b, world.household_b, 1, findings="漏水")
    assert login(world.grid_worker_a).post(f"/visits/{other.pk}/matter/", {"kind": "appeal"}).status_code == 404
    assert Matter.objects.count() == 0
