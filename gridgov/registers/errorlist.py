"""A rejected register's errors: the workbook of its bad rows (every one, with the reasons) and the first of them
for the import's page (row, column, the value as typed, the reason).

ID numbers and phones are masked in both: the clear values never leave the import.
"""

from __future__ import annotations

import os
import tempfile

from gridgov.registers import excel
from gridgov.registers.importer import Plan, Reason
from gridgov.utils.masking import mask_id_number, mask_phone

SHOWN_ERROR_ROWS = 50  # rows the import's page lists with their reasons (the workbook has them all) ...
SHOWN_ERROR_LINES = 80  # ... and reasons at most: with the 20 warnings it may show, a page of 100 lines at most
SHOWN_VALUE_CHARS = 40


def _mask_id_number(text: str) -> str:
    """An ID number as the masks show it (6 + stars + 4); a malformed one shows at most its first 6 characters."""
    if len(text) >= 18:
        return mask_id_number(text)
    return text[:6] + "*" * (len(text) - 6) if len(text) > 10 else "*" * len(text)


def _mask_phone(text: str) -> str:
    """A phone as the masks show it; a malformed (short) one shows its first 3 characters at most."""
    if len(text) >= 11:
        return mask_phone(text)
    return text[:3] + "*" * (len(text) - 3) if len(text) >= 7 else "*" * len(text)


MASKS = {"id_number": _mask_id_number, "phone": _mask_phone}


def error_report(data: bytes, plan: Plan) -> tuple[bytes, list[dict]]:
    """(the error workbook: the bad rows as the clerk wrote them, with the reasons; the first of them for the
    page), read from the sheet in one pass.

    The page's rows are ``{"row": n, "errors": [{"column": header, "value": cell, "reason": message}]}``, in row
    order, the first SHOWN_ERROR_ROWS rows but no more than SHOWN_ERROR_LINES reasons in all; each value as the
    clerk typed it, ID numbers and phones masked, long texts cut."""
    sheet = excel.open_sheet(data, max_rows=10**9)
    positions = [(c, sheet.columns.get(c.key, -1)) for c in excel.COLUMNS]
    headers = {c.key: c.header for c in excel.COLUMNS}
    shown: list[dict] = []
    lines, full = 0, False
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "errors.xlsx")
        writer = excel.SafeWriter(path, sheet_name="错误清单")
        columns = [excel.Column("row", "行号", width=7), *excel.COLUMNS, excel.Column("reasons", "错误原因", width=60)]
        writer.set_columns(columns)
        writer.header([c.header for c in columns])
        wanted = plan.errors
        for row_no, cells in sheet.rows():
            reasons = wanted.get(row_no)
            if reasons is None:
                continue
            values = {}
            for column, position in positions:
                text = excel.cell_text(cells[position]) if 0 <= position < len(cells) else ""
                mask = MASKS.get(column.key)
                values[column.key] = mask(text) if mask is not None and text else text
            writer.write([str(row_no), *values.values(), "；".join(reasons)])
            if full or len(shown) == SHOWN_ERROR_ROWS or lines + len(reasons) > SHOWN_ERROR_LINES:
                full = True  # the page lists the first rows without a gap
            else:
                lines += len(reasons)
                shown.append({"row": row_no, "errors": [_shown_error(r, values, headers) for r in reasons]})
        sheet.close()
        writer.close()
        with open(path, "rb") as f:
            return f.read(), shown


def _shown_error(reason: Reason, values: dict[str, str], headers: dict[str, str]) -> dict:
    value = values.get(reason.column, "")
    if len(value) > SHOWN_VALUE_CHARS:
        value = value[: SHOWN_VALUE_CHARS - 1] + "…"
    return {"column": headers.get(reason.column, ""), "value": value, "reason": str(reason)}
