"""Exports: masked by default, formula-safe, in scope only, and audited; unmasked only with permission and reason."""

import io
import zipfile

import pytest
from django.core.management import call_command

from gridgov.audit.models import AuditLog
from gridgov.registers import actions
from gridgov.registers.excel import HEADERS, safe_text
from gridgov.registers.tests.workbooks import read_sheet, resident_row, workbook

ID_A, PHONE_A = "520330198005171232", "13812348000"


def export_post(client, **data):
    response = client.post("/registers/export/", data)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def test_export_is_masked_by_default(world, login):
    client = login(world.town_staff)

    response, body = export_post(client, place=world.village_a.code)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = read_sheet(body)
    assert rows[0] == list(HEADERS)
    assert rows[1] == [
        "H-A-001", "5203301132010101", "520330113201010101", "寨坝镇桂园村一组12号", "自建房", "王建国",
        "520330********1232", "户主", "138****8000", "汉族", "否", "户籍人口", "否", "",
    ]  # fmt: skip
    assert len(rows) == 2  # village A only: resident B lives in village B
    xml = sheet_xml(body)
    assert ID_A not in xml and PHONE_A not in xml


def test_export_is_audited(world, login):
    client = login(world.town_staff)

    export_post(client, place=world.village_a.code)

    event = AuditLog.objects.get(action="export")
    assert (event.object_type, event.object_id, event.actor_id) == (
        "places.place",
        str(world.village_a.pk),
        world.town_staff.pk,
    )
    assert event.detail == {"place": world.village_a.code, "rows": 1, "masked": True, "reason": "", "format": "xlsx"}


def test_cells_that_look_like_formulas_are_neutralised(world, login):
    rows = [
        resident_row(1, number="F1", 住址='=HYPERLINK("http://evil.example","点我")', 姓名="@SUM(A1)"),
        resident_row(2, number="F2", 住址="+1+1", 姓名="-2", relation="户主", 务工地="\t=1+2"),
    ]
    register_import = actions.create_import(world.town_staff, filename="f.xlsx", data=workbook(rows))
    assert actions.run_import(register_import, workbook(rows)).status == "imported"
    client = login(world.town_staff)

    _, body = export_post(client, place=world.grid_a.code)

    xml = sheet_xml(body)
    assert "<f>" not in xml  # no cell is a formula
    exported = {row[0]: row for row in read_sheet(body)[1:]}
    assert exported["F1"][3] == '\'=HYPERLINK("http://evil.example","点我")'
    assert exported["F1"][5] == "'@SUM(A1)"
    assert (exported["F2"][3], exported["F2"][5]) == ("'+1+1", "'-2")


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1", "'=1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_safe_text(value, safe):
    assert safe_text(value) == safe


def test_unmasked_export_needs_the_permission(world, login):
    client = login(world.town_staff)  # may_reveal_pii is off

    _, body = export_post(client, place=world.village_a.code, reveal="on", reason="核对户籍信息")

    assert read_sheet(body)[1][6] == "520330********1232"
    assert AuditLog.objects.get(action="export").detail["masked"] is True


def test_unmasked_export_with_permission_and_reason_is_audited(world, login):
    world.town_staff.may_reveal_pii = True
    world.town_staff.save(update_fields=["may_reveal_pii"])
    client = login(world.town_staff)

    _, body = export_post(client, place=world.village_a.code, reveal="on", reason="公安核对户籍信息")

    row = read_sheet(body)[1]
    assert (row[6], row[8]) == (ID_A, PHONE_A)
    event = AuditLog.objects.get(action="export")
    assert (event.detail["masked"], event.detail["reason"]) == (False, "公安核对户籍信息")


def test_unmasked_export_without_a_reason_is_refused(world, login):
    world.town_staff.may_reveal_pii = True
    world.town_staff.save(update_fields=["may_reveal_pii"])
    client = login(world.town_staff)

    response, body = export_post(client, place=world.village_a.code, reveal="on", reason="看看")

    assert response.status_code == 400
    assert "须说明理由（至少4个字）" in body.decode()
    assert not AuditLog.objects.filter(action="export").exists()


def test_export_of_a_place_out_of_scope_is_refused(world, login):
    client = login(world.grid_worker_b)

    response, body = export_post(client, place=world.village_a.code)

    assert response.status_code == 400
    assert "地域不存在或不在您的管辖范围内" in body.decode()
    assert "王建国" not in body.decode()
    assert not AuditLog.objects.filter(action="export").exists()


def test_grid_worker_exports_only_their_grid_by_default(world, login):
    client = login(world.grid_worker_a)
    page = client.get("/registers/export/")
    assert f'<option value="{world.grid_a.code}" selected>' in page.content.decode()

    _, body = export_post(client, place=world.grid_a.code)

    assert [row[5] for row in read_sheet(body)[1:]] == ["王建国"]


def test_export_action_refuses_out_of_scope_places(world, tmp_path):
    with pytest.raises(actions.ActionRefused):
        actions.export_register(world.grid_worker_b, world.village_a, str(tmp_path / "x.xlsx"))
    assert not AuditLog.objects.filter(action="export").exists()


def test_export_command_writes_a_masked_file_and_audits(world, tmp_path):
    out = tmp_path / "town.xlsx"

    call_command("export_register", place=world.town.code, out=str(out), stdout=io.StringIO())

    rows = read_sheet(out.read_bytes())
    assert sorted(row[5] for row in rows[1:]) == ["李秀英", "王建国"]
    assert all("*" in row[6] for row in rows[1:])
    event = AuditLog.objects.get(action="export")
    assert (event.source, event.actor_name, event.detail["rows"]) == ("command", "system", 2)


def test_export_command_scoped_to_a_user(world, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="该地域不在您的管辖范围内"):
        call_command("export_register", place=world.village_b.code, out=str(tmp_path / "x.xlsx"), user="grid_a")


def test_register_files_keep_chinese_labels_whatever_the_page_language(world, tmp_path):
    from django.utils import translation

    path = tmp_path / "en.xlsx"
    with translation.override("en"):
        actions.export_register(world.town_staff, world.village_a, str(path))

    row = read_sheet(path.read_bytes())[1]
    assert (row[4], row[7], row[11]) == ("自建房", "户主", "户籍人口")
