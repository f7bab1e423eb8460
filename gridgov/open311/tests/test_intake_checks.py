"""Finding 6 of the MLPS review: what Open311 intake refuses, in the specification's 400 error format,
filing nothing, and a public feed that stays well-formed XML."""

from xml.etree import ElementTree as ET

import pytest

from gridgov.matters.models import Matter
from gridgov.open311 import geo
from gridgov.open311.actions import create_key
from gridgov.open311.models import ServiceRequest
from gridgov.open311.tests.georeport_client import GeoReportClient

BASE = "/open311/v2"


@pytest.fixture(params=["json", "xml"])
def georeport(request, client) -> GeoReportClient:
    return GeoReportClient(client, BASE, request.param)


def filing(key, **extra):
    params = {
        "api_key": key,
        "service_code": "hazard.public_security.gambling",
        "lat": "28.302",
        "long": "106.201",
        "description": "村口小卖部后屋有人聚众赌博",
    }
    params.update(extra)
    return params


def refused(georeport, params, description):
    status, errors = georeport.post_request(**params)
    code = 400 if georeport.fmt == "json" else "400"
    assert (status, errors) == (400, [{"code": code, "description": description}])
    assert (Matter.objects.count(), ServiceRequest.objects.count()) == (0, 0)


@pytest.mark.parametrize("text", ["聚众\x00赌博", "赌博\x1b[2J", "\x7f赌博", "赌博\ufffe"])
def test_a_control_character_in_the_description_is_refused(georeport, mapped_world, police_key, text):
    refused(georeport, filing(police_key, description=text), "description contains control characters")


def test_control_characters_in_other_fields_are_refused(georeport, mapped_world, police_key):
    refused(georeport, filing(police_key, first_name="张\x00"), "first_name contains control characters")
    refused(georeport, filing(police_key, address_string="桂园村\x0b"), "address_string contains control characters")


@pytest.mark.parametrize("text", ["", "   \n "])
def test_an_empty_description_is_refused(georeport, mapped_world, police_key, text):
    refused(georeport, filing(police_key, description=text), "description was not provided")


def test_a_point_far_outside_the_keys_area_is_refused(georeport, mapped_world, police_key):
    # Beijing, for a key of 寨坝镇 (习水县, Guizhou): the town's grids are drawn near 106.2E 28.3N.
    refused(
        georeport,
        filing(police_key, lat="39.9042", long="116.4074"),
        "lat/long is outside the area of this api_key (寨坝镇)",
    )


def test_without_boundaries_the_province_of_the_code_bounds_the_area(georeport, world):
    geo.clear_cache()
    _, key = create_key(name="寨坝派出所", channel="police", place=world.town)  # no place is drawn
    refused(
        georeport, filing(key, lat="39.9042", long="116.4074"), "lat/long is outside the area of this api_key (寨坝镇)"
    )
    status, _ = georeport.post_request(**filing(key, lat="26.58", long="106.71"))  # 贵阳: in Guizhou
    assert status == 200 and Matter.objects.count() == 1


def test_a_point_in_the_keys_area_outside_every_grid_is_still_filed(georeport, mapped_world, police_key):
    status, _ = georeport.post_request(**filing(police_key, lat="28.25", long="106.15"))
    assert status == 200
    assert Matter.objects.get().holder_place == mapped_world.town


def test_the_public_feed_stays_well_formed_with_a_control_character_stored_before(client, mapped_world, police_key):
    georeport = GeoReportClient(client, BASE, "xml")
    status, _ = georeport.post_request(**filing(police_key))
    assert status == 200
    # A row filed before intake refused them (ESC: PostgreSQL stores it, XML 1.0 forbids it).
    Matter.objects.update(description="旧数据\x1b里的控制字符")
    response = client.get(f"{BASE}/requests.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.find("request/description").text == "旧数据\ufffd里的控制字符"
