"""The register workbook: its columns, upload checks, reading cells, and writing cells that cannot run.

Reading uses python-calamine (fast, Rust); writing uses XlsxWriter in constant_memory mode.
Nothing here knows the database.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from gridgov.households.choices import ETHNICITIES, HouseType, Relation, ResidenceType
from gridgov.registers.rowcheck import (  # cell helpers shared with the row checks; others use them from here
    NO,
    YES,
    ascii_code,  # noqa: F401
    cell_text,
    number_lost_digits,  # noqa: F401
)
from gridgov.utils import xlsx
from gridgov.utils.xlsx import FILE_LANGUAGE, XLSX_CONTENT_TYPE, Column, safe_text  # noqa: F401 (used from here)

SHEET_NAME = "户籍"


COLUMNS: tuple[Column, ...] = (
    Column("number", "户编号", required=True, width=14, text=True, note="同一户的各行填相同户编号"),
    Column("grid", "网格编码", required=True, width=19, text=True, note="16位网格编码"),
    Column("cluster", "联户编码", width=21, text=True, note="18位联户编码，可空；须属于该网格"),
    Column("address", "住址", required=True, width=30),
    Column("house_type", "房屋类型", width=12, note="空白按自建房"),
    Column("name", "姓名", required=True, width=10),
    Column("id_number", "身份证号", required=True, width=21, text=True, note="18位；请将该列设为文本格式"),
    Column("relation", "与户主关系", required=True, width=12, note="每户有且只有一位户主"),
    Column("phone", "联系电话", width=14, text=True, note="11位手机号，可空"),
    Column("ethnicity", "民族", width=8, note="空白按汉族"),
    Column("party", "是否党员", width=9, note="是/否，空白按否"),
    Column("residence_type", "人口类型", width=10, note="空白按户籍人口"),
    Column("works_away", "是否外出务工", width=12, note="是/否，空白按否"),
    Column("works_away_place", "务工地", width=16),
)
HEADERS = tuple(c.header for c in COLUMNS)
KEY_OF_HEADER = {c.header: c.key for c in COLUMNS}
REQUIRED_HEADERS = tuple(c.header for c in COLUMNS if c.required)
CHOICES = {"house_type": HouseType, "relation": Relation, "residence_type": ResidenceType}
SYNONYMS = {
    "house_type": {"公租房": HouseType.PUBLIC_RENTAL, "廉租房": HouseType.PUBLIC_RENTAL},
    "relation": {"儿媳": Relation.CHILD_IN_LAW, "女婿": Relation.CHILD_IN_LAW, "本人": Relation.HOUSEHOLDER},
    "residence_type": {},
}


@lru_cache(maxsize=1)
def labels_by_value() -> dict[str, dict[str, str]]:
    """Each choice column's values and the labels a register file uses for them."""
    with translation.override(FILE_LANGUAGE):
        return {key: {value: str(label) for value, label in kind.choices} for key, kind in CHOICES.items()}


@lru_cache(maxsize=1)
def values_by_label() -> dict[str, dict[str, str]]:
    """What a cell may say in each choice column (label, stored value, or a common synonym) -> stored value."""
    return {
        key: {label: value for value, label in labels.items()} | {v: v for v in labels} | SYNONYMS[key]
        for key, labels in labels_by_value().items()
    }


def choice_labels(key: str) -> list[str]:
    if key in ("party", "works_away"):
        return [YES, NO]
    return list(labels_by_value().get(key, {}).values())


# --- upload checks ---------------------------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and password-protected .xlsx
ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBERS = 1000
RATIO_FLOOR_BYTES = 1024 * 1024  # members smaller than this are never a bomb, whatever their ratio


class UploadRejected(Exception):
    """The uploaded file is not accepted; the message (Chinese) tells the user why."""


def check_upload(data: bytes) -> None:
    """Size, type by content and zip-bomb checks, all before any parsing of the workbook.

    The zip directory's declared sizes are checked against the limits, then every member is
    inflated once in a stream (bounded by its declared size, CRC-checked) so that a directory
    that lies about its sizes is caught too. Nothing is kept.
    """
    limit = settings.GRIDGOV_UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise UploadRejected(f"文件过大（{_mb(len(data))}），上限为 {_mb(limit)}")
    if not data:
        raise UploadRejected("文件是空的")
    if data.startswith(OLE_MAGIC):
        raise UploadRejected("这是旧版 Excel（.xls）或加密的工作簿，请在 Excel 中“另存为” .xlsx 格式且不设密码后再上传")
    if not data.startswith(ZIP_MAGIC):
        raise UploadRejected(
            "文件内容不是 Excel 工作簿（.xlsx），请使用下载的模板填写后上传（不支持 .csv、.xls 或改了扩展名的文件）"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise UploadRejected("文件已损坏，无法作为 .xlsx 工作簿读取") from None
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise UploadRejected("文件不是 Excel 工作簿（.xlsx），缺少工作簿内容；请不要上传改了扩展名的其他文件")
    if len(members) > MAX_MEMBERS:
        raise UploadRejected("工作簿结构异常（内部文件过多），已拒收")
    unpacked = sum(m.file_size for m in members)
    unpacked_limit = settings.GRIDGOV_UPLOAD_MAX_UNPACKED_BYTES
    ratio_limit = settings.GRIDGOV_UPLOAD_MAX_RATIO
    if unpacked > unpacked_limit:
        raise UploadRejected(f"工作簿解压后过大（{_mb(unpacked)}，上限 {_mb(unpacked_limit)}），已拒收")
    if unpacked > RATIO_FLOOR_BYTES and unpacked / len(data) > ratio_limit:
        raise UploadRejected(
            f"工作簿压缩比异常（{unpacked // len(data)} 倍，上限 {ratio_limit} 倍），疑似压缩炸弹，已拒收"
        )
    for member in members:
        if member.file_size > RATIO_FLOOR_BYTES and member.file_size / max(member.compress_size, 1) > ratio_limit:
            raise UploadRejected("工作簿压缩比异常，疑似压缩炸弹，已拒收")
        if member.flag_bits & 0x1:
            raise UploadRejected("工作簿已加密，请取消密码后再上传")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRejected("工作簿使用了不支持的压缩方式，请用 Excel 或 WPS 重新保存为 .xlsx")
    try:
        for member in members:
            with archive.open(member) as stream:
                while stream.read(1 << 20):
                    pass
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise UploadRejected("文件已损坏（内部数据与目录不符），已拒收") from None


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


# --- reading ------------------------------------------------------------------------------------------------------


HEADER_SEARCH_ROWS = 10


class SheetRejected(Exception):
    """The workbook opens but its sheet cannot be used as a register (no header, too many rows)."""


@dataclass
class Sheet:
    """The register sheet of an uploaded workbook: where each column is, and its rows."""

    workbook: CalamineWorkbook
    header_row: int  # 1-based Excel row number of the header
    columns: dict[str, int]  # column key -> index in a row list
    headers: list[str]  # the header row as found
    total_rows: int  # upper bound of data rows (blank rows included)
    _sheet: object

    def close(self) -> None:
        self._sheet = None
        self.workbook.close()

    def rows(self) -> Iterator[tuple[int, list]]:
        """(Excel row number, cells) for each data row below the header; blank rows are skipped."""
        for index, cells in enumerate(self._sheet.iter_rows()):
            row_no = index + 1
            if row_no <= self.header_row:
                continue
            if cells.count("") == len(cells):
                continue
            yield row_no, cells


def open_sheet(data: bytes, *, max_rows: int | None = None) -> Sheet:
    """Open the register sheet (named 户籍, else the first worksheet) and locate the header row."""
    max_rows = settings.GRIDGOV_IMPORT_MAX_ROWS if max_rows is None else max_rows
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        if not names:
            raise SheetRejected("工作簿中没有工作表")
        sheet = workbook.get_sheet_by_name(SHEET_NAME if SHEET_NAME in names else names[0])
    except CalamineError as exc:
        raise SheetRejected(f"无法读取工作簿：{exc.__class__.__name__}") from None
    header_row, headers = _find_header(sheet)
    if not headers:
        raise SheetRejected("工作表是空的：第一行应为表头（户编号、网格编码、……）")
    columns: dict[str, int] = {}
    for position, header in enumerate(headers):
        key = KEY_OF_HEADER.get(header)
        if key is not None and key not in columns:
            columns[key] = position
    missing = [h for h in REQUIRED_HEADERS if KEY_OF_HEADER[h] not in columns]
    if missing:
        raise SheetRejected(f"表头缺少必填列：{'、'.join(missing)}（请使用下载的模板）")
    total = max(0, sheet.height + (sheet.start[0] if sheet.start else 0) - header_row)
    if total > max_rows:
        raise SheetRejected(f"数据行过多（约 {total} 行），一次最多导入 {max_rows} 行，请分成几个文件")
    if total == 0:
        raise SheetRejected("表中没有数据行")
    return Sheet(workbook, header_row, columns, headers, total, sheet)


def _find_header(sheet) -> tuple[int, list[str]]:
    """The header row: the first row with every required header (a title row above it is allowed),
    else the first non-blank row, so that the message can say which columns are missing."""
    first: tuple[int, list[str]] = (0, [])
    for index, cells in enumerate(sheet.iter_rows()):
        if index >= HEADER_SEARCH_ROWS:
            break
        if cells.count("") == len(cells):
            continue
        headers = [header_text(c) for c in cells]
        if all(h in headers for h in REQUIRED_HEADERS):
            return index + 1, headers
        if not first[1]:
            first = (index + 1, headers)
    return first


def header_text(value) -> str:
    text = cell_text(value)
    return text.replace("*", "").replace("＊", "").replace(" ", "").replace("（必填）", "").strip()


# --- writing ------------------------------------------------------------------------------------------------------


class SafeWriter(xlsx.SafeWriter):
    """The register's sheet (户籍, its columns) unless told otherwise; see `gridgov.utils.xlsx.SafeWriter`."""

    def __init__(self, path: str, sheet_name: str = SHEET_NAME, columns: Iterable[Column] = None) -> None:
        super().__init__(path, sheet_name, COLUMNS if columns is None else columns, title="户籍")


def build_template() -> bytes:
    """The blank register workbook clerks download: headers, text columns, drop-downs, and a sheet of notes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "template.xlsx")
        writer = SafeWriter(path)
        writer.set_columns(list(COLUMNS))
        writer.header(HEADERS)
        max_row = settings.GRIDGOV_IMPORT_MAX_ROWS
        for position, column in enumerate(COLUMNS):
            labels = choice_labels(column.key)
            if labels:
                writer.sheet.data_validation(
                    1,
                    position,
                    max_row,
                    position,
                    {
                        "validate": "list",
                        "source": labels,
                        "error_type": "warning",
                        "error_message": "请从下拉列表中选择",
                    },
                )
        notes = writer.workbook.add_worksheet("填写说明")
        bold = writer.workbook.add_format({"bold": True})
        notes.set_column(0, 0, 14)
        notes.set_column(1, 1, 60)
        notes.write_string(0, 0, "列名", bold)
        notes.write_string(0, 1, "说明", bold)
        for i, column in enumerate(COLUMNS, start=1):
            note = ("必填。" if column.required else "") + column.note
            labels = choice_labels(column.key)
            if labels and column.key not in ("party", "works_away"):
                note += f"；可选：{'、'.join(labels)}"
            if column.key == "ethnicity":
                note += "；填写全称，如 汉族、苗族、仡佬族"
            notes.write_string(i, 0, column.header)
            notes.write_string(i, 1, note)
        row = len(COLUMNS) + 2
        for line in (
            "一行一人。同一户编号的各行为一户，户的信息（网格编码、联户编码、住址、房屋类型）须一致。",
            "任何一行有错，整个文件都不导入，并给出错误清单；改正后重新上传整个文件即可。",
            "重复导入同一文件不会重复登记：居民按身份证号、户按户编号去重。",
            f"一次最多 {max_row} 行，文件不超过 {_mb(settings.GRIDGOV_UPLOAD_MAX_BYTES)}。",
        ):
            notes.write_string(row, 0, line)
            row += 1
        writer.close()
        with open(path, "rb") as f:
            return f.read()


def valid_ethnicities() -> frozenset[str]:
    return frozenset(ETHNICITIES)
