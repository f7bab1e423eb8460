"""The tamper-evident chain: rows written with their content digest, sealed into a chain, and every UPDATE,
DELETE or inserted row made in the database behind the application's back named by `manage.py verify_audit`."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from gridgov.audit import guard, hashing
from gridgov.audit.actions import record, seal_chain
from gridgov.audit.choices import AuditAction
from gridgov.audit.models import AuditChain, AuditCheck, AuditLog
from gridgov.audit.queries import verify_chain
from gridgov.core.context import ActorContext, _current

TABLE = "audit_auditlog"


def attacker(sql: str, params=()) -> None:
    """What someone holding the database (the file, or the owner's password) can do: drop the triggers, then
    change the table with plain SQL."""
    guard.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_audit() -> str:
    """`manage.py verify_audit`: its output when the chain is intact; CommandError when it is not."""
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def failing_verify_audit() -> tuple[str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit", stdout=out)
    return str(failure.value), out.getvalue()


@pytest.fixture
def chain(world):
    """The world's rows, a failed login from 10.0.0.7 and a login: all sealed, the chain intact."""
    token = _current.set(ActorContext(ip="10.0.0.7", request_id="r1", source="web"))
    try:
        record(AuditAction.LOGIN_FAILED, world.county_staff, detail={"username": "county"}, actor_name="county")
        record(AuditAction.LOGIN, world.grid_worker_a, actor_id=world.grid_worker_a.pk, actor_name="grid_a")
    finally:
        _current.reset(token)
    sealed = seal_chain()
    assert sealed == AuditLog.objects.count() > 10
    assert "审计链完好" in verify_audit()
    return AuditLog.objects.get(action=AuditAction.LOGIN_FAILED)


def test_rows_are_sealed_into_one_unbroken_chain_in_id_order(chain):
    rows = list(AuditLog.objects.order_by("seq").values_list("id", "seq", "prev_hash", "chain_hash", "row_hash"))
    assert [seq for _, seq, *_ in rows] == list(range(1, len(rows) + 1))
    assert [row_id for row_id, *_ in rows] == sorted(row_id for row_id, *_ in rows)
    assert rows[0][2] == hashing.GENESIS
    for (_, _, _, link, _), (row_id, seq, prev, own, digest) in zip(rows, rows[1:], strict=False):
        assert prev == link and own == hashing.link_hash(seq, row_id, prev, digest)
    head = AuditChain.objects.get()
    assert (head.sealed_seq, head.sealed_hash) == (len(rows), rows[-1][3])
    check = AuditCheck.objects.get()
    assert (check.ok, check.full, check.checked_rows, check.up_to_seq, check.up_to_row_id) == (
        True, True, len(rows), len(rows), rows[-1][0],
    )  # fmt: skip
    assert seal_chain() == 0  # nothing left to seal


def test_verify_audit_names_a_row_updated_in_the_database(chain):
    attacker(f"UPDATE {TABLE} SET actor_name = 'grid2', ip = '10.9.9.9' WHERE id = %s", [chain.pk])
    message, out = failing_verify_audit()
    assert f"记录 #{chain.pk}（第 {chain.seq} 行）与其内容摘要不符" in message
    first = verify_chain().first
    assert (first.kind, first.row_id, first.seq) == ("altered", chain.pk, chain.seq)
    check = AuditCheck.objects.order_by("-id").first()
    assert (check.ok, check.problem_row_id, check.problem_seq) == (False, chain.pk, chain.seq)


@pytest.mark.parametrize("column", ["action", "at", "before", "after", "detail", "object_id", "row_hash"])
def test_an_update_of_any_content_column_is_named(chain, column):
    value = {"action": "'login'", "at": "at", "before": "'{}'", "after": "'{}'", "detail": "'{}'"}.get(column, "'x1'")
    if column == "at":
        attacker(f"UPDATE {TABLE} SET at = %s WHERE id = %s", [timezone.now() - dt.timedelta(days=1), chain.pk])
    else:
        attacker(f"UPDATE {TABLE} SET {column} = {value} WHERE id = %s", [chain.pk])
    first = verify_chain().first
    assert (first.kind, first.row_id) == ("altered", chain.pk)


def test_verify_audit_names_a_deleted_row(chain):
    before = AuditLog.objects.filter(seq=chain.seq - 1).get()
    after = AuditLog.objects.filter(seq=chain.seq + 1).get()
    attacker(f"DELETE FROM {TABLE} WHERE action = 'login_failed'")
    message, _ = failing_verify_audit()
    assert message == (
        f"审计链已损坏：缺失记录：记录 #{before.pk} 与 #{after.pk} 之间的第 {chain.seq}–{chain.seq} 行不见了（被删除）"
    )
    first = verify_chain().first
    assert (first.kind, first.row_id, first.seq) == ("missing", after.pk, chain.seq)


def test_verify_audit_names_a_forged_row_inserted_before_or_after_sealing(chain):
    attacker(
        f"INSERT INTO {TABLE} (at, action, actor_id, actor_name, ip, request_id, source, object_type, object_id,"
        " object_repr, row_hash) VALUES (%s, 'login', 7, 'grid2', '10.9.9.9', 'r9', 'web', '', '', '', %s)",
        [timezone.now(), "f" * 32],
    )
    forged = AuditLog.objects.get(actor_name="grid2")
    first = verify_chain(full=True).first  # not sealed yet
    assert (first.kind, first.row_id, first.seq) == ("forged", forged.pk, None)
    message, _ = failing_verify_audit()  # seals it first: now it is in the chain, and still named
    forged.refresh_from_db()
    assert forged.seq is not None
    assert f"记录 #{forged.pk}（第 {forged.seq} 行）与其内容摘要不符：被修改或伪造" in message


def test_verify_audit_names_a_real_row_inserted_again(chain):
    columns = ", ".join([*hashing.CONTENT_FIELDS, "row_hash"])
    attacker(f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM {TABLE} WHERE id = %s", [chain.pk])
    copy = AuditLog.objects.filter(action="login_failed").exclude(pk=chain.pk).get()
    message, _ = failing_verify_audit()
    assert message == f"审计链已损坏：记录 #{copy.pk} 与记录 #{chain.pk} 的内容完全相同：重放（伪造）的记录"


def test_verify_audit_names_rows_removed_from_the_end_and_a_head_moved_back_to_hide_it(chain):
    head = AuditChain.objects.get()
    last = AuditLog.objects.get(seq=head.sealed_seq)
    keep = AuditLog.objects.get(seq=head.sealed_seq - 2)
    attacker(f"DELETE FROM {TABLE} WHERE seq > %s", [keep.seq])
    first = verify_chain().first
    assert (first.kind, first.seq) == ("missing", keep.seq + 1)
    assert first.message == f"链尾缺失：记录 #{keep.pk} 之后第 {keep.seq + 1}–{last.seq} 行不见了（被删除）"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditchain SET sealed_seq = %s, sealed_hash = %s", [keep.seq, keep.chain_hash])
    assert verify_chain().first.message == "审计链头与其摘要不符（被改写）"
    with pytest.raises(CommandError, match="审计链头与其摘要不符"):
        call_command("verify_audit", stdout=io.StringIO())
    assert AuditLog.objects.filter(seq__isnull=True).count() == 0  # the sealing step refused to go on


def test_a_row_given_a_place_in_the_chain_by_hand_is_named(chain):
    attacker(f"UPDATE {TABLE} SET seq = 1000000 WHERE id = %s", [chain.pk])  # moved past the head
    kinds = [(p.kind, p.row_id) for p in verify_chain().problems]
    assert ("forged", chain.pk) in kinds
    assert kinds[0][0] == "missing"  # and its own place is now empty


def test_missing_triggers_are_reported(chain):
    guard.remove(connection)
    report = verify_chain()
    assert [(p.kind, p.message) for p in report.problems] == [
        ("guard", f"防篡改触发器缺失：{', '.join(guard.expected()[connection.vendor])}")
    ]


# ---------------------------------------------------------------- the triggers, without anyone removing them


def _refused(sql: str, params=()) -> str:
    with pytest.raises(DatabaseError) as failure, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(failure.value)


def test_the_database_refuses_updates_and_deletes_of_audit_rows(chain):
    before = list(AuditLog.objects.order_by("id").values_list("id", "actor_name", "ip", "seq", "chain_hash"))
    forge = f"UPDATE {TABLE} SET actor_name = 'grid2', ip = '10.9.9.9' WHERE id = %s"
    assert "审计日志不可修改" in _refused(forge, [chain.pk])
    assert "审计日志不可修改" in _refused(f"UPDATE {TABLE} SET seq = seq + 1000000 WHERE id = %s", [chain.pk])
    assert "审计日志不可修改" in _refused(f"UPDATE {TABLE} SET chain_hash = 'x' WHERE id = %s", [chain.pk])
    assert "审计日志须保留183天" in _refused(f"DELETE FROM {TABLE} WHERE action = 'login_failed'")
    assert "审计日志须保留183天" in _refused(f"DELETE FROM {TABLE}")
    if connection.vendor == "postgresql":
        assert "审计日志不可清空" in _refused(f"TRUNCATE {TABLE}")
    assert list(AuditLog.objects.order_by("id").values_list("id", "actor_name", "ip", "seq", "chain_hash")) == before
    assert verify_chain().ok


def test_only_the_sealing_write_of_the_chain_columns_is_allowed(world):
    row = record(AuditAction.LOGIN, world.grid_worker_a)
    chain = "seq = 1000, prev_hash = 'a', chain_hash = 'b'"
    assert "审计日志不可修改" in _refused(f"UPDATE {TABLE} SET {chain}, actor_name = 'x' WHERE id = %s", [row.pk])
    assert "审计日志不可修改" in _refused(f"UPDATE {TABLE} SET seq = 1000 WHERE id = %s", [row.pk])
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {chain} WHERE id = %s", [row.pk])
    again = f"UPDATE {TABLE} SET seq = 1001, prev_hash = 'a', chain_hash = 'b' WHERE id = %s"
    assert "审计日志不可修改" in _refused(again, [row.pk])  # sealed once, never again


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the application's database role on PostgreSQL")
def test_the_application_role_owning_the_table_is_refused_on_postgresql(chain):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass", [TABLE])
        user, owner = cursor.fetchone()
    assert user == owner  # the application connects as the owner: grants alone would not stop it
    assert "审计日志不可修改" in _refused(f"UPDATE {TABLE} SET actor_name = 'grid2' WHERE id = %s", [chain.pk])
    assert "审计日志须保留183天" in _refused(f"DELETE FROM {TABLE} WHERE id = %s", [chain.pk])
    assert "审计日志不可清空" in _refused(f"TRUNCATE {TABLE}")
    assert AuditLog.objects.filter(pk=chain.pk, actor_name="county").exists()


def test_guard_triggers_are_installed_and_cover_every_column(db):
    assert guard.missing(connection) == []
    columns = {f.column for f in AuditLog._meta.concrete_fields}
    assert set(guard.FIXED_COLUMNS) | set(guard.CHAIN_COLUMNS) == columns
    assert set(hashing.CONTENT_FIELDS) | {"id", "row_hash"} == set(guard.FIXED_COLUMNS)


def test_the_auditors_page_shows_the_chain_verified_up_to_a_row_then_broken_at_a_row(world, chain, login, client):
    client = login(world.auditor)
    response = client.post("/audit/check/")  # seals the login row, checks from where the last check ended
    assert response.status_code == 302
    head = AuditChain.objects.get()
    last = AuditLog.objects.get(seq=head.sealed_seq)
    html = client.get("/audit/").content.decode()
    assert f"已校验至第 {head.sealed_seq} 行（记录 #{last.pk}）" in html and "完好" in html
    assert "增量校验" in html  # the check made by the button started where the fixture's full check ended
    attacker(f"UPDATE {TABLE} SET actor_name = 'grid2' WHERE id = %s", [chain.pk])
    guard.install(connection)
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=io.StringIO())
    html = client.get("/audit/").content.decode()
    assert "已损坏" in html
    assert f"记录 #{chain.pk}（第 {chain.seq} 行）与其内容摘要不符：被修改或伪造（记录 #{chain.pk}）" in html


def test_values_that_the_database_gives_back_in_another_form_still_verify(world):
    """PostgreSQL's jsonb prints 1e16 as 10000000000000000 and its inet prints IPv6 its own way: the digest is
    taken over the form that comes back, on both engines."""
    token = _current.set(ActorContext(ip="::ffff:10.0.0.1", request_id="r2", source="web"))
    try:
        row = record(
            AuditAction.UPDATE,
            world.household_a,
            before={"lat": 1e16, "lng": 106.2051, "tiny": 1.5e-7, "n": 3.0, "nested": {1: 2.0, "b": [1.0, None]}},
            after={"text": '换行\n制表\t引号"', "big": 2**62, "neg": -0.0},
            detail={"emoji": "🏠", "ipv6": "2001:db8::1"},
        )
    finally:
        _current.reset(token)
    seal_chain()
    assert verify_chain().ok
    stored = AuditLog.objects.get(pk=row.pk)
    assert stored.before == {"lat": 10**16, "lng": 106.2051, "tiny": 1.5e-7, "n": 3, "nested": {"1": 2, "b": [1, None]}}
    assert stored.row_hash == hashing.row_hash(tuple(getattr(stored, f) for f in hashing.CONTENT_FIELDS))


def test_the_digest_is_hmac_sha256_under_a_key_of_its_own():
    import hashlib
    import hmac

    from django.conf import settings

    from gridgov.utils.crypto import decode_master_key, derive_key

    key = derive_key(decode_master_key(settings.GRIDGOV_MASTER_KEY), b"gridgov audit chain v1")
    expected = hmac.new(key, b"link|7|42|" + b"a" * 32 + b"|" + b"b" * 32, hashlib.sha256).hexdigest()[:32]
    assert hashing.link_hash(7, 42, "a" * 32, "b" * 32) == expected
    assert key != derive_key(decode_master_key(settings.GRIDGOV_MASTER_KEY), b"gridgov index v1")


def test_the_periodic_round_seals_and_checks_incrementally_after_a_full_check(chain):
    from gridgov.audit.actions import seal_and_check

    record(AuditAction.LOGIN, None, actor_name="late")
    assert seal_and_check() == {"sealed": 1, "full": False, "ok": True}
    check = AuditCheck.objects.order_by("-id").first()
    assert (check.full, check.ok, check.checked_rows, check.up_to_seq) == (False, True, 1, chain.seq + 2)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's")
def test_an_application_role_that_does_not_own_the_table_cannot_lift_the_triggers_either(chain):
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE gridgov_app_test NOLOGIN")  # rolled back with the test's transaction
        for sql in guard.app_role_grants("gridgov_app_test"):
            cursor.execute(sql)
        cursor.execute("GRANT ALL ON audit_auditchain, audit_auditcheck, audit_auditcheck_id_seq TO gridgov_app_test")
        cursor.execute("SET LOCAL ROLE gridgov_app_test")
    assert "审计日志不可修改" in _refused(f"UPDATE {TABLE} SET seq = seq + 1000 WHERE id = %s", [chain.pk])
    assert "审计日志须保留183天" in _refused(f"DELETE FROM {TABLE} WHERE id = %s", [chain.pk])
    for sql in (
        f"UPDATE {TABLE} SET actor_name = 'grid2' WHERE id = {chain.pk}",  # not a granted column
        f"TRUNCATE {TABLE}",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
        f"DROP TRIGGER audit_auditlog_guard ON {TABLE}",
    ):
        message = _refused(sql)
        assert "permission denied" in message or "must be owner" in message, sql
    record(AuditAction.LOGIN, None, actor_name="as the application role")  # writing still works
    assert seal_chain() == 1  # and so does sealing
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert verify_chain().ok
