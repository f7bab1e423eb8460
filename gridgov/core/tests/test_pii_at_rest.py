"""ID numbers and phones never reach the database in clear: not in rows, indexes or the audit log."""

import sqlite3

import pytest
from django.db import connection

from gridgov.households import actions
from gridgov.households.models import Resident

ID_NUMBER = "520330198005171232"
PHONE = "13812348000"


def database_bytes(tmp_path) -> bytes:
    """Everything the database holds, as bytes: the file on SQLite, every row as text on PostgreSQL."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = sqlite3.connect(tmp_path / "copy.sqlite3")
        connection.connection.backup(target)
        target.close()
        return (tmp_path / "copy.sqlite3").read_bytes()
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT t::text FROM "{table}" t')
            chunks.extend(row[0] for row in cursor.fetchall())
    return "\n".join(chunks).encode("utf-8")


@pytest.mark.django_db(transaction=True)  # committed data, so SQLite's backup API can copy the whole file
def test_id_number_and_phone_are_not_in_the_database_in_clear(world, tmp_path):
    world.town_staff.may_reveal_pii = True
    world.town_staff.save()
    assert actions.reveal(world.town_staff, world.resident_a, "id_number", "核对身份信息") == ID_NUMBER
    actions.update_resident_contact(world.town_staff, world.resident_a, phone="13812348000")
    raw = database_bytes(tmp_path)
    assert b"\xe7\x8e\x8b\xe5\xbb\xba\xe5\x9b\xbd" in raw  # the name 王建国 is there, so we read the right data
    for secret in (ID_NUMBER, PHONE, ID_NUMBER[6:14] + ID_NUMBER[14:], PHONE[3:7] + PHONE[7:]):
        assert secret.encode() not in raw
        assert secret.encode("utf-16-le") not in raw
    assert b"520330********1232" in raw  # the mask is what is stored for display


def test_sealed_values_open_with_the_key_and_differ_per_row(world):
    a = Resident.objects.get(pk=world.resident_a.pk)
    assert a.reveal_id_number() == ID_NUMBER
    assert a.reveal_phone() == PHONE
    assert bytes(a.id_number_sealed) != bytes(Resident.objects.get(pk=world.resident_b.pk).id_number_sealed)


def test_exact_lookup_by_blind_index(world):
    from gridgov.households.models import id_number_index

    assert Resident.objects.get(id_number_index=id_number_index(ID_NUMBER)) == world.resident_a
