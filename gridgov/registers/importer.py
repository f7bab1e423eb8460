"""Reading a register workbook into households and residents: validate every row, then write all or nothing.

`validate()` reads the sheet once, checks every row (format, household consistency, places in the
importer's scope, what is already registered) and returns a `Plan`. The checks of a row on its own are in
`rowcheck`; for a large sheet a second process (`RowWorker`) shares them, batch by batch as it keeps up,
and the checks against other rows are then made here in row order. If the
plan has errors nothing is written and `error_workbook()` lists the bad rows. Otherwise `write()` takes the
new rows' ids and inserts the new households (with householder and member count) and residents in one
transaction, with `executemany` on SQLite and COPY on PostgreSQL (the ORM's bulk_create is about half as
fast). On SQLite the worker also writes the values of the valid rows it checked into a stage file (a small
SQLite database of its own, on the second core), and `write()` moves them into the resident table with one
INSERT ... SELECT: binding 100,000 rows from Python was half the cost of inserting them.

Rows are sealed (ID number, phone), blind-indexed and masked while they are validated, so the clear
values live only in memory (and the pipe to the worker) for the length of the import and never reach the
database, a disk or the logs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import logging
import os
import pickle
import queue
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from gridgov.core.bulk import insert_rows
from gridgov.households.choices import HouseType, Relation, ResidenceType
from gridgov.households.models import ID_CONTEXT, PHONE_CONTEXT, Household, Resident
from gridgov.places.choices import PlaceKind
from gridgov.places.divisions import known_region_codes
from gridgov.places.models import Place
from gridgov.registers import excel, rowcheck
from gridgov.registers.models import RegisterImport

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 2000
LOOKUP_CHUNK = 900  # stays under SQLite's oldest bound on query parameters
MAX_KEPT_WARNINGS = 200
# A workbook of at least this size (about 15,000 rows) is checked by two processes, if it has enough rows.
PARALLEL_MIN_BYTES = 1_000_000
PARALLEL_MIN_ROWS = 10_000
WORKER_BATCH = 1000  # rows per message to the worker
WORKER_AHEAD = 8  # batches sent to the worker and not yet answered, at most (a few ms of its work each)
WORKER_TIMEOUT = 600  # seconds
WORKER_COMMAND = ("-m", "gridgov.registers.rowcheck")  # arguments to the Python interpreter
STAGE_FILE = "stage.sqlite3"
STAGE_PREFIX = "gridgov-import-"
STAGE_SCHEMA = "import_stage"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger(__name__)


@dataclass(slots=True)
class Row:
    """One valid resident row: what the checks need, and its columns ready for the insert (ID number and
    phone already sealed, blind-indexed and masked; RESIDENT_COLUMNS from "name" to "works_away_place")."""

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
    key: tuple = ()  # (number, grid, cluster, address, house_type) as the first row gave them
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


class Reason(str):
    """Why a row is refused: the message (it compares, joins and prints as the plain text it is) and the column it
    is about (an excel.COLUMNS key), so that the page can show the cell next to the reason."""

    column = ""

    @classmethod
    def about(cls, column: str, message: str) -> Reason:
        reason = cls(message)
        reason.column = column
        return reason


@dataclass
class Plan:
    """The outcome of validation: what would be written, or why nothing may be."""

    total_rows: int = 0
    households: dict[str, HouseholdDraft] = field(default_factory=dict)
    errors: dict[int, list[Reason]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    warning_count: int = 0
    file_error: str = ""
    stage_dir: str | None = None  # the row worker's stage file lives here until the import ends (see close)
    stage_worker: RowWorker | None = None  # still writing the stage file when validation ends
    _stage_cleanup: weakref.finalize | None = field(default=None, repr=False)

    @property
    def stage_path(self) -> str | None:
        return os.path.join(self.stage_dir, STAGE_FILE) if self.stage_dir else None

    @property
    def staged(self) -> bool:
        """Whether rows wait in the stage file (their Row.values are rowcheck.STAGED)."""
        return any(r.values is rowcheck.STAGED for d in self.households.values() for r in d.rows)

    def stage_ready(self) -> None:
        """Wait for the row worker to finish the stage file; raise if it did not."""
        worker, self.stage_worker = self.stage_worker, None
        if worker is None:
            return
        finished = worker.finished(WORKER_TIMEOUT)
        worker.stop()  # ended already, or to be ended: its pipes and threads go
        if not finished:
            raise StageLost("the row worker did not finish the stage file")

    def load_staged(self) -> None:
        """Read the staged rows' values back into memory (inside a caller's transaction, and tests)."""
        if not self.staged:
            return
        self.stage_ready()
        with contextlib.closing(sqlite3.connect(self.stage_path)) as stage:
            values = {
                row[0]: row[2:]
                for row in stage.execute(f"SELECT row_no, number, {', '.join(rowcheck.STAGE_COLUMNS)} FROM stage")
            }
        for draft in self.households.values():
            for r in draft.rows:
                if r.values is rowcheck.STAGED:
                    r.values = values[r.row_no]

    def close(self) -> None:
        """Remove the stage file (names and household numbers, ID numbers and phones sealed or masked only)."""
        if self.stage_worker is not None:
            self.stage_worker.stop()
            self.stage_worker = None
        if self._stage_cleanup is not None:
            self._stage_cleanup()  # removes the directory, once
            self._stage_cleanup = None
        self.stage_dir = None

    def error(self, row_no: int, message: str, column: str) -> None:
        self.errors.setdefault(row_no, []).append(Reason.about(column, message))

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


@contextmanager
def gc_paused():
    """No cyclic garbage collection for a while. An import allocates millions of small tuples that hold no
    cycles, and the collector would scan them again and again as they pile up (a third of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def validate(data: bytes, scope: str, progress: Progress | None = None, *, parallel: bool = True) -> Plan:
    """Read and check every row. ``scope`` is the importer's place code (their subtree).

    Call the plan's ``close()`` when done with it: a large sheet's rows may wait in a stage file."""
    plan = Plan()
    try:
        with gc_paused():
            return _validate(plan, data, scope, progress, parallel)
    except BaseException:
        plan.close()
        raise


def _validate(plan: Plan, data: bytes, scope: str, progress: Progress | None, parallel: bool) -> Plan:
    rules = _rules()
    # A large workbook: a second process shares the row checks (started now, it is ready once the sheet is read).
    worker = RowWorker.start(rules) if parallel and len(data) >= PARALLEL_MIN_BYTES else None
    try:
        try:
            sheet = excel.open_sheet(data)
        except excel.SheetRejected as exc:
            plan.file_error = str(exc)
            return plan
        _read_rows(sheet, plan, rules, progress, worker)
        sheet.close()  # the parsed sheet is the largest thing in memory; the plan holds what is needed
    finally:
        if worker is not None and worker is not plan.stage_worker:
            worker.stop()
    if plan.total_rows == 0:
        plan.file_error = "表中没有数据行"
        return plan
    _check_places(plan, scope)
    _check_existing_households(plan, scope)
    _check_existing_residents(plan)
    _check_householders(plan)
    return plan


def _rules() -> rowcheck.Rules:
    choices = excel.values_by_label()
    return rowcheck.Rules(
        master_key=settings.GRIDGOV_MASTER_KEY,
        known_regions=known_region_codes(),
        today=dt.date.today(),
        ethnicities=excel.valid_ethnicities(),
        house_types=choices["house_type"],
        relations=choices["relation"],
        residence_types=choices["residence_type"],
        house_labels="、".join(excel.choice_labels("house_type")),
        relation_labels="、".join(excel.choice_labels("relation")),
        self_built=HouseType.SELF_BUILT.value,
        registered=ResidenceType.REGISTERED.value,
        householder=Relation.HOUSEHOLDER.value,
        id_context=ID_CONTEXT,
        phone_context=PHONE_CONTEXT,
    )


class StageLost(RuntimeError):
    """The row worker answered every batch but did not finish its stage file: validate again without it."""


class RowWorker:
    """A second process (``python -m gridgov.registers.rowcheck``) that checks batches of a large sheet's rows.

    It is started before the workbook is parsed here (so that its start-up costs nothing), gets batches
    through a pipe while this process checks the others, and sends back each batch as soon as it is
    checked. A thread here writes the pipe, another reads the answers, so neither process waits for the
    other. Should the worker fail, this process checks those rows itself: the worker only ever saves time
    (should it fail after answering, while it stages, `StageLost` tells the caller to validate again alone).
    """

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.outbox: queue.SimpleQueue = queue.SimpleQueue()
        self.answers: list[list[tuple]] = []
        self.answered = threading.Condition()  # notified at each answer, and when the stream ends
        self.ended = False  # the answer stream ended (set under ``answered``)
        self.sender = threading.Thread(target=self._send, name="register-import-send", daemon=True)
        self.receiver = threading.Thread(target=self._receive, name="register-import-receive", daemon=True)
        self.sender.start()
        self.receiver.start()

    @classmethod
    def start(cls, rules: rowcheck.Rules) -> RowWorker | None:
        if not os.path.basename(sys.executable or "").startswith("python"):
            return None  # embedded in a server binary (uWSGI): no interpreter to start, so one process does it all
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
        try:
            process = subprocess.Popen(
                [sys.executable, *WORKER_COMMAND],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # a traceback could quote a cell: clear values stay out of the logs
                cwd=PROJECT_ROOT,
                env=env,
            )
        except OSError:
            log.warning("register import: the row worker did not start; checking every row here", exc_info=True)
            return None
        worker = cls(process)
        worker.send(rules)
        return worker

    def send(self, item) -> None:
        """Queue an object for the worker (pickled here, written by the sender thread)."""
        self.outbox.put(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))

    def finish(self) -> None:
        """No more rows: the worker ends once it has answered the last batch."""
        self.send(None)
        self.outbox.put(b"")

    def _send(self) -> None:
        stdin = self.process.stdin
        try:
            while blob := self.outbox.get():
                stdin.write(blob)
            stdin.close()
        except (OSError, ValueError):  # the worker died: its answers will be short, and the rows checked here
            pass

    def _receive(self) -> None:
        """Unpickle each answer as it arrives (the pipe never fills, and the rows are ready when needed)."""
        stdout = self.process.stdout
        try:
            with contextlib.suppress(Exception):  # end of the stream, or a worker that died mid-answer
                while True:
                    answer = pickle.load(stdout)
                    with self.answered:
                        self.answers.append(answer)
                        self.answered.notify_all()
        finally:
            with self.answered:
                self.ended = True
                self.answered.notify_all()

    def results(self, batches: int, timeout: float, *, wait_for_exit: bool = True) -> list[list[tuple]] | None:
        """The worker's checked batches, or None if it did not answer all ``batches`` of them (or, waiting for
        it to exit, did not exit cleanly). Without waiting it may go on staging: see `finished`."""
        deadline = time.monotonic() + timeout
        with self.answered:
            while len(self.answers) < batches and not self.ended:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.answered.wait(left)
        if wait_for_exit and not self.finished(max(deadline - time.monotonic(), 0)):
            self.answers = []
        answers, self.answers = self.answers, []
        if len(answers) != batches:
            if self.receiver.is_alive():
                log.warning("register import: the row worker took longer than %s s; checking its rows here", timeout)
            else:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=5)
                code = self.process.poll()
                log.warning("register import: the row worker failed (exit %s); checking its rows here", code)
            return None
        return answers

    def finished(self, timeout: float) -> bool:
        """Wait for the worker to exit; whether it ended cleanly (its stage file, if any, is complete)."""
        self.receiver.join(timeout)
        if self.receiver.is_alive():
            return False
        self.process.wait()
        return self.process.returncode == 0

    def stop(self) -> None:
        self.outbox.put(b"")
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.sender.join()
        self.receiver.join()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError, ValueError):
                stream.close()


def _read_rows(
    sheet: excel.Sheet,
    plan: Plan,
    rules: rowcheck.Rules,
    progress: Progress | None,
    worker: RowWorker | None = None,
) -> None:
    """Check each row on its own (rowcheck), in batches shared with the worker as it keeps up, then, in row
    order, against the rows above it (duplicates, household agreement)."""
    width = len(sheet.headers)
    positions = tuple(sheet.columns.get(c.key, width) for c in excel.COLUMNS)  # a missing column reads the pad cell
    layout = rowcheck.Layout(width, positions)
    check = rowcheck.RowChecker(rules, layout)
    total = sheet.total_rows
    if worker is not None and total >= PARALLEL_MIN_ROWS:
        worker.send(layout)
        if connection.vendor == "sqlite":  # rows staged in a file are inserted in one INSERT ... SELECT
            _sweep_stages()
            plan.stage_dir = tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=settings.VAR_DIR)
            plan._stage_cleanup = weakref.finalize(plan, shutil.rmtree, plan.stage_dir, True)  # if close() is forgotten
        worker.send(plan.stage_path)
    elif worker is not None:
        worker.send(None)
        worker = None
    if progress is not None:
        progress(0, total)
    # Each batch goes to the worker while it has fewer than WORKER_AHEAD unanswered, else is checked here:
    # the two processes share the rows at whatever pace each gets from the machine.
    checked: list[list[tuple] | None] = []  # per batch, in row order; None: the worker's
    sent = 0
    done = 0
    every = max(PROGRESS_EVERY // WORKER_BATCH, 1)
    staging = plan.stage_dir is not None
    to_stage: list[list[tuple]] = []
    for batch in _batches(sheet.rows(), WORKER_BATCH):
        if worker is not None and sent - len(worker.answers) < WORKER_AHEAD:
            worker.send(batch)
            sent += 1
            checked.append(None)
        elif staging:  # checked here; its valid rows are staged by the worker once it has answered the rest
            rows, mine = rowcheck.split_staged(check(batch))
            to_stage.append(rows)
            checked.append(mine)
        else:
            checked.append(check(batch))
        done += len(batch)
        if progress is not None and len(checked) % every == 0:
            progress(min(done, total), total)
    theirs: list[list[tuple]] = []
    if worker is not None:
        for rows in to_stage:  # after the batches to check, so that their answers come first
            worker.send(("stage", rows))
        del to_stage
        worker.finish()
        answers = worker.results(sent, WORKER_TIMEOUT, wait_for_exit=not staging)
        if answers is not None and staging:
            plan.stage_worker = worker  # it goes on staging while the checks below run; see Plan.stage_ready
        if answers is None and staging:  # the stage file is unusable: check every batch here
            checked = [check(batch) for batch in _batches(sheet.rows(), WORKER_BATCH)]
            answers = []
        elif answers is None:  # check the worker's batches here
            answers = [
                check(batch)
                for batch, mine in zip(_batches(sheet.rows(), WORKER_BATCH), checked, strict=False)
                if mine is None
            ]
        theirs = answers
    theirs.reverse()
    seen_ids: dict[str, int] = {}
    count = 0
    for i, rows in enumerate(checked):
        checked[i] = None  # taken: its tuples can go
        rows = theirs.pop() if rows is None else rows
        count += len(rows)
        _take(plan, rows, seen_ids)
    plan.total_rows = count
    if progress is not None:
        progress(count, count)


def _sweep_stages() -> None:
    """Remove stage directories that outlived their import (an importer killed outright cleans up nothing)."""
    cutoff = time.time() - 2 * WORKER_TIMEOUT
    for path in Path(settings.VAR_DIR).glob(f"{STAGE_PREFIX}*"):
        with contextlib.suppress(OSError):
            if path.is_dir() and path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)


def _batches(rows, size: int):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _take(plan: Plan, checked: list[tuple], seen_ids: dict[str, int]) -> None:
    """The checks of each row against the rows above it, in row order; valid rows join their household."""
    households = plan.households
    householder = Relation.HOUSEHOLDER.value
    for item in checked:
        if len(item) == 6:
            row_no, household, relation, index, warning, values = item
            found, end_household, end_id = None, 0, 0
        else:
            row_no, household, relation, index, warning, values, found, end_household, end_id = item
        mismatch = duplicate = second_householder = None  # (column, message) of the checks against other rows
        draft = None
        if household is not None:
            number = household[0]
            draft = households.get(number)
            if draft is None:
                draft = households[number] = HouseholdDraft(*household, row_no, key=household)
                draft.row_numbers.append(row_no)
            elif household != draft.key:
                mismatch = _household_mismatch(draft, *household[1:])
                draft = None
            else:
                draft.row_numbers.append(row_no)
        if index is not None:
            first = seen_ids.get(index)
            if first is not None:
                duplicate = ("id_number", f"身份证号与第{first}行重复")
            else:
                seen_ids[index] = row_no
                if warning:
                    plan.warn(row_no, warning)
        if draft is not None and relation == householder:
            if draft.householder_row is None:
                draft.householder_row = row_no
            else:
                second_householder = ("relation", f"同一户有两位户主（第{draft.householder_row}行已是户主）")
        if values is not None and mismatch is None and duplicate is None and second_householder is None:
            draft.rows.append(Row(row_no, relation, index, values))
            continue
        found = found or []
        errors = found[:end_household]  # in the order the cells are read: household, name and ID, the rest
        if mismatch is not None:
            errors.append(mismatch)
        errors.extend(found[end_household:end_id])
        if duplicate is not None:
            errors.append(duplicate)
        errors.extend(found[end_id:])
        if second_householder is not None:
            errors.append(second_householder)
        plan.errors.setdefault(row_no, []).extend(Reason.about(column, message) for column, message in errors)


def _household_mismatch(
    draft: HouseholdDraft, grid: str, cluster: str, address: str, house_type: str
) -> tuple[str, str]:
    """(the first column that differs, the message naming every one)."""
    differ = [
        (column, label)
        for column, label, mine, theirs in (
            ("grid", "网格编码", grid, draft.grid),
            ("cluster", "联户编码", cluster, draft.cluster),
            ("address", "住址", address, draft.address),
            ("house_type", "房屋类型", house_type, draft.house_type),
        )
        if mine != theirs
    ]
    return differ[0][0], f"与同户第{draft.first_row}行的{'、'.join(label for _column, label in differ)}不一致"


def _error_all(plan: Plan, draft: HouseholdDraft, message: str, column: str) -> None:
    for row_no in draft.row_numbers:
        plan.error(row_no, message, column)


def _chunks(items: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _one_of(values: list[str]) -> RawSQL:
    """A subquery of the given strings, for ``field__in``: one query and one parameter however many there are
    (a list of parameters is capped at 999 on SQLite, and the ORM is slow to build long ones)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::text[])", [values])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values)])


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
            column = "grid" if kind == PlaceKind.GRID else "cluster"
            if found is None or found[1] != kind:
                _error_all(plan, draft, f"{label}编码 {code} 不存在", column)
            elif not _within(code, scope):
                _error_all(plan, draft, f"{label}编码 {code} 不在您的管辖范围内", column)
            elif kind == PlaceKind.GRID:
                draft.grid_id = found[0]
            else:
                draft.cluster_id = found[0]


def _check_existing_households(plan: Plan, scope: str) -> None:
    """A 户编号 already registered: the same household (same grid and cluster, in scope) gets only new members."""
    if not plan.households:
        return
    found = {
        row[0]: row[1:]
        for row in Household.objects.filter(number__in=_one_of(list(plan.households))).values_list(
            "number", "pk", "path", "grid__code", "cluster__code", "address", "house_type", "householder_id"
        )
    }
    for number, draft in plan.households.items():  # in row order, for the order of the warnings
        if number not in found or draft.grid_id is None:  # new, or its codes are already reported as wrong
            continue
        pk, path, grid_code, cluster_code, address, house_type, householder_id = found[number]
        if not _within(path, scope):
            _error_all(plan, draft, f"户编号 {number} 已被其他地域的户使用，请换一个户编号", "number")
            continue
        if (grid_code or "") != draft.grid or (cluster_code or "") != draft.cluster:
            where = cluster_code or grid_code or "（未分网格）"
            _error_all(
                plan, draft, f"户编号 {number} 已登记在 {where}，与本表的网格/联户编码不一致（导入不迁移户）", "number"
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
                    plan.error(row.row_no, "该身份证号已登记在其他户（如需迁户，请在系统中办理）", "id_number")


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
                    "relation",
                )
        elif new_householder is not None and draft.existing_householder_id is not None:
            plan.error(new_householder.row_no, f"户编号 {draft.number} 已有户主，不能再导入一位户主", "relation")


# --- writing ------------------------------------------------------------------------------------------------------

HOUSEHOLD_COLUMNS = (
    "created_at", "updated_at", "path", "number", "grid", "cluster", "address", "house_type", "householder",
    "member_count", "import_batch",
)  # fmt: skip
RESIDENT_COLUMNS = (
    "created_at", "updated_at", "path", "place", "household", "name", "id_number_sealed", "id_number_index",
    "id_number_masked", "sex", "birth_date", "phone_sealed", "phone_index", "phone_masked", "relation", "ethnicity",
    "is_party_member", "residence_type", "works_away", "works_away_place", "import_batch",
)  # fmt: skip
# Row.values holds RESIDENT_COLUMNS from "name" to "works_away_place".
assert RESIDENT_COLUMNS[5:-1] == rowcheck.STAGE_COLUMNS


@dataclass
class Written:
    households: int
    residents: int


@contextmanager
def write_transaction(plan: Plan | None = None):
    """The one transaction of a write. On SQLite, per-row foreign-key checks are off inside it (they cost
    about a third of the insert time); `write` re-checks every parent row at its start instead, under the
    transaction's write lock, so no parent can go missing before the commit. A plan's stage file is
    attached for the length of it (SQLite attaches only outside a transaction)."""
    stage = None
    if plan is not None and plan.staged:
        plan.stage_ready()
        if connection.in_atomic_block:  # inside a caller's transaction SQLite cannot attach: read them back
            plan.load_staged()
        else:
            stage = plan.stage_path
    if stage is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"ATTACH DATABASE %s AS {STAGE_SCHEMA}", [stage])
    try:
        with connection.constraint_checks_disabled(), transaction.atomic():
            yield
    finally:
        if stage is not None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"DETACH DATABASE {STAGE_SCHEMA}")
            except Exception:  # never hide the write's own error; a connection that cannot detach is not reused
                log.exception("register import: the stage file could not be detached")
                connection.close()


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
    with gc_paused():
        return _write(plan, batch_id)


def _write(plan: Plan, batch_id: int) -> Written:
    _check_parents(plan, batch_id)
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    qn = ops.quote_name
    household, resident = qn(Household._meta.db_table), qn(Resident._meta.db_table)
    hid, rid, batch, relation = qn("household_id"), qn("id"), qn("import_batch_id"), qn("relation")
    new = plan.new_households
    householder = Relation.HOUSEHOLDER.value
    created_rows = [r for d in plan.households.values() for r in d.rows if not r.existing]
    created = len(created_rows)
    # SQLite only: the row worker's rows wait in the attached stage file (see write_transaction).
    staged = any(r.values is rowcheck.STAGED for r in created_rows)
    with connection.cursor() as cursor:
        # Ids are taken before the insert, so that each new household is written with its householder and
        # member count, instead of two UPDATEs over the batch afterwards.
        if staged:  # a resident's id follows from its row number, so that SQL can give it to a staged row
            first_row = min(r.row_no for r in created_rows)
            start = _take_ids(cursor, Resident, max(r.row_no for r in created_rows) - first_row + 1)[0]
            offset = start - first_row
            resident_ids = (r.row_no + offset for r in created_rows)
        else:
            resident_ids = iter(_take_ids(cursor, Resident, created))
        household_ids = dict(zip((d.number for d in new), _take_ids(cursor, Household, len(new)), strict=True))
        household_rows, residents = [], []
        append = residents.append
        tail = (batch_id,)
        for draft in plan.households.values():
            head = (now, now, draft.path, draft.place_id, household_ids.get(draft.number, draft.existing_id))
            first_householder = None
            for r in draft.rows:
                if not r.existing:
                    pk = next(resident_ids)
                    if r.values is not rowcheck.STAGED:
                        append((pk,) + head + r.values + tail)
                    if first_householder is None and r.relation == householder:
                        first_householder = pk
            if draft.existing_id is None:
                household_rows.append(
                    (household_ids[draft.number], now, now, draft.path, draft.number, draft.grid_id, draft.cluster_id,
                     draft.address, draft.house_type, first_householder, len(draft.rows), batch_id)
                )  # fmt: skip
        grown = created - sum(len(d.rows) for d in new)  # new members of households already registered
        _insert(Household, ("id", *HOUSEHOLD_COLUMNS), household_rows)
        del household_rows
        _insert(Resident, ("id", *RESIDENT_COLUMNS), residents)
        del residents
        if staged:
            _insert_staged(cursor, plan, household_ids, offset, now, batch_id)
        if grown:
            # Set-based, and by joins rather than correlated subqueries: both planners do these well even
            # before the new rows are in the statistics.
            cursor.execute(
                f"UPDATE {household} SET {qn('householder_id')} = h.first_id, {qn('updated_at')} = %s"
                f" FROM (SELECT {hid}, MIN({rid}) AS first_id FROM {resident}"
                f" WHERE {batch} = %s AND {relation} = %s GROUP BY {hid}) AS h"
                f" WHERE {household}.{rid} = h.{hid} AND {household}.{qn('householder_id')} IS NULL",
                [now, batch_id, householder],
            )
            cursor.execute(
                f"UPDATE {household} SET {qn('member_count')} = c.members, {qn('updated_at')} = %s"
                f" FROM (SELECT {hid}, COUNT(*) AS members FROM {resident}"
                f" WHERE {hid} IN (SELECT {hid} FROM {resident} WHERE {batch} = %s) GROUP BY {hid}) AS c"
                f" WHERE {household}.{rid} = c.{hid}",
                [now, batch_id],
            )
    return Written(households=len(new), residents=created)


def _insert_staged(cursor, plan: Plan, household_ids: dict[str, int], offset: int, now, batch_id: int) -> None:
    """The staged rows, from the attached stage file into the resident table in one INSERT ... SELECT,
    with their households' ids, paths and places from a temporary table."""
    qn = connection.ops.quote_name
    cursor.execute(
        "CREATE TEMP TABLE import_households"
        " (number TEXT PRIMARY KEY, household_id INTEGER, path TEXT, place_id INTEGER)"
    )
    try:
        cursor.executemany(
            "INSERT INTO temp.import_households VALUES (%s, %s, %s, %s)",
            [
                (d.number, household_ids.get(d.number, d.existing_id), d.path, d.place_id)
                for d in plan.households.values()
            ],
        )
        wanted = [r.row_no for d in plan.households.values() for r in d.rows if r.values is rowcheck.STAGED]
        existing = [r.row_no for d in plan.households.values() for r in d.rows if r.existing]
        columns = ", ".join(qn(Resident._meta.get_field(n).column) for n in ("id", *RESIDENT_COLUMNS))
        values = ", ".join(f"s.{c}" for c in rowcheck.STAGE_COLUMNS)
        cursor.execute(
            f"INSERT INTO {qn(Resident._meta.db_table)} ({columns})"
            f" SELECT s.row_no + %s, %s, %s, h.path, h.place_id, h.household_id, {values}, %s"
            f" FROM {STAGE_SCHEMA}.stage s JOIN temp.import_households h ON h.number = s.number"
            f" WHERE s.row_no NOT IN (SELECT value FROM json_each(%s)) ORDER BY s.row_no",
            [offset, now, now, batch_id, json.dumps(existing)],
        )
        expected = len(wanted) - len(set(existing) & set(wanted))
        if cursor.rowcount != expected:
            raise IntegrityError(f"the stage file gave {cursor.rowcount} rows, not {expected}")
    finally:
        cursor.execute("DROP TABLE temp.import_households")


def _take_ids(cursor, model, count: int):
    """``count`` primary keys for new rows of ``model``, taken as the database would hand them out."""
    if not count:
        return range(0)
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [pk for (pk,) in cursor.fetchall()]
    # SQLite, under this transaction's write lock: AUTOINCREMENT gives ids above both the largest ever
    # handed out (sqlite_sequence) and the largest present; inserting explicit ids moves the sequence on.
    cursor.execute(
        f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"
        f" COALESCE((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 0))",
        [table],
    )
    start = cursor.fetchone()[0] + 1
    return range(start, start + count)


def _insert(model, names: tuple[str, ...], rows: list[tuple]) -> None:
    insert_rows(model._meta.db_table, [model._meta.get_field(n).column for n in names], rows)
