"""Register test helpers: workbooks built with XlsxWriter, rows for the shared test world."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

from gridgov.registers.excel import HEADERS
from gridgov.utils.idnumber import make_id_number

GRID_A = "5203301132010101"
CLUSTER_A1 = "520330113201010101"
GRID_C = "5203301132010102"
GRID_B = "5203301132020101"
CLUSTER_B1 = "520330113202010101"


def id_number(i: int, region: str = "520330") -> str:
    return make_id_number(region, dt.date(1950, 1, 1) + dt.timedelta(days=i), 100 + i % 800)


def phone(i: int) -> str:
    return f"139{i:08d}"


def resident_row(i: int, *, number: str, relation: str = "户主", grid: str = GRID_A, cluster: str = CLUSTER_A1, **over):
    row = {
        "户编号": number,
        "网格编码": grid,
        "联户编码": cluster,
        "住址": f"寨坝镇桂园村一组{number}号",
        "房屋类型": "自建房",
        "姓名": f"测试{i}",
        "身份证号": id_number(i),
        "与户主关系": relation,
        "联系电话": phone(i),
        "民族": "汉族",
        "是否党员": "否",
        "人口类型": "户籍人口",
        "是否外出务工": "否",
        "务工地": "",
    }
    row.update(over)
    return row


def register_rows(count: int, *, per_household: int = 4, prefix: str = "T", start: int = 0, **over) -> list[dict]:
    """``count`` residents in households of ``per_household``, the first of each the householder."""
    rows = []
    for i in range(start, start + count):
        k = i - start
        number = f"{prefix}{k // per_household:05d}"
        relation = "户主" if k % per_household == 0 else ("配偶" if k % per_household == 1 else "子女")
        rows.append(resident_row(i, number=number, relation=relation, **over))
    return rows


def workbook(rows: list[dict], headers=HEADERS, *, raw_cells: dict | None = None, title: str = "") -> bytes:
    """An xlsx (sheet 户籍) with ``headers`` and one row per dict; every value written as a string.

    ``raw_cells`` maps (excel_row_number, header) to a value written as-is (numbers, to test Excel's habits).
    ``title`` replaces the header row with a title cell (rows then carry their own header row).
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("户籍")
    if title:
        sheet.write_string(0, 0, title)
    else:
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header)
    for r, row in enumerate(rows, start=1):
        for col, header in enumerate(headers):
            value = row.get(header, "")
            if value != "":
                sheet.write_string(r, col, str(value))
    for (row_no, header), value in (raw_cells or {}).items():
        sheet.write(row_no - 1, list(headers).index(header), value)
    book.close()
    return buffer.getvalue()


def read_sheet(data: bytes) -> list[list]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
