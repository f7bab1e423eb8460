"""Row rules: every row is checked, and each rule names the row and the reason in Chinese."""

import pytest

from gridgov.households.models import Household, Resident
from gridgov.registers import actions
from gridgov.registers.choices import ImportStatus
from gridgov.registers.excel import HEADERS
from gridgov.registers.tests.workbooks import (
    CLUSTER_A1,
    CLUSTER_B1,
    GRID_A,
    GRID_B,
    GRID_C,
    id_number,
    read_sheet,
    register_rows,
    resident_row,
    workbook,
)


def import_file(user, data: bytes):
    register_import = actions.create_import(user, filename="r.xlsx", data=data)
    return actions.run_import(register_import, data)


def errors_of(result) -> dict[str, str]:
    """Excel row number -> reasons, from the error workbook."""
    assert result.status == ImportStatus.REJECTED, result.message
    return {row[0]: row[-1] for row in read_sheet(bytes(result.error_workbook))[1:]}


def test_out_of_scope_grid_code_is_rejected_and_nothing_written(world):
    rows = register_rows(4, grid=GRID_B, cluster=CLUSTER_B1)
    residents = Resident.objects.count()

    result = import_file(world.grid_worker_a, workbook(rows))

    assert errors_of(result) == {
        str(n): f"网格编码 {GRID_B} 不在您的管辖范围内；联户编码 {CLUSTER_B1} 不在您的管辖范围内" for n in (2, 3, 4, 5)
    }
    assert Resident.objects.count() == residents


def test_grid_worker_imports_into_own_grid(world):
    result = import_file(world.grid_worker_a, workbook(register_rows(3, cluster="")))

    assert result.status == ImportStatus.IMPORTED, result.message
    household = Household.objects.get(import_batch=result)
    assert (household.grid, household.cluster, household.path) == (world.grid_a, None, GRID_A)


def test_unknown_codes_and_a_cluster_outside_its_grid(world):
    rows = [
        resident_row(1, number="X1", grid="5203301132019999", cluster=""),
        resident_row(2, number="X2", grid=GRID_C, cluster=CLUSTER_A1),
        resident_row(3, number="X3", grid="520330113201", cluster=""),
    ]

    assert errors_of(import_file(world.town_staff, workbook(rows))) == {
        "2": "网格编码 5203301132019999 不存在",
        "3": f"联户编码 {CLUSTER_A1} 不属于网格 {GRID_C}",
        "4": "网格编码应为16位数字",
    }


def test_required_fields_and_labels(world):
    rows = [
        resident_row(1, number="", 姓名="", 住址=""),
        resident_row(
            2, number="Y2", 房屋类型="窑洞", 是否党员="党员", 人口类型="常住", 是否外出务工="偶尔", 民族="火星"
        ),
        resident_row(3, number="Y3", 与户主关系="", 身份证号=""),
    ]

    errors = errors_of(import_file(world.town_staff, workbook(rows)))

    assert errors["2"] == "户编号不能为空；住址不能为空；姓名不能为空"
    assert errors["3"].split("；") == [
        "房屋类型“窑洞”无效，可选：自建房、商品房、安置房、公租房/廉租房、租住房、其他",
        "民族“火星”无效，请填写全称，如 汉族、苗族",
        "是否党员应填“是”或“否”，不是“党员”",
        "人口类型“常住”无效，可选：户籍人口、流动人口",
        "是否外出务工应填“是”或“否”，不是“偶尔”",
    ]
    assert errors["4"] == "身份证号不能为空；与户主关系不能为空"


def test_duplicate_id_numbers_inside_the_file(world):
    rows = register_rows(4)
    rows[3]["身份证号"] = rows[1]["身份证号"]

    assert errors_of(import_file(world.town_staff, workbook(rows))) == {"5": "身份证号与第3行重复"}


def test_rows_of_one_household_must_agree_and_have_one_householder(world):
    rows = register_rows(8)
    rows[2]["住址"] = "别处"  # household T00000, row 4
    rows[5]["与户主关系"] = "户主"  # household T00001 gets a second householder, row 7
    rows.append(resident_row(50, number="T00009", relation="子女"))  # a household with no householder, row 10

    assert errors_of(import_file(world.town_staff, workbook(rows))) == {
        "4": "与同户第2行的住址不一致",
        "7": "同一户有两位户主（第6行已是户主）",
        "10": "户编号 T00009 没有户主：本户 1 行中须有一行与户主关系为“户主”",
    }


def test_id_number_from_an_unknown_region_is_a_warning_not_an_error(world):
    rows = [resident_row(1, number="W1", 身份证号=id_number(1, region="999999"))]

    result = import_file(world.town_staff, workbook(rows))

    assert result.status == ImportStatus.IMPORTED
    assert (result.warning_count, result.warnings) == (1, ["第2行：地址码 999999 不在现行区划代码中（可能是旧代码）"])


def test_an_id_number_excel_turned_into_a_number_is_explained(world):
    rows = [resident_row(1, number="N1")]
    data = workbook(rows, raw_cells={(2, "身份证号"): 520330195001021234, (2, "联系电话"): 13900000001})

    assert errors_of(import_file(world.town_staff, data)) == {
        "2": "身份证号被 Excel 存成了数字，末几位已丢失；请将该列设为文本格式后重新填写"
    }


def test_full_width_digits_and_short_labels_are_accepted(world):
    rows = [
        resident_row(
            1, number="F1", 身份证号=id_number(1).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        )
    ]
    rows[0].update({"民族": "苗", "联系电话": "139 0000 0001"})

    result = import_file(world.town_staff, workbook(rows))

    assert result.status == ImportStatus.IMPORTED, result.message
    resident = Resident.objects.get(import_batch=result)
    assert (resident.reveal_id_number(), resident.ethnicity, resident.reveal_phone()) == (
        id_number(1),
        "苗族",
        "13900000001",
    )


def test_existing_household_gets_only_new_members(world):
    household = world.household_a  # H-A-001 in grid A / cluster A1, householder 王建国
    rows = [
        resident_row(1, number="H-A-001", relation="户主", 身份证号="520330198005171232", 住址=household.address),
        resident_row(2, number="H-A-001", relation="子女", 住址=household.address),
    ]

    result = import_file(world.town_staff, workbook(rows))

    assert result.status == ImportStatus.IMPORTED, result.message
    assert (result.created_households, result.existing_households) == (0, 1)
    assert (result.created_residents, result.unchanged_residents) == (1, 1)
    household.refresh_from_db()
    assert (household.member_count, household.householder_id) == (2, world.resident_a.pk)


def test_existing_household_elsewhere_or_a_second_householder_is_refused(world):
    rows = [
        resident_row(1, number="H-A-001", relation="户主", grid=GRID_C, cluster=""),
        resident_row(2, number="H-B-001", relation="户主", grid=GRID_B, cluster=CLUSTER_B1),
        resident_row(3, number="H-X", relation="户主", 身份证号="520330198005171232"),
    ]

    errors = errors_of(import_file(world.village_committee, workbook(rows)))

    assert errors == {
        "2": f"户编号 H-A-001 已登记在 {CLUSTER_A1}，与本表的网格/联户编码不一致（导入不迁移户）",
        "3": f"网格编码 {GRID_B} 不在您的管辖范围内；联户编码 {CLUSTER_B1} 不在您的管辖范围内",
        "4": "该身份证号已登记在其他户（如需迁户，请在系统中办理）",
    }


def test_householder_for_a_household_that_has_one(world):
    rows = [resident_row(7, number="H-A-001", relation="户主", 住址=world.household_a.address)]

    assert errors_of(import_file(world.town_staff, workbook(rows))) == {
        "2": "户编号 H-A-001 已有户主，不能再导入一位户主"
    }


def test_missing_required_column_rejects_the_file(world):
    headers = [h for h in HEADERS if h != "身份证号"]

    result = import_file(world.town_staff, workbook(register_rows(2), headers=headers))

    assert result.status == ImportStatus.REJECTED
    assert result.message == "表头缺少必填列：身份证号（请使用下载的模板）"
    assert result.error_workbook is None


def test_columns_may_come_in_any_order_and_optional_ones_may_be_missing(world):
    headers = ["姓名", "身份证号", "与户主关系", "户编号", "住址", "网格编码"]

    result = import_file(world.town_staff, workbook(register_rows(3), headers=headers))

    assert result.status == ImportStatus.IMPORTED, result.message
    resident = Resident.objects.filter(import_batch=result).order_by("id").first()
    assert (resident.ethnicity, resident.is_party_member, resident.residence_type, resident.phone_masked) == (
        "汉族",
        False,
        "registered",
        "",
    )


def test_row_limit(world, settings):
    settings.GRIDGOV_IMPORT_MAX_ROWS = 5

    result = import_file(world.town_staff, workbook(register_rows(6)))

    assert (result.status, result.message) == (
        ImportStatus.REJECTED,
        "数据行过多（约 6 行），一次最多导入 5 行，请分成几个文件",
    )
    assert not Resident.objects.filter(import_batch=result).exists()


@pytest.mark.parametrize("value", ["=1+2", "'=1+2"])
def test_formula_like_text_is_imported_as_text(world, value):
    rows = [resident_row(1, number="Q1", 住址=value)]

    result = import_file(world.town_staff, workbook(rows))

    assert Household.objects.get(import_batch=result).address == "=1+2"


def test_a_title_row_above_the_header_is_allowed_and_row_numbers_stay_true(world):
    rows = register_rows(3)
    rows[2]["联系电话"] = "110"
    data = workbook(
        [{}, dict(zip(HEADERS, HEADERS, strict=True)), *rows], headers=HEADERS, title="寨坝镇桂园村户籍登记表"
    )

    assert errors_of(import_file(world.town_staff, data)) == {"6": "手机号应为11位，以1开头，第二位为3-9"}


def test_householder_row_completes_an_existing_household_without_one(world):
    from gridgov.households import actions as household_actions

    empty = household_actions.create_household(
        world.town_staff, number="H-E", grid=world.grid_a, cluster=world.cluster_a1, address="桂园村一组9号",
        house_type="self_built",
    )  # fmt: skip
    rows = [
        resident_row(1, number="H-E", relation="子女", 住址="桂园村一组9号"),
        resident_row(2, number="H-E", relation="户主", 住址="桂园村一组9号"),
    ]

    result = import_file(world.town_staff, workbook(rows))

    assert (result.status, result.created_households, result.existing_households) == (ImportStatus.IMPORTED, 0, 1)
    empty.refresh_from_db()
    assert (empty.member_count, empty.householder.name) == (2, "测试2")
