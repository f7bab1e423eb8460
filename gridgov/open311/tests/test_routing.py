"""Where a request lands: point in a grid's polygon, household address or place name, else the key's place."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.open311 import geo
from gridgov.open311.actions import Submission, authenticate, create_key, submit
from gridgov.open311.models import ApiKey, key_digest
from gridgov.open311.tests.conftest import GRID_A


@pytest.mark.parametrize(
    ("lon", "lat", "inside"),
    [(106.201, 28.301, True), (106.205, 28.305, False), (106.2095, 28.3095, True), (106.211, 28.305, False)],
)
def test_point_in_polygon_with_hole(lon, lat, inside):
    area = geo.area_of("g", GRID_A)
    assert geo.contains(area, lon, lat) is inside


def file(key, **kwargs):
    kwargs.setdefault("description", "邻里纠纷")
    return submit(authenticate(key), Submission(service_code="dispute.other", **kwargs)).matter


def test_point_lands_in_the_containing_grid(mapped_world, police_key):
    assert file(police_key, lat=28.305, long=106.225).holder_place == mapped_world.grid_b
    assert file(police_key, lat=28.305, long=106.205).holder_place == mapped_world.grid_c  # the hole in grid A


def test_point_outside_every_grid_falls_back_to_address_then_key_place(mapped_world, police_key):
    matter = file(police_key, lat=28.0, long=106.0, address_string="寨坝镇永盛村一组3号")
    assert matter.holder_place == mapped_world.grid_b  # household address, its cluster's grid
    assert matter.path == mapped_world.cluster_b1.code
    matter = file(police_key, lat=28.0, long=106.0, address_string="桂园村村委会旁")
    assert matter.path == mapped_world.village_a.code
    assert matter.holder_place == mapped_world.village_a
    matter = file(police_key, lat=28.0, long=106.0)
    assert matter.holder_place == mapped_world.town


def test_address_id_is_a_household_number(mapped_world, police_key):
    assert file(police_key, address_id="H-A-001").path == mapped_world.cluster_a1.code


def test_a_key_only_routes_inside_its_area(mapped_world):
    _, key = create_key(name="桂园村警务室", channel="police", place=mapped_world.village_a)
    matter = file(key, lat=28.305, long=106.225, address_string="永盛村")  # grid B is outside village A
    assert matter.holder_place == mapped_world.village_a


def test_grid_polygons_are_cached_per_process(mapped_world, police_key, django_assert_num_queries):
    geo.areas_within(mapped_world.town.code)
    with django_assert_num_queries(0):
        assert geo.place_at(mapped_world.town.code, 106.225, 28.305) == mapped_world.grid_b.code


def test_command_prints_the_key_once_and_stores_its_digest(mapped_world, capsys):
    call_command("create_open311_key", "--channel", "police", "--place", "520330113", "--name", "寨坝派出所")
    key = capsys.readouterr().out.strip()
    row = ApiKey.objects.get()
    assert len(key) == 43
    assert row.digest == key_digest(key) and key not in row.digest
    assert row.channel == "police_alert"
    assert row.place == mapped_world.town
    assert row.name == "寨坝派出所"
    assert authenticate(key) == row


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--channel", "fax", "--place", "520330113", "--name", "x"], "来源渠道无效：fax"),
        (["--channel", "police", "--place", "999", "--name", "x"], "地域 999 不存在"),
    ],
)
def test_command_refuses_bad_channel_or_place(mapped_world, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_open311_key", *args)
    assert ApiKey.objects.count() == 0


def test_point_outside_grids_but_inside_a_village_lands_in_the_village(mapped_world, police_key):
    from gridgov.open311.tests.conftest import square

    mapped_world.village_b.boundary = square(106.30, 28.30, 0.05)
    mapped_world.village_b.save(update_fields=["boundary"])
    geo.clear_cache()
    matter = file(police_key, lat=28.32, long=106.32)
    assert matter.holder_place == mapped_world.village_b
    assert matter.point == {"type": "Point", "coordinates": [106.32, 28.32]}


def test_matter_and_request_row_commit_together(mapped_world, police_key, monkeypatch):
    from gridgov.matters.models import Matter, MatterEvent
    from gridgov.open311.models import ServiceRequest

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ServiceRequest, "save", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        file(police_key, lat=28.305, long=106.225)
    assert Matter.objects.count() == 0
    assert MatterEvent.objects.count() == 0
    monkeypatch.undo()
    monkeypatch.setattr(MatterEvent.objects, "create", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        file(police_key, lat=28.305, long=106.225)
    assert Matter.objects.count() == 0
    assert ServiceRequest.objects.count() == 0


def test_matters_recorded_outside_open311_get_no_request_row(mapped_world, police_key):
    from gridgov.matters.actions import MatterInput, record_matter
    from gridgov.matters.models import Category
    from gridgov.open311.models import ServiceRequest

    file(police_key, lat=28.305, long=106.225)
    record_matter(
        mapped_world.grid_worker_a,
        MatterInput(
            kind="dispute",
            category=Category.objects.get(code="dispute.other"),
            title="走访发现",
            channel="visit",
            color="blue",
            place=mapped_world.grid_a,
        ),
    )
    assert ServiceRequest.objects.count() == 1
