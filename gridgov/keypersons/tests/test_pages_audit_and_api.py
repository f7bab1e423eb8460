"""Key-population pages and API for holders of the grant: audited views, scoped, fixed query counts."""

import json
import re
import uuid

import pytest
from django.test import Client

from gridgov.audit.models import AuditLog
from gridgov.keypersons.models import FollowUp, KeyPerson, KeyPersonCategory
from gridgov.keypersons.tests.conftest import days_ago, grant

# session, user with place, one page (person, resident, category, responsible), filter places, categories,
# counts (1 aggregate) + open alerts, the audit row, the list's total (persons and categories, 1 aggregate)
QUERIES_LIST = 9
# session, user with place, the person with resident/household/category/responsible, the audit row,
# follow-ups, events, open alerts, responsible choices (rendered in the manage form)
QUERIES_DETAIL = 8


@pytest.fixture
def person(world, drug_users, enlist, leader_a, follow_up):
    p = enlist(world.resident_a, drug_users, "yellow", responsible=leader_a, days_ago_=20)
    follow_up(leader_a, p, 3, notes="在家，情绪稳定")
    return p


def views_logged(**filters) -> list[tuple]:
    rows = AuditLog.objects.filter(action="view", **filters).order_by("id")
    return [(r.actor_name, r.object_type, r.object_id, r.object_repr, r.detail["view"]) for r in rows]


def test_each_view_of_a_key_person_writes_one_audit_row(world, person, leader_a, login):
    client = login(leader_a)
    assert client.get(f"/keypersons/{person.pk}/").status_code == 200
    assert client.get(f"/keypersons/{person.pk}/").status_code == 200
    assert client.get(f"/api/v1/keypersons/{person.pk}").status_code == 200
    assert client.get(f"/keypersons/{person.pk}/follow-up/").status_code == 200
    assert views_logged(object_id=str(person.pk)) == [
        ("leader_a", "keypersons.keyperson", str(person.pk), f"重点人员#{person.pk}", "key_person_detail"),
        ("leader_a", "keypersons.keyperson", str(person.pk), f"重点人员#{person.pk}", "key_person_detail"),
        ("leader_a", "keypersons.keyperson", str(person.pk), f"重点人员#{person.pk}", "api_key_person_detail"),
        ("leader_a", "keypersons.keyperson", str(person.pk), f"重点人员#{person.pk}", "follow_up_form"),
    ]


def test_list_pages_and_api_lists_log_the_ids_they_show(world, person, leader_a, login):
    client = login(leader_a)
    client.get("/keypersons/")
    client.get("/api/v1/keypersons/")
    client.get("/keypersons/alerts/")
    rows = AuditLog.objects.filter(action="view").order_by("id")
    assert [(r.detail["view"], r.detail["ids"]) for r in rows] == [
        ("key_person_list", [person.pk]),
        ("api_key_person_list", [person.pk]),
        ("key_person_alerts", []),
    ]


def test_audit_rows_carry_no_name_category_or_free_text(world, person, leader_a, login):
    login(leader_a).get(f"/keypersons/{person.pk}/")
    rows = AuditLog.objects.filter(object_type__startswith="keypersons.")
    assert {r.object_type for r in rows} == {"keypersons.keyperson", "keypersons.followup"}
    dumped = json.dumps(list(rows.values("object_repr", "before", "after", "detail")), ensure_ascii=False)
    for secret in ("王建国", "吸毒", "在家，情绪稳定", "每周见面一次"):
        assert secret not in dumped


def test_list_page_at_a_fixed_query_count(world, drug_users, enlist, officer, login, django_assert_num_queries):
    from gridgov.households import actions as household_actions
    from gridgov.testing import new_id_number

    for i in range(8):
        resident = household_actions.add_resident(
            world.town_staff,
            household_actions.ResidentInput(name=f"居民{i}", id_number=new_id_number()),
            household=world.household_a,
        )
        enlist(resident, drug_users, ["red", "yellow", "blue"][i % 3])
    client = login(officer)
    with django_assert_num_queries(QUERIES_LIST):
        response = client.get("/keypersons/")
    assert len(re.findall(r'href="/keypersons/\d+/"', response.content.decode())) == 8


def test_detail_page_at_a_fixed_query_count(world, person, officer, login, django_assert_num_queries):
    client = login(officer)
    with django_assert_num_queries(QUERIES_DETAIL):
        response = client.get(f"/keypersons/{person.pk}/")
    body = response.content.decode()
    assert "在家，情绪稳定" in body and "网格长甲" in body


def test_grant_holder_of_another_grid_gets_404(world, person, login):
    client = login(grant(world.grid_worker_b))
    assert client.get(f"/keypersons/{person.pk}/").status_code == 404
    assert client.get(f"/api/v1/keypersons/{person.pk}").status_code == 404
    assert "王建国" not in client.get("/keypersons/?status=all").content.decode()
    assert AuditLog.objects.filter(action="view", object_id=str(person.pk)).count() == 0


def test_filters_by_category_color_and_status(world, person, drug_users, enlist, officer, login):
    other_category = KeyPersonCategory.objects.get(code="key_petitioner")
    enlist(world.resident_b, other_category, "red")
    client = login(officer)

    def names(query):
        return re.findall(r'href="/keypersons/\d+/">([^<]+)</a>', client.get(f"/keypersons/{query}").content.decode())

    assert names("") == ["王建国", "李秀英"]
    assert names(f"?category={drug_users.pk}") == ["王建国"]
    assert names("?color=red") == ["李秀英"]
    assert names("?status=released") == []
    assert names("?q=李") == ["李秀英"]


def test_follow_up_form_records_and_refuses_a_color_change_without_reason(world, person, leader_a, login):
    client = login(leader_a)
    data = {
        "followed_up_at": days_ago(0).strftime("%Y-%m-%dT%H:%M"),
        "mode": "phone",
        "whereabouts": "local",
        "state": "stable",
        "color": "red",
        "client_uuid": str(uuid.uuid4()),
    }
    refused = client.post(f"/keypersons/{person.pk}/follow-up/", data)
    assert refused.status_code == 400
    assert "调整风险等级须填写理由" in refused.content.decode()
    assert FollowUp.objects.count() == 1
    data["color_reason"] = "与他人发生冲突"
    response = client.post(f"/keypersons/{person.pk}/follow-up/", data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.color, FollowUp.objects.count()) == ("red", 2)


def test_enlist_through_the_form(world, drug_users, officer, leader_a, login):
    client = login(officer)
    assert "王建国" in client.get("/keypersons/new/?q=王").content.decode()
    response = client.post(
        f"/keypersons/new/?resident={world.resident_a.pk}",
        {"category": drug_users.pk, "color": "yellow", "responsible": leader_a.pk, "control_measures": "每半月见面"},
    )
    person = KeyPerson.objects.get()
    assert response["Location"] == f"/keypersons/{person.pk}/"
    assert (person.responsible, person.color, person.control_measures) == (leader_a, "yellow", "每半月见面")


def test_grid_leader_with_the_grant_cannot_enlist(world, leader_a, login):
    response = login(leader_a).get(f"/keypersons/new/?resident={world.resident_a.pk}")
    assert response.status_code == 200  # the page opens, the action refuses
    response = login(leader_a).post(
        f"/keypersons/new/?resident={world.resident_a.pk}",
        {"category": KeyPersonCategory.objects.first().pk, "color": "blue"},
    )
    assert response.status_code == 400
    assert "只有综治中心和村（居）委会可以列管或解除重点人员" in response.content.decode()
    assert KeyPerson.objects.count() == 0


def test_api_follow_up_is_idempotent_by_client_uuid(world, person, leader_a, login):
    client = login(leader_a)
    body = {
        "followed_up_at": days_ago(0).isoformat(),
        "whereabouts": "at_home",
        "color": "blue",
        "color_reason": "连续三个月表现稳定",
        "client_uuid": str(uuid.uuid4()),
    }
    url = f"/api/v1/keypersons/{person.pk}/follow-ups"
    first = client.post(url, json.dumps(body), content_type="application/json")
    again = client.post(url, json.dumps(body), content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert (first.json()["color_before"], first.json()["color_after"]) == ("yellow", "blue")
    assert FollowUp.objects.count() == 2


def test_api_lists_persons_in_scope_with_filters(world, person, officer, login):
    client = login(officer)
    items = client.get("/api/v1/keypersons/?color=yellow").json()["items"]
    assert [(i["name"], i["category_name"], i["status"]) for i in items] == [("王建国", "吸毒人员", "under_follow_up")]
    assert client.get("/api/v1/keypersons/?color=red").json()["items"] == []
    detail = client.get(f"/api/v1/keypersons/{person.pk}").json()
    assert [f["notes"] for f in detail["follow_ups"]] == ["在家，情绪稳定"]


def test_categories_are_seeded_and_edited_by_the_system_admin_only(world, officer, login):
    assert KeyPersonCategory.objects.count() == 13
    category = KeyPersonCategory.objects.get(code="severe_mental_disorder")
    assert (category.name, category.red_days, category.yellow_days, category.blue_days) == (
        "严重精神障碍患者",
        7,
        15,
        30,
    )
    assert login(officer).get("/keypersons/categories/").status_code == 404
    admin = login(world.system_admin, Client())
    response = admin.post(
        f"/keypersons/categories/{category.pk}/",
        {"name": "严重精神障碍患者", "red_days": 3, "yellow_days": 7, "blue_days": 14, "active": "on"},
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.red_days, category.yellow_days, category.blue_days) == (3, 7, 14)
    refused = admin.post(
        f"/keypersons/categories/{category.pk}/",
        {"name": "严重精神障碍患者", "red_days": 30, "yellow_days": 7, "blue_days": 14, "active": "on"},
    )
    assert refused.status_code == 400
    category.refresh_from_db()
    assert category.red_days == 3


def test_alert_list_and_acknowledgement(world, drug_users, enlist, leader_a, login):
    from gridgov.keypersons import actions
    from gridgov.keypersons.models import KeyPersonAlert

    enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=9)
    actions.raise_alerts()
    client = login(leader_a)
    body = client.get("/keypersons/alerts/?mine=1").content.decode()
    assert "王建国" in body and "稳控逾期" in body
    alert = KeyPersonAlert.objects.get()
    assert client.post(f"/keypersons/alerts/{alert.pk}/acknowledge/").status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == leader_a
