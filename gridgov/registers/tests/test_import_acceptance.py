"""The acceptance case: a 1,000-row file with 3 bad rows imports nothing; corrected, it imports 1,000; again, 0."""

from django.db import connection

from gridgov.audit.models import AuditLog
from gridgov.households.choices import Relation
from gridgov.households.models import Household, Resident
from gridgov.registers import actions
from gridgov.registers.choices import ImportStatus
from gridgov.registers.tests.workbooks import id_number, read_sheet, register_rows, workbook
from gridgov.utils.masking import mask_id_number


def import_file(user, data: bytes, filename: str = "桂园村户籍.xlsx"):
    register_import = actions.create_import(user, filename=filename, data=data)
    return actions.run_import(register_import, data)


BAD = {99: ("身份证号", "520330195004101234"), 500: ("联系电话", "12345"), 873: ("与户主关系", "邻居")}


def thousand_rows(with_bad_rows: bool) -> list[dict]:
    rows = register_rows(1000)
    if with_bad_rows:
        for index, (header, value) in BAD.items():
            rows[index][header] = value
    return rows


def test_three_bad_rows_reject_the_whole_file_and_are_listed_with_reasons(world):
    households, residents = Household.objects.count(), Resident.objects.count()

    result = import_file(world.town_staff, workbook(thousand_rows(with_bad_rows=True)))

    assert result.status == ImportStatus.REJECTED
    assert (result.total_rows, result.error_rows, result.created_residents) == (1000, 3, 0)
    assert (Household.objects.count(), Resident.objects.count()) == (households, residents)
    sheet = read_sheet(bytes(result.error_workbook))
    assert sheet[0][0] == "行号" and sheet[0][-1] == "错误原因"
    assert [row[0] for row in sheet[1:]] == ["101", "502", "875"]
    reasons = {row[0]: row[-1] for row in sheet[1:]}
    assert reasons["101"].startswith("身份证号校验位错误")
    assert reasons["502"] == "手机号应为11位，以1开头，第二位为3-9"
    assert reasons["875"].startswith("与户主关系“邻居”无效")
    assert sheet[1][1:3] == ["T00024", "5203301132010101"]  # the row's own values, in the template's columns
    assert sheet[2][7] == mask_id_number(id_number(500))  # ID numbers masked
    assert sheet[2][9] == "*****"  # phones masked, even a bad one


def test_corrected_file_imports_1000_residents_and_again_adds_nothing(world):
    households_before = Household.objects.count()
    residents_before = Resident.objects.count()
    data = workbook(thousand_rows(with_bad_rows=False))

    first = import_file(world.town_staff, data)

    assert first.status == ImportStatus.IMPORTED, first.message
    assert (first.created_households, first.created_residents, first.unchanged_residents) == (250, 1000, 0)
    assert Resident.objects.count() == residents_before + 1000
    assert Household.objects.count() == households_before + 250
    batch = Household.objects.filter(import_batch=first).select_related("householder")
    assert batch.count() == 250
    assert {h.member_count for h in batch} == {4}
    assert all(h.householder.relation == Relation.HOUSEHOLDER and h.householder.household_id == h.pk for h in batch)
    assert (
        Resident.objects.filter(import_batch=first, place=world.cluster_a1, path=world.cluster_a1.code).count() == 1000
    )

    again = import_file(world.town_staff, data)

    assert again.status == ImportStatus.IMPORTED
    assert (again.created_households, again.existing_households) == (0, 250)
    assert (again.created_residents, again.unchanged_residents) == (0, 1000)
    assert Resident.objects.count() == residents_before + 1000
    assert Household.objects.count() == households_before + 250
    assert set(Household.objects.filter(import_batch=first).values_list("member_count", flat=True)) == {4}


def test_imported_residents_are_sealed_masked_and_findable_by_blind_index(world):
    from gridgov.households.models import id_number_index

    result = import_file(world.town_staff, workbook(register_rows(8)))

    resident = Resident.objects.get(id_number_index=id_number_index(id_number(5)))
    assert resident.import_batch_id == result.pk
    assert resident.reveal_id_number() == id_number(5)
    assert resident.id_number_masked == mask_id_number(id_number(5))
    assert resident.reveal_phone() == "13900000005"
    assert resident.phone_masked == "139****0005"
    assert (resident.sex, resident.birth_date.isoformat()) == ("M" if int(id_number(5)[16]) % 2 else "F", "1950-01-06")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Resident._meta.db_table} WHERE import_batch_id = %s", [result.pk])
        stored = repr(cursor.fetchall())
    for i in range(8):
        assert id_number(i) not in stored
        assert f"139{i:08d}" not in stored


def test_one_audit_event_per_import_and_none_per_row(world):
    per_row_before = AuditLog.objects.filter(object_type__in=["households.resident", "households.household"]).count()

    result = import_file(world.town_staff, workbook(register_rows(40)))

    assert AuditLog.objects.filter(object_type__in=["households.resident", "households.household"]).count() == (
        per_row_before
    )
    events = list(AuditLog.objects.filter(object_type="registers.registerimport"))
    assert [(e.action, e.object_id, e.actor_id) for e in events] == [("import", str(result.pk), None)]
    detail = events[0].detail
    assert detail["filename"] == "桂园村户籍.xlsx"
    assert detail["sha256"] == result.sha256 and len(result.sha256) == 64
    assert detail["counts"]["created_residents"] == 40
    assert detail["counts"]["created_households"] == 10
    assert id_number(0) not in repr(detail)


def test_rejected_import_is_audited_too(world):
    rows = register_rows(4)
    rows[2]["身份证号"] = "1234"

    result = import_file(world.town_staff, workbook(rows))

    event = AuditLog.objects.get(action="import")
    assert event.object_id == str(result.pk)
    assert (event.detail["status"], event.detail["counts"]["error_rows"]) == ("rejected", 1)
