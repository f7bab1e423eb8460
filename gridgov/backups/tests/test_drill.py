"""The restore drill: back up, wipe the database and the files, restore; every resident's ID number
and phone decrypts, every file is back. A backup sealed with another master key is refused before
anything changes."""

import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gridgov.audit import actions as audit_actions
from gridgov.audit import queries as audit_queries
from gridgov.backups import actions
from gridgov.households.models import Resident
from gridgov.matters.models import Matter
from gridgov.matters.tests.helpers import build_engine, record
from gridgov.utils.crypto import new_master_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    photo = tmp_path / "media" / "matters" / "520330" / "1" / "scene.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8\xff\xe0 a photo \xff\xd9")
    return photo


def sealed_values() -> dict[int, tuple[str, str]]:
    return {r.pk: (r.reveal_id_number(), r.reveal_phone()) for r in Resident.objects.order_by("pk")}


def wipe() -> None:
    """Lose the database: every table on SQLite, the whole schema on PostgreSQL."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        assert "households_resident" not in connection.introspection.table_names()
    else:  # every table, with its triggers (the audit log's refuse a plain DELETE)
        tables = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys=OFF")
            # Virtual (full-text) tables first: dropping one drops its shadow tables with it.
            cursor.execute(tables + " ORDER BY sql NOT LIKE 'CREATE VIRTUAL%'")
            for (table,) in cursor.fetchall():
                cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
            cursor.execute("PRAGMA foreign_keys=ON")
        assert connection.introspection.table_names() == []


def test_backup_wipe_restore_every_id_number_decrypts(world, media, tmp_path, capsys):
    engine = build_engine(world)
    record(engine.grid_worker_a, title="地界纠纷")
    audit_actions.seal_chain()
    chain = audit_queries.verify_chain()
    assert chain.ok and chain.checked_rows > 10, chain.summary()
    before = sealed_values()
    matters = list(Matter.objects.values_list("id", "title", "state"))
    assert len(before) >= 2 and all(number for number, _ in before.values())
    out = tmp_path / "gridgov.tar"

    call_command("backup", str(out))
    assert "已备份到" in capsys.readouterr().out
    with tarfile.open(out) as archive:
        names = archive.getnames()
    member = actions.SQLITE_MEMBER if connection.vendor == "sqlite" else actions.PG_MEMBER
    assert names == [actions.MANIFEST, member, "media/matters/520330/1/scene.jpg"]
    manifest = actions.read_manifest(out)
    assert manifest.counts["households.Resident"] == len(before)
    assert manifest.media_files == 1

    wipe()
    media.unlink()
    call_command("restore", str(out))

    assert sealed_values() == before  # every resident's ID number and phone decrypts to what it was
    assert list(Matter.objects.values_list("id", "title", "state")) == matters
    assert media.read_bytes() == b"\xff\xd8\xff\xe0 a photo \xff\xd9"
    # The audit log's hash chain verifies over the restored rows (the master key came back with them).
    restored = audit_queries.verify_chain()
    assert restored.ok, restored.summary()
    assert (restored.up_to_seq, restored.up_to_row_id) == (chain.up_to_seq, chain.up_to_row_id)
    record(engine.grid_worker_a, title="restored, then recorded")  # new rows link onto it
    assert audit_actions.seal_chain() >= 1 and audit_queries.verify_chain().ok


def test_a_backup_made_with_another_master_key_is_refused_and_nothing_changes(world, media, tmp_path, settings):
    before = sealed_values()
    out = tmp_path / "gridgov.tar"
    actions.make_backup(out)
    original = settings.GRIDGOV_MASTER_KEY
    settings.GRIDGOV_MASTER_KEY = new_master_key()
    with pytest.raises(CommandError, match="主密钥与备份不匹配") as refused:
        call_command("restore", str(out), "--force")
    assert "GRIDGOV_MASTER_KEY" in str(refused.value)
    settings.GRIDGOV_MASTER_KEY = original
    assert sealed_values() == before


def test_restore_refuses_to_overwrite_data_without_force(world, media, tmp_path):
    out = tmp_path / "gridgov.tar"
    actions.make_backup(out)
    Resident.objects.filter(pk=Resident.objects.order_by("pk").first().pk).update(name="改过的名字")
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(out))
    assert Resident.objects.filter(name="改过的名字").count() == 1
    call_command("restore", str(out), "--force")
    assert Resident.objects.filter(name="改过的名字").count() == 0


def test_backup_never_overwrites_and_a_file_that_is_no_backup_is_refused(db, tmp_path):
    out = tmp_path / "gridgov.tar"
    out.write_bytes(b"not a backup")
    with pytest.raises(CommandError, match="已存在"):
        call_command("backup", str(out))
    with pytest.raises(CommandError, match="无法读取备份文件"):
        call_command("restore", str(out))
