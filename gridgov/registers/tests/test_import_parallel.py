"""A large sheet is checked by two processes; the outcome is exactly that of one process, and a failed
worker only costs time."""

import datetime as dt
import os
import shutil
import sqlite3
import tempfile
import time

import pytest
from django.conf import settings
from django.db import IntegrityError, connection

from gridgov.core.pii import sealer
from gridgov.households.models import ID_CONTEXT, PHONE_CONTEXT, Household, Resident, id_number_index, phone_index
from gridgov.registers import actions, importer, rowcheck
from gridgov.registers.choices import ImportStatus
from gridgov.registers.tests.workbooks import GRID_A, id_number, phone, register_rows, workbook
from gridgov.utils.idnumber import make_id_number

ROWS = 60  # Excel rows 2-61 in households of 4, in batches of 7; the worker gets at least the first three
BAD_PHONE = "手机号应为11位，以1开头，第二位为3-9"
BAD_PARTY = "是否党员应填“是”或“否”，不是“也许”"


@pytest.fixture
def two_processes(monkeypatch):
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(importer, "WORKER_BATCH", 7)


def tricky_rows() -> list[dict]:
    """Errors that depend on rows of other batches, and errors of a row's own in batches of both processes
    (rows[i] is Excel row i + 2)."""
    rows = register_rows(ROWS)
    rows[2]["联系电话"] = "12345"  # row 4 (the worker's: batch 1)
    rows[10]["身份证号"] = make_id_number("110999", dt.date(1960, 1, 1), 5)  # row 12: an unknown address code
    rows[20].update({"姓名": "", "身份证号": rows[58]["身份证号"], "是否党员": "也许"})  # row 22; row 60 repeats it
    rows[33].update({"住址": "别处", "姓名": "名" * 51})  # row 35 disagrees with row 34, its household's first
    rows[40].update({"姓名": "", "身份证号": rows[3]["身份证号"], "是否党员": "也许"})  # row 42 repeats row 5
    rows[44]["身份证号"] = make_id_number("110998", dt.date(1961, 2, 2), 7)  # row 46
    rows[45]["联系电话"] = "12345"  # row 47
    rows[50]["与户主关系"] = "户主"  # row 52: a second householder beside row 50
    return rows


def outcome(plan: importer.Plan):
    """Everything validation found, with the sealed values opened (their nonces differ from run to run)."""
    plan.load_staged()
    s = sealer()
    households = {
        number: (d.key, d.row_numbers, d.householder_row, [(r.row_no, r.relation, r.index) for r in d.rows])
        for number, d in plan.households.items()
    }
    values = [
        (v[0], s.open(v[1], ID_CONTEXT), *v[2:6], v[6] and s.open(v[6], PHONE_CONTEXT), *v[7:])
        for d in plan.households.values()
        for v in (r.values for r in d.rows)
    ]
    return plan.total_rows, plan.errors, plan.warnings, plan.warning_count, households, values


def test_two_processes_find_exactly_what_one_process_finds(world, monkeypatch):
    data = workbook(tricky_rows())
    one = importer.validate(data, world.town.code)
    answered = []  # how many batches the worker checked
    results = importer.RowWorker.results
    monkeypatch.setattr(
        importer.RowWorker, "results", lambda self, *a, **k: (r := results(self, *a, **k), answered.append(len(r)))[0]
    )
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(importer, "WORKER_BATCH", 7)

    two = importer.validate(data, world.town.code)

    assert len(answered) == 1 and answered[0] >= importer.WORKER_AHEAD
    if connection.vendor == "sqlite":  # the worker's valid rows wait in its stage file
        staged = [r.row_no for d in two.households.values() for r in d.rows if r.values is rowcheck.STAGED]
        assert staged and os.path.exists(two.stage_path)
    else:
        assert two.stage_dir is None and not two.staged
    assert outcome(two) == outcome(one)
    two.close()
    assert two.stage_dir is None
    assert two.errors == {
        4: [BAD_PHONE],
        22: ["姓名不能为空", BAD_PARTY],
        35: ["与同户第34行的住址不一致", "姓名过长（最多50个字）"],
        42: ["姓名不能为空", "身份证号与第5行重复", BAD_PARTY],
        47: [BAD_PHONE],
        52: ["同一户有两位户主（第50行已是户主）"],
        60: ["身份证号与第22行重复"],
    }
    assert two.warnings == [
        "第12行：地址码 110999 不在现行区划代码中（可能是旧代码）",
        "第46行：地址码 110998 不在现行区划代码中（可能是旧代码）",
    ]
    assert two.total_rows == ROWS


@pytest.mark.django_db(transaction=True)  # the stage file is attached only outside a transaction
def test_a_large_file_imports_through_two_processes_and_again_adds_nothing(world, two_processes):
    data = workbook(register_rows(ROWS))
    before = Resident.objects.count()
    stages = {n for n in os.listdir(settings.VAR_DIR) if n.startswith("gridgov-import-")}

    first = actions.run_import(actions.create_import(world.town_staff, filename="r.xlsx", data=data), data)
    again = actions.run_import(actions.create_import(world.town_staff, filename="r.xlsx", data=data), data)

    assert (first.status, first.created_households, first.created_residents) == (ImportStatus.IMPORTED, 15, ROWS)
    assert {n for n in os.listdir(settings.VAR_DIR) if n.startswith("gridgov-import-")} == stages  # removed
    assert (again.status, again.created_residents, again.unchanged_residents) == (ImportStatus.IMPORTED, 0, ROWS)
    assert Resident.objects.count() == before + ROWS
    resident = Resident.objects.get(import_batch=first, name="测试9")  # row 11, checked by the worker
    assert (resident.reveal_id_number(), resident.reveal_phone(), resident.id_number_masked, resident.phone_masked) == (
        id_number(9),
        "13900000009",
        id_number(9)[:6] + "********" + id_number(9)[-4:],
        "139****0009",
    )
    assert (resident.id_number_index, resident.phone_index, resident.sex, resident.birth_date) == (
        id_number_index(id_number(9)),
        phone_index("13900000009"),
        "M" if int(id_number(9)[16]) % 2 else "F",
        dt.date(1950, 1, 10),
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="rows are staged on SQLite only")
@pytest.mark.django_db(transaction=True)
def test_a_stage_file_short_of_rows_writes_nothing(world, two_processes):
    data = workbook(register_rows(ROWS))
    register_import = actions.create_import(world.town_staff, filename="r.xlsx", data=data)
    plan = importer.validate(data, world.town.code)
    assert plan.ok and plan.staged
    plan.stage_ready()
    with open(plan.stage_path, "rb") as f:  # the stage file holds ID numbers and phones sealed only
        raw = f.read()
    assert raw.count("测试".encode()) == ROWS  # the names are in it...
    for i in range(ROWS):  # ...but no clear ID number or phone, in any encoding
        for secret in (id_number(i), phone(i)):
            assert secret.encode() not in raw and secret.encode("utf-16-le") not in raw
    with sqlite3.connect(plan.stage_path) as stage:
        stage.execute("DELETE FROM stage WHERE row_no = (SELECT MAX(row_no) FROM stage)")
    before = (Resident.objects.count(), Household.objects.count())

    with pytest.raises(IntegrityError), importer.write_transaction(plan):
        importer.write(plan, register_import.pk)

    plan.close()
    assert (Resident.objects.count(), Household.objects.count()) == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="rows are staged on SQLite only")
def test_a_worker_that_fails_to_finish_its_stage_file_writes_nothing(world, two_processes):
    data = workbook(register_rows(ROWS))
    register_import = actions.create_import(world.town_staff, filename="r.xlsx", data=data)
    plan = importer.validate(data, world.town.code)
    assert plan.ok and plan.staged and plan.stage_worker is not None
    plan.stage_worker.finished = lambda timeout: False  # it died, or took too long, after answering every batch
    before = (Resident.objects.count(), Household.objects.count())

    with pytest.raises(RuntimeError, match="did not finish the stage file"), importer.write_transaction(plan):
        importer.write(plan, register_import.pk)

    plan.close()
    assert (Resident.objects.count(), Household.objects.count()) == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="rows are staged on SQLite only")
@pytest.mark.django_db(transaction=True)
def test_a_stage_lost_after_the_answers_costs_only_a_second_validation(world, two_processes, monkeypatch, caplog):
    monkeypatch.setattr(importer.RowWorker, "finished", lambda self, timeout: False)
    data = workbook(register_rows(ROWS))

    result = actions.run_import(actions.create_import(world.town_staff, filename="r.xlsx", data=data), data)

    assert (result.status, result.created_households, result.created_residents) == (ImportStatus.IMPORTED, 15, ROWS)
    assert Resident.objects.filter(import_batch=result).count() == ROWS
    assert "stage was lost; validating again" in caplog.text


@pytest.mark.skipif(connection.vendor != "sqlite", reason="rows are staged on SQLite only")
def test_stage_directories_left_by_a_killed_import_are_swept(world, two_processes):
    old = tempfile.mkdtemp(prefix=importer.STAGE_PREFIX, dir=settings.VAR_DIR)
    fresh = tempfile.mkdtemp(prefix=importer.STAGE_PREFIX, dir=settings.VAR_DIR)
    long_ago = time.time() - 3 * importer.WORKER_TIMEOUT
    os.utime(old, (long_ago, long_ago))
    try:
        plan = importer.validate(workbook(register_rows(ROWS)), world.town.code)
        plan.close()
        assert not os.path.exists(old) and os.path.isdir(fresh)
    finally:
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(fresh, ignore_errors=True)


def test_a_worker_that_fails_only_costs_time(world, two_processes, monkeypatch, caplog):
    monkeypatch.setattr(importer, "WORKER_COMMAND", ("-c", "import sys; sys.stdin.buffer.read(1); sys.exit(3)"))
    rows = register_rows(ROWS)
    rows[4]["联系电话"] = "12345"  # row 6, in the worker's share

    plan = importer.validate(workbook(rows), world.town.code)

    assert plan.total_rows == ROWS
    assert plan.errors == {6: [BAD_PHONE]}
    assert sum(len(d.rows) for d in plan.households.values()) == ROWS - 1
    assert "the row worker failed" in caplog.text
    assert not plan.staged  # checked here: nothing is read from the stage file
    plan.close()


def test_ids_taken_for_an_import_are_not_handed_out_again(world):
    data = workbook(register_rows(8))
    result = actions.run_import(actions.create_import(world.town_staff, filename="r.xlsx", data=data), data)
    assert result.status == ImportStatus.IMPORTED, result.message
    imported = Resident.objects.filter(import_batch=result)
    households = Household.objects.filter(import_batch=result)

    household = Household.objects.create(path=GRID_A, number="Z-1", grid=world.grid_a, address="寨坝镇")
    resident = Resident(path=GRID_A, place=world.grid_a, household=household, name="新人", sex="F")
    resident.set_id_number(id_number(500))
    resident.birth_date = dt.date(1951, 5, 15)
    resident.save()

    assert household.pk > max(h.pk for h in households)
    assert resident.pk > max(r.pk for r in imported)
    assert sorted(h.member_count for h in households) == [4, 4]
    assert all(h.householder.household_id == h.pk and h.householder.relation == "householder" for h in households)
