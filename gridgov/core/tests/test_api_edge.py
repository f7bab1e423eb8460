"""The API's edge (finding 4 of the MLPS review): inputs that answered 500 are refused with the documented
422 body, and nothing is written; the three administrators get 404 from business operations, never 500."""

import json

import pytest

from gridgov.accounts.actions import issue_api_token
from gridgov.api import api
from gridgov.matters.models import Matter
from gridgov.testing import force_verified_login
from gridgov.visits.models import Visit

HUGE = "81218412901858394112"  # beyond a 64-bit integer


@pytest.fixture
def town(world, client):
    token = issue_api_token(world.town_staff, "edge")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def assert_refused(response, field):
    assert response.status_code == 422, response.content.decode()[:300]
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"].startswith("输入不合法")
    assert list(body["errors"]) == [field]
    assert all(isinstance(m, str) and m for m in body["errors"][field])


def test_an_integer_beyond_64_bits_in_a_query_is_refused(town):
    assert_refused(town.get(f"/api/v1/households/residents/?household={HUGE}"), "household")
    assert_refused(town.get(f"/api/v1/visits/?household={HUGE}"), "household")


def test_integers_beyond_64_bits_in_a_body_are_refused_and_nothing_is_written(world, town):
    before = Visit.objects.count()
    body = {
        "household_id": world.household_a.pk,
        "visited_at": "2026-03-01T09:30:00+08:00",
        "visitor_ids": [int(HUGE)],
    }
    assert_refused(post(town, "/api/v1/visits/", body), "visitor_ids[0]")
    assert Visit.objects.count() == before
    item = {"campaign_id": int(HUGE), "household_id": world.household_a.pk, "answers": {}}
    assert_refused(post(town, "/api/v1/campaigns/sync", {"items": [item]}), "items[0].campaign_id")


def test_mediator_ids_beyond_64_bits_are_refused(world, town):
    from gridgov.matters.tests.helpers import record

    matter = record(world.town_staff)
    body = {"scheduled_for": "2026-03-02T09:00:00+08:00", "mediator_ids": [int(HUGE)]}
    assert_refused(post(town, f"/api/v1/matters/{matter.pk}/mediations", body), "mediator_ids[0]")
    assert matter.mediations.count() == 0


def test_a_path_id_beyond_64_bits_is_refused(town):
    assert_refused(town.get(f"/api/v1/matters/{HUGE}"), "pk")


def test_a_date_out_of_range_is_refused(town):
    assert_refused(town.get("/api/v1/matters/?since=0001-01-01"), "since")
    assert_refused(town.get("/api/v1/visits/?until=9999-12-31"), "until")


def test_control_characters_are_refused_in_queries_and_bodies_and_nothing_is_written(world, town):
    assert_refused(town.get("/api/v1/matters/?q=%00"), "q")
    category = world.household_a  # any id: the edge refuses before the handler looks anything up
    body = {
        "kind": "dispute",
        "category_id": category.pk,
        "title": "地界\x00纠纷",
        "channel": "visit",
        "color": "yellow",
        "household_id": world.household_a.pk,
    }
    assert_refused(post(town, "/api/v1/matters/", body), "title")
    assert Matter.objects.count() == 0
    records = [{"kind": "visit", "client_uuid": "a", "findings": "正常\x1b[31m"}]
    assert_refused(post(town, "/api/v1/field/sync", {"records": records}), "records[0].findings")


def test_ninja_validation_errors_have_the_documented_body(town):
    response = town.get("/api/v1/matters/?limit=abc&color=purple")
    assert response.status_code == 422
    body = response.json()
    assert sorted(body["errors"]) == ["color", "limit"]
    assert body["errors"]["limit"] == ["须为整数"]
    assert body["errors"]["color"][0].startswith("须为以下之一")


@pytest.mark.parametrize("persona", ["system_admin", "security_admin", "auditor"])
def test_the_administrators_get_404_from_the_field_bootstrap(world, client, persona):
    force_verified_login(client, getattr(world, persona))  # administrators pass a second factor
    response = client.get("/api/v1/field/bootstrap")
    assert response.status_code == 404
    assert response.json() == {"detail": "不存在或不在账号范围内", "errors": {}}
    assert "H-A-001" not in response.content.decode()


def test_every_operation_documents_its_error_answers(db):
    document = api.get_openapi_schema()
    missing = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            expected = {"401", "404"}
            if operation.get("parameters") or "requestBody" in operation:
                expected.add("422")
            if method != "get":
                expected.add("403")
            for code in expected - set(operation["responses"]):
                missing.append(f"{method.upper()} {path} {code}")
            for code in expected:
                schema = operation["responses"].get(code, {}).get("content", {}).get("application/json", {})
                if code != "200" and schema.get("schema") != {"$ref": "#/components/schemas/ErrorOut"}:
                    missing.append(f"{method.upper()} {path} {code} body")
    assert missing == []


def test_documented_integer_inputs_carry_the_64_bit_bound(db):
    document = api.get_openapi_schema()
    parameters = document["paths"]["/api/v1/households/residents/"]["get"]["parameters"]
    household = next(p for p in parameters if p["name"] == "household")
    assert household["schema"]["anyOf"][0]["maximum"] == 2**63 - 1


def test_an_unknown_api_address_answers_json(town, client):
    response = town.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["detail"] == "不存在或不在账号范围内"


def test_an_address_with_a_control_character_answers_json(town):
    response = town.get("/api/v1/visits/%0A%1C")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
