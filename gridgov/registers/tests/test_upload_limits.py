"""Uploads are checked before any parsing: size, type by content, zip bombs. A rejected upload writes nothing."""

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.audit.models import AuditLog
from gridgov.households.models import Resident
from gridgov.registers import actions
from gridgov.registers.excel import OLE_MAGIC, UploadRejected, check_upload
from gridgov.registers.models import RegisterImport
from gridgov.registers.tests.workbooks import register_rows, workbook


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_bomb(size: int) -> bytes:
    return zip_of({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * size})


def lying_directory(data: bytes, member: str, claimed_size: int) -> bytes:
    """Rewrite the central directory so that ``member`` claims to unpack to ``claimed_size`` bytes."""
    data = bytearray(data)
    at = data.index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        name = bytes(data[at + 46 : at + 46 + name_length]).decode()
        if name == member:
            struct.pack_into("<I", data, at + 24, claimed_size)
            return bytes(data)
        extra, comment = struct.unpack_from("<HH", data, at + 30)
        at += 46 + name_length + extra + comment


REJECTIONS = [
    ("old_excel.xls", OLE_MAGIC + b"\0" * 600, "这是旧版 Excel（.xls）或加密的工作簿"),
    ("register.csv", "户编号,网格编码\nT1,5203301132010101\n".encode(), "文件内容不是 Excel 工作簿（.xlsx）"),
    ("renamed.xlsx", zip_of({"word/document.xml": b"<document/>"}), "文件不是 Excel 工作簿（.xlsx），缺少工作簿内容"),
    ("bomb.xlsx", zip_bomb(3 * 1024 * 1024), "疑似压缩炸弹"),
    ("broken.xlsx", b"PK\x03\x04" + b"\0" * 100, "文件已损坏"),
    ("empty.xlsx", b"", "文件是空的"),
]


@pytest.mark.parametrize(("filename", "data", "message"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_wrong_type_and_bombs_are_rejected_with_a_clear_message(filename, data, message):
    with pytest.raises(UploadRejected) as caught:
        check_upload(data)
    assert message in str(caught.value)


def test_unpacked_size_limit(settings):
    settings.GRIDGOV_UPLOAD_MAX_UNPACKED_BYTES = 100_000
    data = zip_of({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(range(256)) * 500})

    with pytest.raises(UploadRejected, match="工作簿解压后过大"):
        check_upload(data)


def test_a_directory_that_lies_about_sizes_is_caught():
    honest = zip_of({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"<x/>" * 50_000})
    data = lying_directory(honest, "xl/worksheets/sheet1.xml", 1000)

    with pytest.raises(UploadRejected, match="内部数据与目录不符"):
        check_upload(data)


def test_size_limit(settings):
    settings.GRIDGOV_UPLOAD_MAX_BYTES = 1000

    with pytest.raises(UploadRejected, match=r"^文件过大（.* MB），上限为 0.0 MB$"):
        check_upload(workbook(register_rows(20)))


def test_a_real_workbook_passes():
    check_upload(workbook(register_rows(20)))


@pytest.mark.parametrize(("filename", "data", "message"), REJECTIONS[:4], ids=[r[0] for r in REJECTIONS[:4]])
def test_rejected_upload_page_writes_nothing(world, login, filename, data, message):
    client = login(world.town_staff)
    audit_rows, residents = AuditLog.objects.count(), Resident.objects.count()

    response = client.post("/registers/", {"file": SimpleUploadedFile(filename, data)})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert RegisterImport.objects.count() == 0
    assert (AuditLog.objects.count(), Resident.objects.count()) == (audit_rows, residents)


def test_too_large_upload_is_refused_before_reading(world, login, settings):
    settings.GRIDGOV_UPLOAD_MAX_BYTES = 1000
    client = login(world.town_staff)

    response = client.post("/registers/", {"file": SimpleUploadedFile("big.xlsx", workbook(register_rows(30)))})

    assert response.status_code == 400
    assert "文件过大" in response.content.decode()
    assert RegisterImport.objects.count() == 0


def test_create_import_checks_too(world):
    with pytest.raises(UploadRejected):
        actions.create_import(world.town_staff, filename="x.csv", data=b"a,b\n")
    assert RegisterImport.objects.count() == 0
