"""Writing spreadsheets that cannot run: the column shape, formula-safe text and a constant-memory writer.

Every export (registers, ledgers, campaigns, the audit log) writes its cells through these, so a leading
= + - @ tab or CR never reaches a spreadsheet as a formula. Knows no models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import xlsxwriter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_LANGUAGE = "zh-hans"  # files are read and written in Chinese, whatever the page's language
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    width: int = 12
    text: bool = False  # Excel must keep it as text (codes, ID numbers, phones)
    note: str = ""


def safe_text(value) -> str:
    """Text that no spreadsheet will run: a leading = + - @ tab or CR gets a quote in front."""
    if value is None:
        return ""
    text = str(value)
    if text[:1] in FORMULA_LEADS and text:
        return "'" + text
    return text


class SafeWriter:
    """An XlsxWriter sheet in constant_memory mode where every cell is written as a string, never a formula."""

    def __init__(self, path: str, sheet_name: str, columns: Iterable[Column], title: str = "") -> None:
        self.workbook = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.workbook.set_properties({"title": title or sheet_name, "comments": "gridgov"})
        self.header_format = self.workbook.add_format({"bold": True, "bg_color": "#F0F2F5", "border": 1})
        self.text_format = self.workbook.add_format({"num_format": "@"})
        self.sheet = self.workbook.add_worksheet(sheet_name)
        self.columns = list(columns)
        self.row = 0

    def set_columns(self, columns: list[Column]) -> None:
        for i, column in enumerate(columns):
            self.sheet.set_column(i, i, column.width, self.text_format if column.text else None)

    def header(self, headers: Iterable[str]) -> None:
        for col, text in enumerate(headers):
            self.sheet.write_string(self.row, col, safe_text(text), self.header_format)
        self.sheet.freeze_panes(self.row + 1, 0)
        self.row += 1

    def write(self, values: Iterable) -> None:
        write_string, row = self.sheet.write_string, self.row
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            write_string(row, col, safe_text(value))
        self.row += 1

    def close(self) -> None:
        self.workbook.close()
