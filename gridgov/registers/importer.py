"""Reading a register workbook into households and residents: validate every row, then write all or nothing.

`validate()` reads the sheet once, checks every row (format, household consistency, places in the
importer's scope, what is already registered) and returns a `Plan`. If the plan has errors nothing is
written and `error_workbook()` lists the bad rows. Otherwise `write()` inserts the new households and
residents in one transaction, with `executemany` on SQLite and COPY on PostgreSQL (the ORM's bulk_create
is about half as fast), then sets householders and member counts with two set-based UPDATEs.

Rows are sealed (ID number, phone), blind-indexed and masked while they are validated, so the clear
values live only in memory for the length of the import and never reach the database or the logs.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from gridgov.core.pii import sealer
from gridgov.households.choices import HouseType, Relation, ResidenceType
from gridgov.households.models import ID_CONTEXT, PHONE_CONTEXT, Household, Resident
from gridgov.places.choices import PlaceKind
from gridgov.places.divisions import known_region_codes
from gridgov.places.models import Place
from gridgov.registers import excel
from gridgov.registers.models import RegisterImport
from gridgov.utils.idnumber import InvalidIdNumber, InvalidPhone, normalize_phone, parse_id_number
from gridgov.utils.masking import mask_id_number, mask_phone

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 2000
LOOKUP_CHUNK = 900  # stays under SQLite's oldest bound on query parameters
MAX_KEPT_WARNINGS = 200

GRID_DIGITS, CLUSTER_DIGITS = 16, 18
YES_NO = {"是": True, "否": False, "": False, "Y": True, "N": False, "y": True, "n": False, "1": True, "0": False}
LIMITS = {"number": 32, "address": 200, "name": 50, "works_away_place": 100}


@dataclass(slots=True)
class Row:
    """One valid resident row: what the checks need, and its columns ready for the insert (ID number and
    phone already sealed, blind-indexed and masked; the order is given beside RESIDENT_COLUMNS)."""

    row_no: int
    relation: str
    index: str  # blind index of the ID number
    values: tuple
    existing: bool = False


@dataclass(slots=True)
class HouseholdDraft:
    """The rows of one 户编号 and the household fields they agree on."""

    number: str
    grid: str
    cluster: str
    address: str
    house_type: str
    first_row: int
    row_numbers: list[int] = field(default_factory=list)  # every row that belongs here
    rows: list[Row] = field(default_factory=list)  # the valid ones
    householder_row: int | None = None
    grid_id: int | None = None
    cluster_id: int | None = None
    existing_id: int | None = None
    existing_householder_id: int | None = None

    @property
    def place_id(self) -> int | None:
        return self.cluster_id or self.grid_id

    @property
    def path(self) -> str:
        return self.cluster or self.grid


@dataclass
class Plan:
    """The outcome of validation: what would be written, or why nothing may be."""

    total_rows: int = 0
    households: dict[str, HouseholdDraft] = field(default_factory=dict)
    errors: dict[int, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    warning_count: int = 0
    file_error: str = ""

    def error(self, row_no: int, message: str) -> None:
        self.errors.setdefault(row_no, []).append(message)

    def warn(self, row_no: int, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_KEPT_WARNINGS:
            self.warnings.append(f"第{row_no}行：{message}")

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    @property
    def new_households(self) -> list[HouseholdDraft]:
        return [d for d in self.households.values() if d.existing_id is None]

    @property
    def unchanged_residents(self) -> int:
        return sum(1 for d in self.households.values() for r in d.rows if r.existing)


# --- validation ---------------------------------------------------------------------------------------------------


def validate(data: bytes, scope: str, progress: Progress | None = None) -> Plan:
    """Read and check every row. ``scope`` is the importer's place code (their subtree)."""
    plan = Plan()
    try:
        sheet = excel.open_sheet(data)
    except excel.SheetRejected as exc:
        plan.file_error = str(exc)
        return plan
    _read_rows(sheet, plan, progress)
    sheet.close()  # the parsed sheet is the largest thing in memory; the plan holds what is needed
    if plan.total_rows == 0:
        plan.file_error = "表中没有数据行"
        return plan
    _check_places(plan, scope)
    _check_existing_households(plan, scope)
    _check_existing_residents(plan)
    _check_householders(plan)
    return plan


def _read_rows(sheet: excel.Sheet, plan: Plan, progress: Progress | None) -> None:
    """Check each row on its own and against the rows above it (duplicates, household agreement).

    This loop runs once per resident, so it is written for speed: locals, no per-cell helpers on the
    common path, and messages built only for bad rows.
    """
    width = len(sheet.headers)
    positions = [sheet.columns.get(c.key, width) for c in excel.COLUMNS]  # a missing column reads the pad cell
    pick = operator.itemgetter(*positions)
    known = known_region_codes()
    today = dt.date.today()
    ethnicities = excel.valid_ethnicities()
    seen_ids: dict[str, int] = {}
    households = plan.households
    cell_text = excel.cell_text
    lost_digits = excel.number_lost_digits
    strip = str.strip
    choices = excel.values_by_label()
    house_types, relations, residence_types = choices["house_type"], choices["relation"], choices["residence_type"]
    yes_no = YES_NO
    householder = Relation.HOUSEHOLDER.value
    max_number, max_address, max_name, max_place = (
        LIMITS["number"], LIMITS["address"], LIMITS["name"], LIMITS["works_away_place"]
    )  # fmt: skip
    s = sealer()
    seal, blind_index = s.seal, s.blind_index
    adapt_date = connection.ops.adapt_datefield_value
    total = sheet.total_rows
    if progress is not None:
        progress(0, total)
    count = 0
    for row_no, cells in sheet.rows():
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count, total)
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        cells.append("")
        raw = pick(cells)
        try:  # the common case: every cell is text and none carries our formula-guard quote
            texts = list(map(strip, raw))
            if "\0'" in "\0" + "\0".join(texts):
                raise TypeError
        except TypeError:
            texts = [cell_text(v) for v in raw]
        (number, grid, cluster, address, house_type, name, id_number, relation, phone, ethnicity, party,
         residence_type, works_away, works_away_place) = texts  # fmt: skip
        errors: list[str] = []

        # -- household fields
        if not grid.isascii():
            grid = excel.ascii_code(grid)
        if not cluster.isascii():
            cluster = excel.ascii_code(cluster)
        if not number:
            errors.append("户编号不能为空")
        elif len(number) > max_number:
            errors.append(f"户编号过长（最多{max_number}个字）")
        if not grid:
            errors.append("网格编码不能为空")
        elif len(grid) != GRID_DIGITS or not (grid.isascii() and grid.isdigit()) or lost_digits(raw[1]):
            errors.append(_code_message("网格编码", raw[1], 16))
        if cluster:
            if len(cluster) != CLUSTER_DIGITS or not (cluster.isascii() and cluster.isdigit()) or lost_digits(raw[2]):
                errors.append(_code_message("联户编码", raw[2], 18))
            elif grid and not cluster.startswith(grid):
                errors.append(f"联户编码 {cluster} 不属于网格 {grid}")
        if not address:
            errors.append("住址不能为空")
        elif len(address) > max_address:
            errors.append(f"住址过长（最多{max_address}个字）")
        house_value = house_types.get(house_type) if house_type else HouseType.SELF_BUILT.value
        if house_value is None:
            errors.append(f"房屋类型“{house_type}”无效，可选：{'、'.join(excel.choice_labels('house_type'))}")
        draft = None
        if not errors:
            draft = households.get(number)
            if draft is None:
                draft = households[number] = HouseholdDraft(number, grid, cluster, address, house_value, row_no)
                draft.row_numbers.append(row_no)
            elif (grid, cluster, address, house_value) != (draft.grid, draft.cluster, draft.address, draft.house_type):
                errors.append(_household_mismatch(draft, grid, cluster, address, house_value))
                draft = None
            else:
                draft.row_numbers.append(row_no)

        # -- resident fields
        if not name:
            errors.append("姓名不能为空")
        elif len(name) > max_name:
            errors.append(f"姓名过长（最多{max_name}个字）")
        parsed = None
        if not id_number:
            errors.append("身份证号不能为空")
        elif raw[6].__class__ is float and lost_digits(raw[6]):
            errors.append("身份证号被 Excel 存成了数字，末几位已丢失；请将该列设为文本格式后重新填写")
        else:
            try:
                parsed = parse_id_number(
                    id_number if id_number.isascii() else excel.ascii_code(id_number), known, today
                )
            except InvalidIdNumber as exc:
                errors.append(str(exc))
            else:
                first = seen_ids.get(parsed.value)
                if first is not None:
                    errors.append(f"身份证号与第{first}行重复")
                    parsed = None
                else:
                    seen_ids[parsed.value] = row_no
                    if parsed.warnings:
                        for message in parsed.warnings:
                            plan.warn(row_no, message)
        relation_value = relations.get(relation)
        if relation_value is None:
            if not relation:
                errors.append("与户主关系不能为空")
            else:
                errors.append(f"与户主关系“{relation}”无效，可选：{'、'.join(excel.choice_labels('relation'))}")
        if phone:
            try:
                phone = normalize_phone(phone if phone.isascii() else excel.ascii_code(phone))
            except InvalidPhone as exc:
                errors.append(str(exc))
        if not ethnicity:
            ethnicity = "汉族"
        elif ethnicity not in ethnicities:
            if ethnicity + "族" in ethnicities:
                ethnicity += "族"
            else:
                errors.append(f"民族“{ethnicity}”无效，请填写全称，如 汉族、苗族")
        party_value = yes_no.get(party)
        if party_value is None:
            errors.append(f"是否党员应填“是”或“否”，不是“{party}”")
        residence_value = residence_types.get(residence_type) if residence_type else ResidenceType.REGISTERED.value
        if residence_value is None:
            errors.append(f"人口类型“{residence_type}”无效，可选：户籍人口、流动人口")
        away_value = yes_no.get(works_away)
        if away_value is None:
            errors.append(f"是否外出务工应填“是”或“否”，不是“{works_away}”")
        if len(works_away_place) > max_place:
            errors.append(f"务工地过长（最多{max_place}个字）")
        if draft is not None and relation_value == householder:
            if draft.householder_row is None:
                draft.householder_row = row_no
            else:
                errors.append(f"同一户有两位户主（第{draft.householder_row}行已是户主）")

        if errors:
            plan.errors.setdefault(row_no, []).extend(errors)
            continue
        id_value = parsed.value
        draft.rows.append(
            Row(
                row_no,
                relation_value,
                blind_index(id_value, ID_CONTEXT),
                (
                    name,
                    seal(id_value, ID_CONTEXT),
                    mask_id_number(id_value),
                    parsed.sex,
                    adapt_date(parsed.birth_date),
                    seal(phone, PHONE_CONTEXT) if phone else None,
                    blind_index(phone, PHONE_CONTEXT) if phone else "",
                    mask_phone(phone) if phone else "",
                    relation_value,
                    ethnicity,
                    party_value,
                    residence_value,
                    away_value,
                    works_away_place,
                ),
            )
        )
    plan.total_rows = count
    if progress is not None:
        progress(count, count)


def _household_mismatch(draft: HouseholdDraft, grid: str, cluster: str, address: str, house_type: str) -> str:
    differ = [
        label
        for label, mine, theirs in (
            ("网格编码", grid, draft.grid),
            ("联户编码", cluster, draft.cluster),
            ("住址", address, draft.address),
            ("房屋类型", house_type, draft.house_type),
        )
        if mine != theirs
    ]
    return f"与同户第{draft.first_row}行的{'、'.join(differ)}不一致"


def _code_message(label: str, raw, digits: int) -> str:
    if excel.number_lost_digits(raw):
        return f"{label}被 Excel 存成了数字，末几位已丢失；请将该列设为文本格式后重新填写"
    return f"{label}应为{digits}位数字"


def _error_all(plan: Plan, draft: HouseholdDraft, message: str) -> None:
    for row_no in draft.row_numbers:
        plan.error(row_no, message)


def _chunks(items: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _within(code: str, scope: str) -> bool:
    return code.startswith(scope)


def _check_places(plan: Plan, scope: str) -> None:
    """Grid and cluster codes exist, are of the right level, and lie inside the importer's scope."""
    codes = sorted({d.grid for d in plan.households.values()} | {d.cluster for d in plan.households.values()} - {""})
    places: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(codes):
        for pk, code, kind in Place.objects.filter(code__in=chunk).values_list("pk", "code", "kind"):
            places[code] = (pk, kind)
    for draft in plan.households.values():
        for code, label, kind in ((draft.grid, "网格", PlaceKind.GRID), (draft.cluster, "联户", PlaceKind.CLUSTER)):
            if not code:
                continue
            found = places.get(code)
            if found is None or found[1] != kind:
                _error_all(plan, draft, f"{label}编码 {code} 不存在")
            elif not _within(code, scope):
                _error_all(plan, draft, f"{label}编码 {code} 不在您的管辖范围内")
            elif kind == PlaceKind.GRID:
                draft.grid_id = found[0]
            else:
                draft.cluster_id = found[0]


def _check_existing_households(plan: Plan, scope: str) -> None:
    """A 户编号 already registered: the same household (same grid and cluster, in scope) gets only new members."""
    numbers = list(plan.households)
    for chunk in _chunks(numbers):
        found = Household.objects.filter(number__in=chunk).values_list(
            "number", "pk", "path", "grid__code", "cluster__code", "address", "house_type", "householder_id"
        )
        for number, pk, path, grid_code, cluster_code, address, house_type, householder_id in found:
            draft = plan.households[number]
            if draft.grid_id is None:  # its codes are already reported as wrong
                continue
            if not _within(path, scope):
                _error_all(plan, draft, f"户编号 {number} 已被其他地域的户使用，请换一个户编号")
                continue
            if (grid_code or "") != draft.grid or (cluster_code or "") != draft.cluster:
                where = cluster_code or grid_code or "（未分网格）"
                _error_all(
                    plan, draft, f"户编号 {number} 已登记在 {where}，与本表的网格/联户编码不一致（导入不迁移户）"
                )
                continue
            draft.existing_id = pk
            draft.existing_householder_id = householder_id
            if address != draft.address or house_type != draft.house_type:
                plan.warn(draft.first_row, f"户编号 {number} 已登记，住址或房屋类型与系统不同，以系统为准未作修改")


def _check_existing_residents(plan: Plan) -> None:
    """De-duplicate by ID number (blind index): a resident already in this household is left unchanged."""
    by_index: dict[str, tuple[HouseholdDraft, Row]] = {}
    for draft in plan.households.values():
        for row in draft.rows:
            by_index[row.index] = (draft, row)
    table = connection.ops.quote_name(Resident._meta.db_table)
    index_col = connection.ops.quote_name(Resident._meta.get_field("id_number_index").column)
    household_col = connection.ops.quote_name(Resident._meta.get_field("household").column)
    with connection.cursor() as cursor:
        for chunk in _chunks(list(by_index)):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {index_col}, {household_col} FROM {table} WHERE {index_col} IN ({marks})", chunk)
            for index, household_id in cursor.fetchall():
                draft, row = by_index[index]
                if draft.existing_id is not None and household_id == draft.existing_id:
                    row.existing = True
                else:
                    plan.error(row.row_no, "该身份证号已登记在其他户（如需迁户，请在系统中办理）")


def _check_householders(plan: Plan) -> None:
    """A new household has exactly one householder; an existing one with a householder gets no second.

    "No householder" is only said of a household whose rows are otherwise all valid: a bad row may be
    the householder's.
    """
    for draft in plan.households.values():
        new_householder = next((r for r in draft.rows if r.relation == Relation.HOUSEHOLDER and not r.existing), None)
        if draft.existing_id is None:
            if draft.householder_row is None and len(draft.rows) == len(draft.row_numbers):
                plan.error(
                    draft.first_row,
                    f"户编号 {draft.number} 没有户主：本户 {len(draft.row_numbers)} 行中须有一行与户主关系为“户主”",
                )
        elif new_householder is not None and draft.existing_householder_id is not None:
            plan.error(new_householder.row_no, f"户编号 {draft.number} 已有户主，不能再导入一位户主")


# --- the error workbook -------------------------------------------------------------------------------------------


def error_workbook(data: bytes, plan: Plan) -> bytes:
    """The bad rows as the clerk wrote them (ID numbers and phones masked), with the reasons."""
    sheet = excel.open_sheet(data, max_rows=10**9)
    positions = [(c, sheet.columns.get(c.key, -1)) for c in excel.COLUMNS]
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
            values = []
            for column, position in positions:
                text = excel.cell_text(cells[position]) if 0 <= position < len(cells) else ""
                if column.key == "id_number":
                    text = mask_id_number(text) if text else ""
                elif column.key == "phone":
                    text = mask_phone(text) if text else ""
                values.append(text)
            writer.write([str(row_no), *values, "；".join(reasons)])
        sheet.close()
        writer.close()
        with open(path, "rb") as f:
            return f.read()


# --- writing ------------------------------------------------------------------------------------------------------

HOUSEHOLD_COLUMNS = (
    "created_at", "updated_at", "path", "number", "grid", "cluster", "address", "house_type", "member_count",
    "import_batch",
)  # fmt: skip
RESIDENT_COLUMNS = (
    "created_at", "updated_at", "path", "place", "household", "name", "id_number_sealed", "id_number_index",
    "id_number_masked", "sex", "birth_date", "phone_sealed", "phone_index", "phone_masked", "relation", "ethnicity",
    "is_party_member", "residence_type", "works_away", "works_away_place", "import_batch",
)  # fmt: skip
# Row.values holds RESIDENT_COLUMNS from "name" to "works_away_place" without "id_number_index" (Row.index).


def _insert_sql(model, names: tuple[str, ...]) -> str:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(n).column) for n in names)
    marks = ", ".join(["%s"] * len(names))
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"


@dataclass
class Written:
    households: int
    residents: int


@contextmanager
def write_transaction():
    """The one transaction of a write. On SQLite, per-row foreign-key checks are off inside it (they cost
    about a third of the insert time); `write` re-checks every parent row at its start instead, under the
    transaction's write lock, so no parent can go missing before the commit."""
    with connection.constraint_checks_disabled(), transaction.atomic():
        yield


def _check_parents(plan: Plan, batch_id: int) -> None:
    places = {d.grid_id for d in plan.households.values()} | {d.cluster_id for d in plan.households.values()}
    places.discard(None)
    households = [d.existing_id for d in plan.households.values() if d.existing_id is not None]
    found_places = sum(Place.objects.filter(pk__in=chunk).count() for chunk in _chunks(sorted(places)))
    found_households = sum(Household.objects.filter(pk__in=chunk).count() for chunk in _chunks(households))
    if (found_places, found_households) != (len(places), len(households)) or not RegisterImport.objects.filter(
        pk=batch_id
    ).exists():
        raise IntegrityError("a place or household of the import was deleted while it was validated")


def write(plan: Plan, batch_id: int) -> Written:
    """Insert the plan's new households and residents, inside `write_transaction()`."""
    assert plan.ok and transaction.get_connection().in_atomic_block
    _check_parents(plan, batch_id)
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    qn = ops.quote_name
    household, resident = qn(Household._meta.db_table), qn(Resident._meta.db_table)
    hid, rid, batch, relation = qn("household_id"), qn("id"), qn("import_batch_id"), qn("relation")
    new = plan.new_households
    with connection.cursor() as cursor:
        _insert(
            cursor,
            Household,
            HOUSEHOLD_COLUMNS,
            [(now, now, d.path, d.number, d.grid_id, d.cluster_id, d.address, d.house_type, 0, batch_id) for d in new],
        )
        household_ids = dict(plan_existing_ids(plan))
        if new:
            cursor.execute(f"SELECT {qn('number')}, {rid} FROM {household} WHERE {batch} = %s", [batch_id])
            household_ids.update(cursor.fetchall())
        residents = _resident_rows(plan, household_ids, now, batch_id)
        _insert(cursor, Resident, RESIDENT_COLUMNS, residents)
        created = len(residents)
        del residents
        if created:
            # Set-based, and by joins rather than correlated subqueries: both planners do these well even
            # before the new rows are in the statistics.
            cursor.execute(
                f"UPDATE {household} SET {qn('householder_id')} = h.first_id, {qn('updated_at')} = %s"
                f" FROM (SELECT {hid}, MIN({rid}) AS first_id FROM {resident}"
                f" WHERE {batch} = %s AND {relation} = %s GROUP BY {hid}) AS h"
                f" WHERE {household}.{rid} = h.{hid} AND {household}.{qn('householder_id')} IS NULL",
                [now, batch_id, Relation.HOUSEHOLDER.value],
            )
            cursor.execute(
                f"UPDATE {household} SET {qn('member_count')} = c.members, {qn('updated_at')} = %s"
                f" FROM (SELECT {hid}, COUNT(*) AS members FROM {resident}"
                f" WHERE {hid} IN (SELECT {hid} FROM {resident} WHERE {batch} = %s) GROUP BY {hid}) AS c"
                f" WHERE {household}.{rid} = c.{hid}",
                [now, batch_id],
            )
    return Written(households=len(new), residents=created)


def _insert(cursor, model, names: tuple[str, ...], rows: list[tuple]) -> None:
    """executemany on SQLite; COPY on PostgreSQL (executemany there is a round trip per row)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        columns = ", ".join(qn(model._meta.get_field(n).column) for n in names)
        with cursor.cursor.copy(f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.executemany(_insert_sql(model, names), rows)


def plan_existing_ids(plan: Plan):
    for draft in plan.households.values():
        if draft.existing_id is not None:
            yield draft.number, draft.existing_id


def _resident_rows(plan: Plan, household_ids: dict[str, int], now, batch_id: int) -> list[tuple]:
    out = []
    append = out.append
    for draft in plan.households.values():
        head = (now, now, draft.path, draft.place_id, household_ids[draft.number])
        for r in draft.rows:
            if not r.existing:
                append((*head, r.values[0], r.values[1], r.index, *r.values[2:], batch_id))
    return out
