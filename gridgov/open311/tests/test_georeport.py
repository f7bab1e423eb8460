"""GeoReport v2 as an outside client following the specification sees it, in JSON and XML."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from gridgov.matters.choices import MatterState, ReporterType, SourceChannel
from gridgov.matters.models import Matter
from gridgov.open311.actions import reveal_email
from gridgov.open311.models import ServiceRequest
from gridgov.open311.tests.georeport_client import GeoReportClient

BASE = "/open311/v2"
FORMATS = ["json", "xml"]


@pytest.fixture(params=FORMATS)
def georeport(request, client) -> GeoReportClient:
    return GeoReportClient(client, BASE, request.param)


def post_gambling(georeport, key, **extra):
    params = {
        "api_key": key,
        "service_code": "hazard.public_security.gambling",
        "lat": "28.302",
        "long": "106.201",
        "description": "村口小卖部后屋有人聚众赌博",
        **extra,
    }
    return georeport.post_request(**params)


def test_services_list_every_selectable_category_with_kind_as_group(georeport, db):
    status, services = georeport.services()
    assert status == 200
    by_code = {s["service_code"]: s for s in services}
    assert "hazard.public_security" not in by_code  # a group node is not a service
    gambling = by_code["hazard.public_security.gambling"]
    assert gambling["service_name"] == "赌博"
    assert gambling["group"] == "安全隐患"
    assert gambling["type"] == "realtime"
    assert gambling["metadata"] in (False, "false")
    assert by_code["dispute.land_forest"]["metadata"] in (True, "true")
    assert set(gambling) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}


def test_service_definition_lists_the_category_fields_as_attributes(georeport, db):
    status, definition = georeport.service_definition("hardship.paperwork")
    assert status == 200
    assert definition["service_code"] == "hardship.paperwork"
    group, item = definition["attributes"]
    assert set(group) == {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    }
    assert group["code"] == "group"
    assert group["datatype"] == "singlevaluelist"
    assert group["required"] in (True, "true")
    assert group["order"] in (1, "1")
    assert group["description"] == "涉及群体"
    assert group["values"][0] == {"key": "困难党员", "name": "困难党员"}
    assert item["code"] == "item"
    assert item["datatype"] == "string"
    assert item["values"] in ([], "")


def test_multivaluelist_and_number_datatypes(georeport, db):
    _, hygiene = georeport.service_definition("environment.household_hygiene")
    assert hygiene["attributes"][0]["datatype"] == "multivaluelist"
    _, land = georeport.service_definition("dispute.land_forest")
    assert [a["datatype"] for a in land["attributes"]] == ["singlevaluelist", "number", "number"]


def test_unknown_service_is_404_in_error_format(georeport, db):
    status, errors = georeport.service_definition("no.such.service")
    assert status == 404
    assert errors == [
        {"code": 404 if georeport.fmt == "json" else "404", "description": "service_code no.such.service not found"}
    ]


def test_post_files_a_matter_in_the_grid_containing_the_point(georeport, mapped_world, police_key):
    status, body = post_gambling(
        georeport,
        police_key,
        account_id="JQ-001",
        phone="13812345678",
        first_name="某",
        last_name="张",
        email="zhang@example.com",
        device_id="dev-1",
    )
    assert status == 200
    (created,) = body
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] == "JQ-001"
    matter = Matter.objects.get()
    assert created["service_request_id"] == matter.reference
    assert matter.holder_place == mapped_world.grid_a
    assert matter.path == mapped_world.grid_a.code
    assert matter.state == MatterState.PENDING
    assert matter.channel == SourceChannel.POLICE_ALERT
    assert matter.reporter_type == ReporterType.OUTSIDER
    assert matter.reporter_name == "张某"
    assert matter.reporter_phone_masked == "138****5678"
    assert matter.reveal_reporter_phone() == "13812345678"
    row = ServiceRequest.objects.get()
    assert row.routed_by == "point"
    assert bytes(row.email_sealed) != b"zhang@example.com"
    assert reveal_email(row) == "zhang@example.com"
    assert matter.events.get().actor_name == "Open311：寨坝派出所"
    assert matter.reference in created["service_notice"]


def test_read_back_by_id_and_by_filters(georeport, mapped_world, police_key):
    _, (created,) = post_gambling(georeport, police_key)
    ref = created["service_request_id"]
    status, (one,) = georeport.request(ref)
    assert status == 200
    assert one["service_request_id"] == ref
    assert one["status"] == "open"
    assert one["service_code"] == "hazard.public_security.gambling"
    assert one["service_name"] == "赌博"
    assert one["description"] == "村口小卖部后屋有人聚众赌博"
    assert one["agency_responsible"] == "桂园村第1网格"
    assert one["address"] == "桂园村第1网格"
    assert one["status_notes"] == "待受理"
    assert dt.datetime.fromisoformat(one["requested_datetime"]).utcoffset() is not None
    assert dt.datetime.fromisoformat(one["expected_datetime"]) > dt.datetime.fromisoformat(one["requested_datetime"])
    assert str(one["lat"]) == "28.302" and str(one["long"]) == "106.201"

    _, by_ids = georeport.requests(service_request_id=f"{ref},JF-2020-999999")
    assert [r["service_request_id"] for r in by_ids] == [ref]
    _, by_code = georeport.requests(service_code="hazard.public_security.gambling", status="open")
    assert [r["service_request_id"] for r in by_code] == [ref]
    _, closed = georeport.requests(status="closed")
    assert closed == []
    _, other = georeport.requests(service_code="dispute.other")
    assert other == []
    now = timezone.now()
    _, window = georeport.requests(
        start_date=(now - dt.timedelta(hours=1)).isoformat(), end_date=(now + dt.timedelta(hours=1)).isoformat()
    )
    assert [r["service_request_id"] for r in window] == [ref]
    _, before = georeport.requests(end_date=(now - dt.timedelta(hours=1)).isoformat())
    assert before == []
    _, since = georeport.requests(start_date=(now - dt.timedelta(days=89)).isoformat())
    assert [r["service_request_id"] for r in since] == [ref]
    _, too_old = georeport.requests(start_date=(now - dt.timedelta(days=91)).isoformat())
    assert too_old == []  # 90 days from the start date end before now
    status, errors = georeport.requests(start_date=(now - dt.timedelta(days=91)).isoformat(), end_date=now.isoformat())
    assert status == 400
    assert errors[0]["description"] == "start_date and end_date may not span more than 90 days"


def test_closed_matter_reads_closed_without_expected_time(georeport, mapped_world, police_key):
    _, (created,) = post_gambling(georeport, police_key)
    closed_at = timezone.now() + dt.timedelta(hours=5)
    Matter.objects.update(state=MatterState.CLOSED, is_open=False, closed_at=closed_at)
    _, (one,) = georeport.request(created["service_request_id"])
    assert one["status"] == "closed"
    assert one["status_notes"] == "已结案"
    assert one["expected_datetime"] in (None, "")
    assert dt.datetime.fromisoformat(one["updated_datetime"]) == closed_at.replace(microsecond=0)


def test_get_output_carries_no_personal_data(georeport, mapped_world, police_key):
    post_gambling(
        georeport,
        police_key,
        first_name="某",
        last_name="张",
        phone="13812345678",
        email="zhang@example.com",
        device_id="dev-secret",
        account_id="acct-secret",
        address_string="寨坝镇桂园村一组12号",
    )
    for resource in ("requests", f"requests/{Matter.objects.get().reference}"):
        response = georeport.http.get(f"{BASE}/{resource}.{georeport.fmt}")
        text = response.content.decode("utf-8")
        for secret in ("张某", "13812345678", "5678", "zhang@example.com", "dev-secret", "acct-secret", "12号"):
            assert secret not in text


def test_staff_recorded_matters_are_not_listed(georeport, mapped_world, police_key):
    from gridgov.matters.actions import MatterInput, record_matter
    from gridgov.matters.models import Category

    category = Category.objects.get(code="hazard.public_security.gambling")
    staff = record_matter(
        mapped_world.grid_worker_a,
        MatterInput(
            kind="hazard", category=category, title="走访发现", channel="visit", color="blue", place=mapped_world.grid_a
        ),
    )
    _, listed = georeport.requests()
    assert listed == []
    status, errors = georeport.request(staff.reference)
    assert status == 404
    assert errors[0]["description"] == f"service_request_id {staff.reference} not found"


def test_missing_or_wrong_api_key_is_403_and_files_nothing(georeport, mapped_world, police_key):
    status, errors = georeport.post_request(
        service_code="hazard.public_security.gambling", lat="28.302", long="106.201"
    )
    assert status == 403
    assert errors == [{"code": 403 if georeport.fmt == "json" else "403", "description": "api_key was not provided"}]
    status, errors = post_gambling(georeport, police_key + "x")
    assert status == 403
    assert errors[0]["description"] == "Invalid api_key"
    assert Matter.objects.count() == 0
    assert ServiceRequest.objects.count() == 0


def test_deactivated_key_is_refused(georeport, mapped_world, police_key):
    from gridgov.open311.actions import deactivate_key
    from gridgov.open311.models import ApiKey

    assert post_gambling(georeport, police_key)[0] == 200
    deactivate_key(ApiKey.objects.get())
    status, errors = post_gambling(georeport, police_key)
    assert status == 403
    assert errors[0]["description"] == "Invalid api_key"
    assert Matter.objects.count() == 1


def test_key_deactivated_elsewhere_is_refused_once_the_cache_expires(georeport, mapped_world, police_key, monkeypatch):
    from gridgov.open311 import actions
    from gridgov.open311.models import ApiKey

    assert post_gambling(georeport, police_key)[0] == 200
    ApiKey.objects.update(active=False)  # another process
    later = actions.time.monotonic() + actions.KEY_CACHE_SECONDS + 1
    monkeypatch.setattr(actions.time, "monotonic", lambda: later)
    assert post_gambling(georeport, police_key)[0] == 403
    assert Matter.objects.count() == 1


@pytest.mark.parametrize(
    ("params", "status", "description"),
    [
        ({"service_code": "no.such"}, 404, "service_code no.such not found"),
        ({"service_code": ""}, 400, "service_code was not provided"),
        ({"lat": "", "long": ""}, 400, "a location is required: lat and long, address_string or address_id"),
        ({"lat": "abc"}, 400, "lat must be a number"),
        ({"long": ""}, 400, "lat and long must be given together"),
        ({"lat": "95"}, 400, "lat/long out of range"),
        ({"media_url": "file:///etc/passwd"}, 400, "media_url must be an http(s) URL"),
        (
            {"attribute[amount]": "1"},
            400,
            "attribute amount is not an attribute of service hazard.public_security.gambling",
        ),
    ],
)
def test_bad_posts_answer_in_error_format_and_file_nothing(
    georeport, mapped_world, police_key, params, status, description
):
    got_status, errors = post_gambling(georeport, police_key, **params)
    assert got_status == status
    assert errors == [{"code": status if georeport.fmt == "json" else str(status), "description": description}]
    assert Matter.objects.count() == 0


def test_required_attribute_missing_is_400(georeport, mapped_world, police_key):
    status, errors = georeport.post_request(
        api_key=police_key, service_code="hardship.medical", lat="28.302", long="106.201", description="独居老人就医难"
    )
    assert status == 400
    assert "group" in errors[0]["description"]
    assert Matter.objects.count() == 0


def test_attributes_are_typed_into_the_matter(georeport, mapped_world, police_key):
    status, _ = georeport.post_request(
        **{
            "api_key": police_key,
            "service_code": "environment.household_hygiene",
            "address_string": "永盛村一组路边",
            "description": "院落杂物堆放",
            "attribute[items][]": ["室内不净", "院落不净"],
        }
    )
    assert status == 200
    matter = Matter.objects.get()
    assert matter.extra == {"items": ["院落不净", "室内不净"]}
    assert matter.path == "52033011320201"  # the group 永盛村一组, held by its village
    assert matter.holder_place == mapped_world.village_b
    status, _ = georeport.post_request(
        **{
            "api_key": police_key,
            "service_code": "dispute.land_forest",
            "lat": "28.3",
            "long": "106.0",
            "description": "两户争地界",
            "attribute[subtype]": "地界",
            "attribute[area_mu]": "2.5",
        }
    )
    assert status == 200
    assert Matter.objects.order_by("-id").first().extra == {"subtype": "地界", "area_mu": 2.5}


def test_bad_filters_and_unknown_resources(georeport, db):
    status, errors = georeport.requests(start_date="yesterday")
    assert status == 400
    assert errors[0]["description"] == "start_date must be an ISO 8601 date/time"
    status, errors = georeport.requests(status="pending")
    assert status == 400
    status, errors = georeport.get("nothing")
    assert status == 404


def test_wrong_method_is_405_in_error_format(client, db):
    response = client.delete(f"{BASE}/services.json")
    assert response.status_code == 405
    assert json.loads(response.content) == [{"code": 405, "description": "method DELETE not allowed"}]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_points_at_v2(client, db, fmt):
    from xml.etree import ElementTree as ET

    response = client.get(f"/open311/discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        doc = json.loads(response.content)
        (endpoint,) = doc["endpoints"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == "http://testserver/open311/v2"
        assert endpoint["formats"] == ["application/json", "text/xml"]
        assert set(doc) == {"changeset", "contact", "key_service", "endpoints"}
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "discovery"
        assert root.find("endpoints/endpoint/url").text == "http://testserver/open311/v2"
        assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["application/json", "text/xml"]


def test_post_needs_no_session_or_csrf_token(mapped_world, police_key):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        f"{BASE}/requests.json",
        {"api_key": police_key, "service_code": "dispute.other", "address_string": "桂园村", "description": "纠纷"},
    )
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies


def test_query_counts_are_locked(client, mapped_world, police_key, django_assert_num_queries):
    from gridgov.open311.actions import service

    body = {
        "api_key": police_key,
        "service_code": "hazard.public_security.gambling",
        "lat": "28.302",
        "long": "106.201",
        "description": "聚众赌博",
    }
    client.post(f"{BASE}/requests.json", body)  # warms the key, taxonomy and polygon caches
    service("hazard.public_security.gambling")
    # deadline rule, transaction, matter + audit, open311 row + audit, event + audit, the grid worker's notice
    # (lookup + insert), commit: nothing for the key, the service or the routing
    with django_assert_num_queries(11):
        assert client.post(f"{BASE}/requests.json", body).status_code == 200
    for _ in range(3):
        client.post(f"{BASE}/requests.json", body)
    with django_assert_num_queries(1):
        response = client.get(f"{BASE}/requests.json")
    assert len(json.loads(response.content)) == 5
    ref = Matter.objects.order_by("id").first().reference
    with django_assert_num_queries(1):
        assert client.get(f"{BASE}/requests/{ref}.json").status_code == 200
    with django_assert_num_queries(1):
        assert client.get(f"{BASE}/services.json").status_code == 200
    with django_assert_num_queries(1):
        assert client.get(f"{BASE}/services/hardship.medical.json").status_code == 200


def test_a_retry_with_the_same_idempotency_key_files_nothing_new(client, mapped_world, police_key):
    params = {
        "api_key": police_key,
        "service_code": "hazard.public_security.gambling",
        "lat": "28.302",
        "long": "106.201",
        "description": "村口小卖部后屋有人聚众赌博",
    }
    first = client.post(f"{BASE}/requests.json", params, HTTP_IDEMPOTENCY_KEY="jq-2026-0001")
    again = client.post(f"{BASE}/requests.json", params, HTTP_IDEMPOTENCY_KEY="jq-2026-0001")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Matter.objects.count() == ServiceRequest.objects.count() == 1
    assert ServiceRequest.objects.get().idempotency_key == "jq-2026-0001"
    other = client.post(f"{BASE}/requests.json", params, HTTP_IDEMPOTENCY_KEY="jq-2026-0002")
    plain = client.post(f"{BASE}/requests.json", params)
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert plain.status_code == 200
    assert Matter.objects.count() == 3


def test_an_idempotency_key_too_long_is_refused_and_files_nothing(client, mapped_world, police_key):
    params = {"api_key": police_key, "service_code": "hazard.public_security.gambling", "lat": "28.302"}
    response = client.post(f"{BASE}/requests.json", {**params, "long": "106.201"}, HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()[0]["description"]
    assert Matter.objects.count() == ServiceRequest.objects.count() == 0
