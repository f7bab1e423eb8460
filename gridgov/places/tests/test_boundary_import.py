"""Grid boundaries from a GIS file: every bad feature is named in Chinese and nothing is written unless the
whole file is right; a good file replaces the boundaries, sets missing centres and is audited."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from gridgov.audit.models import AuditLog
from gridgov.places import boundaries
from gridgov.places.models import Place
from gridgov.testing import force_verified_login

TOWN = [[106.0, 28.0], [106.1, 28.0], [106.1, 28.1], [106.0, 28.1], [106.0, 28.0]]
VILLAGE_A = [[106.0, 28.0], [106.05, 28.0], [106.05, 28.1], [106.0, 28.1], [106.0, 28.0]]


def box(x0, y0, x1, y1) -> list:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def feature(code: str, ring: list, *, prop: str = "code") -> dict:
    return {"type": "Feature", "properties": {prop: code}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


@pytest.fixture
def drawn(world):
    """The town and village A drawn; grids A and C (siblings in group A) not yet."""
    world.town.boundary = {"type": "Polygon", "coordinates": [TOWN]}
    world.town.save()
    world.village_a.boundary = {"type": "Polygon", "coordinates": [VILLAGE_A]}
    world.village_a.save()
    world.group_a.boundary = {"type": "Polygon", "coordinates": [VILLAGE_A]}
    world.group_a.save()
    return world


def check(raw: bytes, places=None):
    return boundaries.check_file(raw, places if places is not None else Place.objects.all())


def state() -> tuple:
    return (
        tuple(Place.objects.order_by("code").values_list("code", "boundary", "centre")),
        AuditLog.objects.filter(action="import").count(),
    )


GRID_A = "5203301132010101"
GRID_C = "5203301132010102"


def test_a_good_file_replaces_the_boundaries_and_is_audited(drawn):
    raw = collection(
        feature(GRID_A, box(106.0, 28.0, 106.02, 28.05)), feature(GRID_C, box(106.02, 28.0, 106.05, 28.05))
    )
    out = StringIO()
    call_command("import_boundaries", _file(raw), stdout=out)
    assert out.getvalue().strip() == "已导入 2 个边界"
    grid_a = Place.objects.get(code=GRID_A)
    assert grid_a.boundary == {"type": "Polygon", "coordinates": [box(106.0, 28.0, 106.02, 28.05)]}
    assert grid_a.centre == {"type": "Point", "coordinates": [106.01, 28.025]}
    log = AuditLog.objects.get(action="import")
    assert log.detail["what"] == "place_boundaries"
    assert log.detail["count"] == 2
    assert log.detail["codes"] == [GRID_A, GRID_C]


def _file(raw: bytes) -> str:
    import tempfile

    handle = tempfile.NamedTemporaryFile("wb", suffix=".geojson", delete=False)
    handle.write(raw)
    handle.close()
    return handle.name


def test_an_open_ring_is_named(drawn):
    ring = box(106.0, 28.0, 106.02, 28.05)[:-1] + [[106.0, 28.01]]
    result = check(collection(feature(GRID_A, ring)))
    assert result.errors == ["第1个要素（5203301132010101）：第1个环未闭合：首点[106.0, 28.0]与末点[106.0, 28.01]不同"]


def test_a_shape_outside_its_parent_is_named(drawn):
    result = check(collection(feature(GRID_A, box(106.04, 28.0, 106.08, 28.05))))
    assert result.errors == [
        "第1个要素（5203301132010101）：超出上级桂园村一组（52033011320101）的边界，超出部分占本边界面积的75.0%，允许1.0%"
    ]


def test_slack_along_the_parent_border_is_tolerated(drawn):
    # 0.5% of the grid's area lies past the group's western edge: drawing slack, accepted.
    result = check(collection(feature(GRID_A, box(105.9999, 28.0, 106.0199, 28.05))))
    assert result.errors == []
    assert result.ok


def test_overlapping_siblings_are_named(drawn):
    raw = collection(
        feature(GRID_A, box(106.0, 28.0, 106.03, 28.05)), feature(GRID_C, box(106.02, 28.0, 106.05, 28.05))
    )
    result = check(raw)
    assert result.errors == [
        "第1个要素（5203301132010101）：与桂园村第2网格（5203301132010102）重叠，重叠面积占较小者的33.3%，允许1.0%"
    ]


def test_siblings_sharing_an_edge_do_not_overlap(drawn):
    raw = collection(
        feature(GRID_A, box(106.0, 28.0, 106.02, 28.05)), feature(GRID_C, box(106.02, 28.0, 106.05, 28.05))
    )
    assert check(raw).errors == []


def test_overlap_with_a_stored_sibling_is_named(drawn):
    Place.objects.filter(code=GRID_C).update(
        boundary={"type": "Polygon", "coordinates": [box(106.02, 28.0, 106.05, 28.05)]}
    )
    result = check(collection(feature(GRID_A, box(106.0, 28.0, 106.04, 28.05))))
    assert result.errors == [
        "第1个要素（5203301132010101）：与桂园村第2网格（5203301132010102）重叠，重叠面积占较小者的66.7%，允许1.0%"
    ]


def test_unknown_and_out_of_scope_codes_are_named(drawn):
    raw = collection(
        feature("5203301132019999", box(106.0, 28.0, 106.01, 28.01)),
        feature("5203301132020101", box(106.06, 28.0, 106.07, 28.01)),
    )
    # As village A's committee: grid B (village B) is outside the area.
    result = check(raw, Place.objects.within("520330113201"))
    assert result.errors == [
        "第1个要素（5203301132019999）：地域代码不存在或不在您的管辖范围内",
        "第2个要素（5203301132020101）：地域代码不存在或不在您的管辖范围内",
    ]


def test_bad_json_is_named():
    result = check(b'{"type": "FeatureCollection", "features": [}')
    assert result.errors == ["文件不是有效的 JSON：第1行第44列（Expecting value）"]
    assert not result.features


def test_missing_code_wrong_type_duplicate_and_self_intersection_are_each_named(drawn):
    bowtie = [[106.0, 28.0], [106.02, 28.02], [106.02, 28.0], [106.0, 28.02], [106.0, 28.0]]
    raw = collection(
        feature(GRID_A, box(106.0, 28.0, 106.01, 28.01), prop="name"),
        {"type": "Feature", "properties": {"code": GRID_A}, "geometry": {"type": "Point", "coordinates": [106, 28]}},
        feature(GRID_C, bowtie),
        feature(GRID_C, box(106.0, 28.0, 106.01, 28.01)),
    )
    assert check(raw).errors == [
        "第1个要素：缺少地域代码属性 code",
        "第2个要素（5203301132010101）：几何类型应为 Polygon 或 MultiPolygon，实为 Point",
        "第3个要素（5203301132010102）：边界无效：边线自相交（位置 [106.01 28.01]）",
        "第4个要素（5203301132010102）：地域代码与第3个要素重复",
    ]


def test_one_bad_feature_writes_nothing(drawn):
    before = state()
    good = feature(GRID_A, box(106.0, 28.0, 106.02, 28.05))
    bad = feature(GRID_C, box(106.04, 28.0, 106.09, 28.05))
    with pytest.raises(CommandError) as refused:
        call_command("import_boundaries", _file(collection(good, bad)), stdout=StringIO())
    assert str(refused.value) == (
        "未导入：1 处问题\n  - 第2个要素（5203301132010102）：超出上级桂园村一组（52033011320101）的边界，"
        "超出部分占本边界面积的80.0%，允许1.0%"
    )
    assert state() == before


def test_the_page_imports_for_center_staff_within_their_area(client, drawn):
    force_verified_login(client, drawn.town_staff)
    page = client.get("/places/boundaries/import/")
    assert page.status_code == 200
    raw = collection(feature(GRID_A, box(106.0, 28.0, 106.02, 28.05)))
    upload = SimpleUploadedFile("grids.geojson", raw, content_type="application/geo+json")
    response = client.post("/places/boundaries/import/", {"file": upload, "code_property": "code"})
    assert response.status_code == 302
    assert Place.objects.get(code=GRID_A).boundary["coordinates"] == [box(106.0, 28.0, 106.02, 28.05)]
    log = AuditLog.objects.get(action="import")
    assert (log.actor_name, log.detail["file"], log.detail["codes"]) == ("town", "grids.geojson", [GRID_A])


def test_the_page_lists_every_problem_and_writes_nothing(client, drawn):
    force_verified_login(client, drawn.town_staff)
    before = state()
    raw = collection(
        feature(GRID_A, box(106.0, 28.0, 106.03, 28.05)), feature(GRID_C, box(106.02, 28.0, 106.05, 28.05))
    )
    upload = SimpleUploadedFile("grids.geojson", raw, content_type="application/geo+json")
    response = client.post("/places/boundaries/import/", {"file": upload, "code_property": "code"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "未导入：1 处问题" in html
    assert "与桂园村第2网格（5203301132010102）重叠，重叠面积占较小者的33.3%，允许1.0%" in html
    assert state() == before


def test_the_page_is_refused_to_others_and_changes_nothing(client, drawn):
    before = state()
    raw = collection(feature(GRID_A, box(106.0, 28.0, 106.02, 28.05)))
    for user in (drawn.grid_worker_a, drawn.village_committee, drawn.auditor):
        force_verified_login(client, user)
        assert client.get("/places/boundaries/import/").status_code == 404
        upload = SimpleUploadedFile("grids.geojson", raw, content_type="application/geo+json")
        assert client.post("/places/boundaries/import/", {"file": upload}).status_code == 404
    assert state() == before


def test_a_town_cannot_redraw_places_outside_its_area(client, drawn):
    from gridgov.testing import make_place, make_user

    other = make_place("520330114", "良村镇", "town", drawn.county)
    staff = make_user("town2", "center_staff", other)
    force_verified_login(client, staff)
    before = state()
    upload = SimpleUploadedFile("grids.geojson", collection(feature(GRID_A, box(106.0, 28.0, 106.02, 28.05))))
    response = client.post("/places/boundaries/import/", {"file": upload, "code_property": "code"})
    assert response.status_code == 400
    assert "第1个要素（5203301132010101）：地域代码不存在或不在您的管辖范围内" in response.content.decode()
    assert state() == before


def test_without_a_group_outline_grids_are_checked_against_their_village_and_across_groups(drawn):
    from gridgov.testing import make_place

    Place.objects.filter(code="52033011320101").update(boundary=None)
    group_2 = make_place("52033011320102", "桂园村二组", "group", drawn.village_a)
    make_place("5203301132010201", "桂园村第3网格", "grid", group_2)
    raw = collection(
        feature(GRID_A, box(106.0, 28.0, 106.03, 28.05)),
        feature("5203301132010201", box(106.02, 28.0, 106.05, 28.05)),
        feature(GRID_C, box(106.04, 28.05, 106.08, 28.1)),
    )
    assert check(raw).errors == [
        "第3个要素（5203301132010102）：超出上级桂园村（520330113201）的边界，超出部分占本边界面积的75.0%，允许1.0%",
        "第1个要素（5203301132010101）：与桂园村第3网格（5203301132010201）重叠，重叠面积占较小者的33.3%，允许1.0%",
    ]
