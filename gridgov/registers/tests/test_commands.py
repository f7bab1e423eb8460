"""`manage.py import_register`: the same code path as the page, with a progress bar and an error file."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.audit.models import AuditLog
from gridgov.households.models import Resident
from gridgov.registers.models import RegisterImport
from gridgov.registers.tests.workbooks import read_sheet, register_rows, workbook


def test_import_command_imports_with_a_progress_bar(world, tmp_path, monkeypatch):
    monkeypatch.setattr("gridgov.registers.importer.PROGRESS_EVERY", 5)
    path = tmp_path / "register.xlsx"
    path.write_bytes(workbook(register_rows(20)))
    out, err = io.StringIO(), io.StringIO()

    call_command("import_register", str(path), user="town", stdout=out, stderr=err)

    assert out.getvalue() == "已导入 20 行：新增 5 户、20 人；已存在 0 人未改动。\n"
    assert "20/20" in err.getvalue()  # tqdm's bar
    assert Resident.objects.filter(import_batch__isnull=False).count() == 20
    event = AuditLog.objects.get(action="import")
    assert (event.source, event.actor_name) == ("command", "town")


def test_import_command_writes_the_error_workbook_and_fails(world, tmp_path):
    rows = register_rows(8)
    rows[6]["联系电话"] = "1380000"
    path = tmp_path / "register.xlsx"
    path.write_bytes(workbook(rows))

    with pytest.raises(CommandError, match="1 行有错误，整个文件未导入"):
        call_command("import_register", str(path), user="town", no_progress=True, stderr=io.StringIO())

    errors = read_sheet((tmp_path / "register.错误清单.xlsx").read_bytes())
    assert [(row[0], row[-1]) for row in errors[1:]] == [("8", "手机号应为11位，以1开头，第二位为3-9")]
    assert not Resident.objects.filter(import_batch__isnull=False).exists()


def test_import_command_refuses_an_account_without_scope(world, tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_bytes(workbook(register_rows(4)))

    with pytest.raises(CommandError, match="您的账号没有管辖范围"):
        call_command("import_register", str(path), user="auditor")
    assert not RegisterImport.objects.exists()


def test_import_command_rejects_a_wrong_type(world, tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_text("户编号,姓名\n")

    with pytest.raises(CommandError, match="文件内容不是 Excel 工作簿"):
        call_command("import_register", str(path), user="town")
    assert not RegisterImport.objects.exists()
