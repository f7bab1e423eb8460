"""A rejected register shows its errors on its page: the first bad rows, each reason with its column and the value
as typed (ID numbers and phones masked), the rest in the workbook with a line saying how many more."""

import io
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.households.models import Resident
from gridgov.registers import actions
from gridgov.registers.choices import ImportStatus
from gridgov.registers.tests.workbooks import (
    CLUSTER_B1,
    GRID_B,
    id_number,
    read_sheet,
    register_rows,
    workbook,
)
from gridgov.utils.idnumber import check_char

PHONE_REASON = "手机号应为11位，以1开头，第二位为3-9"


def import_file(user, data: bytes):
    return actions.run_import(actions.create_import(user, filename="bad.xlsx", data=data), data)


def wrong_check_digit(value: str) -> tuple[str, str]:
    """(the ID number with a wrong last character, the character it should have)."""
    right = check_char(value[:17])
    return value[:17] + ("1" if right != "1" else "2"), right


def error_lines(html: str) -> list[tuple[str, str, str, str]]:
    """The page's error table: (行号, 列, 填写内容, 错误原因) per line."""
    table = re.search(r'<table class="list stack compact errors">.*?</table>', html, re.S)
    assert table, "no error table"
    lines = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(0).split("<tbody>")[1], re.S):
        cells = [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        lines.append(tuple(cells))
    return lines


@pytest.fixture
def bad_file():
    """Eight rows (Excel rows 2-9) of which four are wrong, one of them in two columns."""
    rows = register_rows(8)
    rows[1]["联系电话"] = "1380000"  # row 3: a short phone
    bad_id, right = wrong_check_digit(id_number(4))
    rows[4]["身份证号"] = bad_id  # row 6: a wrong check digit
    rows[5]["是否党员"] = "党员"  # row 7
    rows[6]["住址"] = ""  # row 8: the address, and its household's address then differs from row 6's...
    rows[6]["民族"] = "火星"  # ... and an unknown ethnicity
    return workbook(rows), bad_id, right


def test_the_page_lists_each_bad_row_with_its_column_value_and_reason(world, login, bad_file):
    data, bad_id, right = bad_file
    result = import_file(world.town_staff, data)
    assert (result.status, result.error_rows) == (ImportStatus.REJECTED, 4)
    assert result.message == "4 行有错误，整个文件未导入。请按错误明细改正后重新上传整个文件。"

    page = login(world.town_staff).get(f"/registers/imports/{result.pk}/").content.decode()

    assert error_lines(page) == [
        ("第 3 行", "联系电话", "138****", PHONE_REASON),
        ("第 6 行", "身份证号", bad_id[:6] + "********" + bad_id[-4:], f"身份证号校验位错误（应为 {right}）"),
        ("第 7 行", "是否党员", "党员", "是否党员应填“是”或“否”，不是“党员”"),
        ("第 8 行", "住址", "（空）", "住址不能为空"),
        ("第 8 行", "民族", "火星", "民族“火星”无效，请填写全称，如 汉族、苗族"),
    ]
    assert "另有" not in page  # every bad row is on the page
    assert "1380000" not in page and bad_id not in page  # masked, like the workbook
    # The workbook says the same, row by row.
    sheet = read_sheet(bytes(result.error_workbook))
    assert [(row[0], row[-1]) for row in sheet[1:]] == [
        ("3", PHONE_REASON),
        ("6", f"身份证号校验位错误（应为 {right}）"),
        ("7", "是否党员应填“是”或“否”，不是“党员”"),
        ("8", "住址不能为空；民族“火星”无效，请填写全称，如 汉族、苗族"),
    ]
    assert sheet[1][9] == "138****"  # the phone column, masked as on the page


def test_reasons_found_against_other_rows_and_the_register_name_their_column(world, login):
    rows = register_rows(8)
    rows[3]["身份证号"] = rows[1]["身份证号"]  # row 5 repeats row 3's ID number
    rows[5]["与户主关系"] = "户主"  # row 7: a second householder of household T00001 (row 6 is its householder)
    rows[2]["住址"] = "别处"  # row 4: household T00000's address differs from its first row's
    stray = register_rows(1, prefix="S", start=20, grid=GRID_B, cluster=CLUSTER_B1)  # row 10: outside village A

    result = import_file(world.village_committee, workbook(rows + stray))
    page = login(world.village_committee).get(f"/registers/imports/{result.pk}/").content.decode()

    masked = id_number(1)[:6] + "********" + id_number(1)[-4:]
    assert error_lines(page) == [
        ("第 4 行", "住址", "别处", "与同户第2行的住址不一致"),
        ("第 5 行", "身份证号", masked, "身份证号与第3行重复"),
        ("第 7 行", "与户主关系", "户主", "同一户有两位户主（第6行已是户主）"),
        ("第 10 行", "网格编码", GRID_B, f"网格编码 {GRID_B} 不在您的管辖范围内"),
        ("第 10 行", "联户编码", CLUSTER_B1, f"联户编码 {CLUSTER_B1} 不在您的管辖范围内"),
    ]


def test_the_page_shows_the_first_50_bad_rows_and_says_how_many_more(world, login):
    rows = register_rows(60)
    for row in rows:
        row["联系电话"] = "1380000"
    result = import_file(world.town_staff, workbook(rows))

    page = login(world.town_staff).get(f"/registers/imports/{result.pk}/").content.decode()

    lines = error_lines(page)
    assert [line[0] for line in lines] == [f"第 {n} 行" for n in range(2, 52)]  # Excel rows 2-51: the first 50
    assert set(line[1:] for line in lines) == {("联系电话", "138****", PHONE_REASON)}
    assert "以上是前 50 行的错误；另有 10 行的错误见错误清单。" in page
    assert len(read_sheet(bytes(result.error_workbook))) == 1 + 60  # the workbook has them all


def test_rows_with_many_reasons_stop_at_80_lines(world, login):
    rows = register_rows(30)
    for row in rows:  # 4 reasons a row
        row.update({"联系电话": "1380000", "是否党员": "党员", "是否外出务工": "偶尔", "民族": "火星"})
    result = import_file(world.town_staff, workbook(rows))
    assert result.error_rows == 30

    page = login(world.town_staff).get(f"/registers/imports/{result.pk}/").content.decode()

    lines = error_lines(page)
    assert len(lines) == 80 and lines[-1][0] == "第 21 行"  # 20 whole rows: Excel rows 2-21
    assert [line[1] for line in lines[:4]] == ["联系电话", "民族", "是否党员", "是否外出务工"]
    assert "以上是前 20 行的错误；另有 10 行的错误见错误清单。" in page


@pytest.mark.parametrize(
    ("column", "typed", "shown"),
    [
        ("身份证号", "52033019800", "520330*****"),  # malformed: no more than its first 6 characters
        ("身份证号", "5203", "****"),
        ("联系电话", "1380000", "138****"),
        ("联系电话", "12345", "*****"),
    ],
)
def test_malformed_id_numbers_and_phones_are_masked_too(world, column, typed, shown):
    rows = register_rows(4)
    rows[1][column] = typed
    result = import_file(world.town_staff, workbook(rows))

    assert [e["value"] for row in result.error_details for e in row["errors"]] == [shown]
    assert read_sheet(bytes(result.error_workbook))[1][7 if column == "身份证号" else 9] == shown


def test_an_imported_file_shows_no_error_table(world, login):
    result = import_file(world.town_staff, workbook(register_rows(4)))
    assert (result.status, result.error_details) == (ImportStatus.IMPORTED, [])
    assert "错误明细" not in login(world.town_staff).get(f"/registers/imports/{result.pk}/").content.decode()


def test_the_command_prints_the_same_rows(world, tmp_path, bad_file):
    data, bad_id, right = bad_file
    path = tmp_path / "register.xlsx"
    path.write_bytes(data)
    err = io.StringIO()

    with pytest.raises(CommandError, match="4 行有错误"):
        call_command("import_register", str(path), user="town", no_progress=True, stderr=err)

    assert err.getvalue().splitlines()[:5] == [
        f"第3行 联系电话 “138****”：{PHONE_REASON}",
        f"第6行 身份证号 “{bad_id[:6]}********{bad_id[-4:]}”：身份证号校验位错误（应为 {right}）",
        "第7行 是否党员 “党员”：是否党员应填“是”或“否”，不是“党员”",
        "第8行 住址 （空）：住址不能为空",
        "第8行 民族 “火星”：民族“火星”无效，请填写全称，如 汉族、苗族",
    ]
    assert not Resident.objects.filter(import_batch__isnull=False).exists()
