"""The checks of one register row on its own, and the worker process that runs them on part of a sheet.

Nothing here knows Django or the database, so that a second process can check part of a large sheet
while the importing process checks the rest (the machine's second core). `RowChecker` does everything a
row needs that does not depend on other rows: cell cleaning, format checks, ID-number parsing, sealing,
blind indexes and masks. What depends on other rows (household agreement, repeated ID numbers, one
householder per household) stays with `importer._read_rows`, which takes the results in row order.

A checked row is a tuple: (row_no, household, relation, id_index, warning, values) when the row has no
error of its own (``values`` are its resident columns in the order of importer.RESIDENT_COLUMNS from "name"
to "works_away_place", the ID number and phone already sealed, blind-indexed and masked),
else (row_no, household, relation, id_index, warning, None, errors, end_of_household_errors,
end_of_id_errors), each error a (column, message) pair, the column as excel.COLUMNS names it (plain tuples: they
cross the worker's pipe). ``household`` is (number, grid, cluster, address, house_type) or None when those cells
are wrong; ``id_index`` is the blind index of a valid ID number, or None; ``warning`` is "" or the ID number's
warning.

The worker is ``python -m gridgov.registers.rowcheck`` (see `main`). The rows reach it through a pipe
and its answers carry only sealed, indexed and masked values: clear ID numbers and phones never touch
a disk.
"""

from __future__ import annotations

import datetime as dt
import gc
import operator
import pickle
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gridgov.utils.crypto import sealer_for
from gridgov.utils.idnumber import IdNumberReader, InvalidIdNumber, InvalidPhone, normalize_phone
from gridgov.utils.xlsx import FORMULA_LEADS

# The resident columns of a valid row's values, in order (importer.RESIDENT_COLUMNS from "name" on).
STAGE_COLUMNS = (
    "name", "id_number_sealed", "id_number_index", "id_number_masked", "sex", "birth_date", "phone_sealed",
    "phone_index", "phone_masked", "relation", "ethnicity", "is_party_member", "residence_type", "works_away",
    "works_away_place",
)  # fmt: skip
STAGED = True  # in place of a valid row's values: the worker wrote them to the stage file
YES, NO = "是", "否"
YES_NO = {"是": True, "否": False, "": False, "Y": True, "N": False, "y": True, "n": False, "1": True, "0": False}
LIMITS = {"number": 32, "address": 200, "name": 50, "works_away_place": 100}
GRID_DIGITS, CLUSTER_DIGITS = 16, 18
MOBILE_SECOND = frozenset("3456789")


# --- cells (also used by excel.py) -------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as the text a clerk typed: numbers without '.0', our own formula-guard quote removed."""
    if value.__class__ is str:
        text = value.strip()
        if text[:1] == "'" and text[1:2] in FORMULA_LEADS:
            return text[1:]
        return text
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def number_lost_digits(value) -> bool:
    """Excel stored a long code as a number: past 15 digits the last ones are gone."""
    return isinstance(value, float) and abs(value) >= 2**53


def ascii_code(text: str) -> str:
    """Full-width digits and letters (typed with a Chinese input method) folded to ASCII; spaces removed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.replace(" ", "")


# --- checking ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """What a row is checked against (plain data, so that it can be sent to the worker)."""

    master_key: str
    known_regions: frozenset[str]
    today: dt.date
    ethnicities: frozenset[str]
    house_types: dict[str, str]  # label, value or synonym -> stored value
    relations: dict[str, str]
    residence_types: dict[str, str]
    house_labels: str  # the valid labels, for messages
    relation_labels: str
    self_built: str  # the defaults of blank cells, and the householder's relation
    registered: str
    householder: str
    id_context: bytes
    phone_context: bytes


@dataclass(frozen=True)
class Layout:
    """Where the columns are in a row (importer order, see excel.COLUMNS)."""

    width: int  # header width: shorter rows are padded, and a missing column reads the pad cell at ``width``
    positions: tuple[int, ...]


class RowChecker:
    """Checks rows one by one against `Rules`, for one `Layout`; keeps its caches from call to call."""

    def __init__(self, rules: Rules, layout: Layout) -> None:
        self.rules, self.layout = rules, layout
        self.read_id = IdNumberReader(rules.known_regions, rules.today)
        s = sealer_for(rules.master_key)
        self.id_index, self.phone_index = s.blind_indexer(rules.id_context), s.blind_indexer(rules.phone_context)
        self.seal_id, self.seal_phone = s.sealing(rules.id_context), s.sealing(rules.phone_context)

    def __call__(
        self, rows: Iterable[tuple[int, list]], tick: Callable[[int], None] | None = None, every: int = 2000
    ) -> list[tuple]:
        return _check(self, rows, tick, every)


def _check(checker: RowChecker, rows: Iterable[tuple[int, list]], tick, every: int) -> list[tuple]:
    """Check each row on its own (see the module docstring for what comes back).

    This loop runs once per resident, so it is written for speed: locals, no per-cell helpers on the
    common path, and messages built only for bad rows. ``tick(count)`` is called every ``every`` rows.
    """
    rules, layout = checker.rules, checker.layout
    width = layout.width
    pad = [""] * (width + 1)
    pick = operator.itemgetter(*layout.positions)
    read_id = checker.read_id
    id_index, phone_index, seal_id, seal_phone = (
        checker.id_index,
        checker.phone_index,
        checker.seal_id,
        checker.seal_phone,
    )
    ethnicities = rules.ethnicities
    house_types, relations, residence_types = rules.house_types, rules.relations, rules.residence_types
    self_built, registered = rules.self_built, rules.registered
    yes_no = YES_NO
    mobile = MOBILE_SECOND
    strip = str.strip
    max_number, max_address, max_name, max_place = (
        LIMITS["number"], LIMITS["address"], LIMITS["name"], LIMITS["works_away_place"]
    )  # fmt: skip
    out: list[tuple] = []
    append = out.append
    count = 0
    for row_no, cells in rows:
        count += 1
        if tick is not None and count % every == 0:
            tick(count)
        n = len(cells)
        if n <= width:
            cells.extend(pad[n:])
        raw = pick(cells)
        try:  # the common case: every cell is text and none carries our formula-guard quote
            texts = list(map(strip, raw))
            if "\0'" in "\0" + "\0".join(texts):
                raise TypeError
        except TypeError:
            texts = [cell_text(v) for v in raw]
        (number, grid, cluster, address, house_type, name, id_number, relation, phone, ethnicity, party,
         residence_type, works_away, works_away_place) = texts  # fmt: skip
        errors: list[tuple[str, str]] = []  # (column, message)

        # -- household fields
        if not grid.isascii():
            grid = ascii_code(grid)
        if not cluster.isascii():
            cluster = ascii_code(cluster)
        if not number:
            errors.append(("number", "户编号不能为空"))
        elif len(number) > max_number:
            errors.append(("number", f"户编号过长（最多{max_number}个字）"))
        if not grid:
            errors.append(("grid", "网格编码不能为空"))
        elif len(grid) != GRID_DIGITS or not (grid.isascii() and grid.isdigit()) or number_lost_digits(raw[1]):
            errors.append(("grid", code_message("网格编码", raw[1], 16)))
        if cluster:
            if (
                len(cluster) != CLUSTER_DIGITS
                or not (cluster.isascii() and cluster.isdigit())
                or number_lost_digits(raw[2])
            ):
                errors.append(("cluster", code_message("联户编码", raw[2], 18)))
            elif grid and not cluster.startswith(grid):
                errors.append(("cluster", f"联户编码 {cluster} 不属于网格 {grid}"))
        if not address:
            errors.append(("address", "住址不能为空"))
        elif len(address) > max_address:
            errors.append(("address", f"住址过长（最多{max_address}个字）"))
        house_value = house_types.get(house_type) if house_type else self_built
        if house_value is None:
            errors.append(("house_type", f"房屋类型“{house_type}”无效，可选：{rules.house_labels}"))
        household = None if errors else (number, grid, cluster, address, house_value)
        end_household = len(errors)

        # -- resident fields
        if not name:
            errors.append(("name", "姓名不能为空"))
        elif len(name) > max_name:
            errors.append(("name", f"姓名过长（最多{max_name}个字）"))
        parsed = None
        if not id_number:
            errors.append(("id_number", "身份证号不能为空"))
        elif raw[6].__class__ is float and number_lost_digits(raw[6]):
            errors.append(("id_number", "身份证号被 Excel 存成了数字，末几位已丢失；请将该列设为文本格式后重新填写"))
        else:
            try:
                parsed = read_id(id_number if id_number.isascii() else ascii_code(id_number))
            except InvalidIdNumber as exc:
                errors.append(("id_number", str(exc)))
        end_id = len(errors)
        relation_value = relations.get(relation)
        if relation_value is None:
            if not relation:
                errors.append(("relation", "与户主关系不能为空"))
            else:
                errors.append(("relation", f"与户主关系“{relation}”无效，可选：{rules.relation_labels}"))
        if phone:
            if not (  # a plain mobile number is already what normalize_phone would return
                len(phone) == 11 and phone.isascii() and phone.isdigit() and phone[0] == "1" and phone[1] in mobile
            ):
                try:
                    phone = normalize_phone(phone if phone.isascii() else ascii_code(phone))
                except InvalidPhone as exc:
                    errors.append(("phone", str(exc)))
        if not ethnicity:
            ethnicity = "汉族"
        elif ethnicity not in ethnicities:
            if ethnicity + "族" in ethnicities:
                ethnicity += "族"
            else:
                errors.append(("ethnicity", f"民族“{ethnicity}”无效，请填写全称，如 汉族、苗族"))
        party_value = yes_no.get(party)
        if party_value is None:
            errors.append(("party", f"是否党员应填“是”或“否”，不是“{party}”"))
        residence_value = residence_types.get(residence_type) if residence_type else registered
        if residence_value is None:
            errors.append(("residence_type", f"人口类型“{residence_type}”无效，可选：户籍人口、流动人口"))
        away_value = yes_no.get(works_away)
        if away_value is None:
            errors.append(("works_away", f"是否外出务工应填“是”或“否”，不是“{works_away}”"))
        if len(works_away_place) > max_place:
            errors.append(("works_away_place", f"务工地过长（最多{max_place}个字）"))

        if errors:
            index = id_index(parsed[0]) if parsed is not None else None
            warning = parsed[3] if parsed is not None else ""
            append((row_no, household, relation_value, index, warning, None, errors, end_household, end_id))
            continue
        id_value, birth, sex, warning = parsed
        index = id_index(id_value)
        append(
            (
                row_no,
                household,
                relation_value,
                index,
                warning,
                (
                    name,
                    seal_id(id_value),
                    index,
                    id_value[:6] + "********" + id_value[14:],  # masking.mask_id_number of an 18-digit number
                    sex,
                    birth,
                    seal_phone(phone) if phone else None,
                    phone_index(phone) if phone else "",
                    phone[:3] + "****" + phone[7:] if phone else "",  # masking.mask_phone of a mobile number
                    relation_value,
                    ethnicity,
                    party_value,
                    residence_value,
                    away_value,
                    works_away_place,
                ),
            )
        )
    return out


def code_message(label: str, raw, digits: int) -> str:
    if number_lost_digits(raw):
        return f"{label}被 Excel 存成了数字，末几位已丢失；请将该列设为文本格式后重新填写"
    return f"{label}应为{digits}位数字"


# --- the worker process ------------------------------------------------------------------------------------------


def main() -> int:
    """Worker: on stdin the rules, the layout, the stage file's path (or None), then lists of (row number,
    cells) and None; on stdout the checked rows of each list, one pickle per list, as soon as they are checked.
    With a stage file, ("stage", rows) messages bring rows the importer checked itself, to be staged too.

    With a stage file, the values of the valid rows go into it (table ``stage``: row_no, number, then
    STAGE_COLUMNS) instead of back through the pipe, and their answers carry STAGED: the importer then
    inserts them with one INSERT ... SELECT, and reads and unpickles none of them. The file is committed
    before the worker exits; an exit code other than 0 means it must not be used.
    """
    gc.disable()  # a short-lived process of acyclic tuples (see importer.gc_paused)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    rules = pickle.load(stdin)
    layout = pickle.load(stdin)
    if layout is None:
        return 0
    stage_path = pickle.load(stdin)
    check = RowChecker(rules, layout)
    stage = _open_stage(stage_path) if stage_path else None
    insert = f"INSERT INTO stage VALUES ({', '.join(['?'] * (len(STAGE_COLUMNS) + 2))})"
    while (message := pickle.load(stdin)) is not None:
        if message.__class__ is tuple:  # ("stage", rows): rows the importer checked itself, to stage
            stage.executemany(insert, message[1])
            continue
        checked = check(message)
        if stage is not None:
            rows, checked = split_staged(checked)
            stage.executemany(insert, rows)
        pickle.dump(checked, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()
    if stage is not None:
        stage.execute("COMMIT")
        stage.close()
    return 0


def split_staged(checked: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """(the stage table's rows of the valid rows, the checked rows with STAGED in place of their values)."""
    rows = [(i[0], i[1][0], *i[5]) for i in checked if len(i) == 6]
    return rows, [i if len(i) != 6 else (*i[:5], STAGED) for i in checked]


def _open_stage(path: str):
    import sqlite3

    stage = sqlite3.connect(path, isolation_level=None)
    stage.execute("PRAGMA journal_mode=OFF")
    stage.execute("PRAGMA synchronous=OFF")
    stage.execute(f"CREATE TABLE stage (row_no INTEGER PRIMARY KEY, number TEXT NOT NULL, {', '.join(STAGE_COLUMNS)})")
    stage.execute("BEGIN")
    return stage


if __name__ == "__main__":
    sys.exit(main())
