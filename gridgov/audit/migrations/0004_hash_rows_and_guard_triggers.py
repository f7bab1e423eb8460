"""Hash the rows written so far, create the chain's head, and install the triggers that keep the log append-only.

The rows already in the log were never hashed: they are vouched for as they stand now, and the sealing step links
them into the chain like any new row. The trigger statements are frozen here as they were when this migration
was written (`gridgov.audit.guard` holds the current ones; a later change installs them in a new migration).
"""

from django.db import migrations

SQLITE_INSTALL = (
    """CREATE TRIGGER IF NOT EXISTS audit_auditlog_guard_update BEFORE UPDATE ON audit_auditlog
    WHEN NOT (OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.chain_hash IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW."id" IS OLD."id" AND NEW."at" IS OLD."at" AND NEW."action" IS OLD."action" AND NEW."actor_id" IS OLD."actor_id" AND NEW."actor_name" IS OLD."actor_name" AND NEW."ip" IS OLD."ip" AND NEW."request_id" IS OLD."request_id" AND NEW."source" IS OLD."source" AND NEW."object_type" IS OLD."object_type" AND NEW."object_id" IS OLD."object_id" AND NEW."object_repr" IS OLD."object_repr" AND NEW."before" IS OLD."before" AND NEW."after" IS OLD."after" AND NEW."detail" IS OLD."detail" AND NEW."row_hash" IS OLD."row_hash")
    BEGIN SELECT RAISE(ABORT, 'audit log rows cannot be changed (审计日志不可修改)'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_auditlog_guard_delete BEFORE DELETE ON audit_auditlog
    WHEN OLD.seq IS NULL OR OLD.at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-183 days')
    BEGIN SELECT RAISE(ABORT, 'audit log rows younger than 183 days cannot be deleted (审计日志须保留183天)'); END""",
)
SQLITE_REMOVE = (
    """DROP TRIGGER IF EXISTS audit_auditlog_guard_update""",
    """DROP TRIGGER IF EXISTS audit_auditlog_guard_delete""",
)
PG_INSTALL = (
    """CREATE OR REPLACE FUNCTION audit_auditlog_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.chain_hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
           AND (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'chain_hash') = (to_jsonb(OLD) - 'seq' - 'prev_hash' - 'chain_hash') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit log rows cannot be changed (审计日志不可修改)' USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.seq IS NOT NULL AND OLD.at < now() - interval '183 days' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit log rows younger than 183 days cannot be deleted (审计日志须保留183天)' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'audit log cannot be truncated (审计日志不可清空)' USING ERRCODE = 'insufficient_privilege';
END
$$""",
    """DROP TRIGGER IF EXISTS audit_auditlog_guard ON audit_auditlog""",
    """CREATE TRIGGER audit_auditlog_guard BEFORE UPDATE OR DELETE ON audit_auditlog
    FOR EACH ROW EXECUTE FUNCTION audit_auditlog_guard()""",
    """DROP TRIGGER IF EXISTS audit_auditlog_guard_truncate ON audit_auditlog""",
    """CREATE TRIGGER audit_auditlog_guard_truncate BEFORE TRUNCATE ON audit_auditlog
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditlog_guard()""",
)
PG_REMOVE = (
    """DROP TRIGGER IF EXISTS audit_auditlog_guard_truncate ON audit_auditlog""",
    """DROP TRIGGER IF EXISTS audit_auditlog_guard ON audit_auditlog""",
    """DROP FUNCTION IF EXISTS audit_auditlog_guard()""",
)


def _run(connection, statements):
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def hash_rows_and_create_head(apps, schema_editor):
    from gridgov.audit import hashing

    AuditLog = apps.get_model("audit", "AuditLog")
    AuditChain = apps.get_model("audit", "AuditChain")
    using = schema_editor.connection.alias
    rows = AuditLog.objects.using(using).filter(row_hash="").order_by("id")
    last = 0
    while True:
        chunk = list(rows.filter(id__gt=last).values_list("id", *hashing.CONTENT_FIELDS)[:2000])
        if not chunk:
            break
        for row in chunk:
            AuditLog.objects.using(using).filter(pk=row[0]).update(row_hash=hashing.row_hash(row[1:]))
        last = chunk[-1][0]
    if not AuditChain.objects.using(using).filter(name="main").exists():
        fields = {
            "name": "main", "sealed_seq": 0, "sealed_hash": hashing.GENESIS, "sealed_at": None, "base_seq": 0,
            "base_hash": hashing.GENESIS,
        }
        AuditChain.objects.using(using).create(**fields, mac=hashing.fields_mac("head", fields))


def install_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor.connection, SQLITE_INSTALL)
    elif vendor == "postgresql":
        _run(schema_editor.connection, PG_INSTALL)


def remove_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor.connection, SQLITE_REMOVE)
    elif vendor == "postgresql":
        _run(schema_editor.connection, PG_REMOVE)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_tamper_evident_chain"),
    ]

    operations = [
        migrations.RunPython(hash_rows_and_create_head, migrations.RunPython.noop),
        migrations.RunPython(install_guard, remove_guard),
    ]
