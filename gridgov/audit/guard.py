"""Database triggers that keep the audit log append-only, whoever connects and however.

The application usually connects as the owner of its tables, so grants alone cannot stop it: a trigger that
raises is what refuses. On both engines the triggers refuse
- any UPDATE, except the sealing step's one write of a row's chain columns (``seq``, ``prev_hash``,
  ``chain_hash``) while ``seq`` is still empty, every other column unchanged;
- any DELETE, except of a sealed row older than 183 days (the legal minimum; `prune_chain` removes a chain
  prefix and moves the chain's base, so removing rows any other way still shows as missing rows);
- on PostgreSQL also TRUNCATE (which skips row triggers).
An owner can still drop a trigger; `verify_audit` reports missing triggers, and the chain shows what was done
meanwhile. A PostgreSQL deployment whose tables belong to another role than the application's closes even that
(`app_role_grants`).

The migration that installs the triggers calls `install`; any later migration that rebuilds the table on
SQLite (which drops its triggers) must call it again.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections

MIN_RETENTION_DAYS = 183
TABLE = "audit_auditlog"
CHAIN_COLUMNS = ("seq", "prev_hash", "chain_hash")
# Every other column: unchanged by the one UPDATE allowed. A test checks this list against the model.
FIXED_COLUMNS = (
    "id", "at", "action", "actor_id", "actor_name", "ip", "request_id", "source", "object_type", "object_id",
    "object_repr", "before", "after", "detail", "row_hash",
)  # fmt: skip
SQLITE_TRIGGERS = ("audit_auditlog_guard_update", "audit_auditlog_guard_delete")
CHANGED = "audit log rows cannot be changed (审计日志不可修改)"
YOUNG = (
    f"audit log rows younger than {MIN_RETENTION_DAYS} days cannot be deleted (审计日志须保留{MIN_RETENTION_DAYS}天)"
)
TRUNCATED = "audit log cannot be truncated (审计日志不可清空)"
PG_TRIGGERS = ("audit_auditlog_guard", "audit_auditlog_guard_truncate")

_SQLITE_UPDATE_ALLOWED = " AND ".join(
    ["OLD.seq IS NULL", "NEW.seq IS NOT NULL", "NEW.chain_hash IS NOT NULL", "NEW.prev_hash IS NOT NULL"]
    + [f'NEW."{c}" IS OLD."{c}"' for c in FIXED_COLUMNS]
)
SQLITE_INSTALL = (
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditlog_guard_update BEFORE UPDATE ON {TABLE}
    WHEN NOT ({_SQLITE_UPDATE_ALLOWED})
    BEGIN SELECT RAISE(ABORT, '{CHANGED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditlog_guard_delete BEFORE DELETE ON {TABLE}
    WHEN OLD.seq IS NULL OR OLD.at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-{MIN_RETENTION_DAYS} days')
    BEGIN SELECT RAISE(ABORT, '{YOUNG}'); END""",
)
SQLITE_REMOVE = tuple(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS)

_PG_CHAIN = " - ".join(f"'{c}'" for c in CHAIN_COLUMNS)
PG_INSTALL = (
    f"""CREATE OR REPLACE FUNCTION audit_auditlog_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.chain_hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
           AND (to_jsonb(NEW) - {_PG_CHAIN}) = (to_jsonb(OLD) - {_PG_CHAIN}) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{CHANGED}' USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.seq IS NOT NULL AND OLD.at < now() - interval '{MIN_RETENTION_DAYS} days' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION '{YOUNG}' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION '{TRUNCATED}' USING ERRCODE = 'insufficient_privilege';
END
$$""",
    f"DROP TRIGGER IF EXISTS audit_auditlog_guard ON {TABLE}",
    f"""CREATE TRIGGER audit_auditlog_guard BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_auditlog_guard()""",
    f"DROP TRIGGER IF EXISTS audit_auditlog_guard_truncate ON {TABLE}",
    f"""CREATE TRIGGER audit_auditlog_guard_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditlog_guard()""",
)
PG_REMOVE = (
    f"DROP TRIGGER IF EXISTS audit_auditlog_guard_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_auditlog_guard ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_auditlog_guard()",
)


def app_role_grants(role: str) -> list[str]:
    """For a PostgreSQL deployment whose tables belong to another role than the application's: what the application
    role needs on the audit table, and nothing more (no TRUNCATE, and as a non-owner it cannot drop or disable the
    triggers, so even the one allowed UPDATE and the pruning DELETE stay under them)."""
    return [
        f"REVOKE ALL ON {TABLE} FROM {role}",
        f"GRANT SELECT, INSERT, DELETE ON {TABLE} TO {role}",
        f"GRANT UPDATE ({', '.join(CHAIN_COLUMNS)}) ON {TABLE} TO {role}",
        f"GRANT USAGE ON SEQUENCE {TABLE}_id_seq TO {role}",
    ]


def _statements(vendor: str, install: bool) -> tuple[str, ...]:
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    if vendor == "postgresql":
        return PG_INSTALL if install else PG_REMOVE
    raise NotImplementedError(f"no audit guard for {vendor}")


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, True):
            cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, False):
            cursor.execute(sql)


def installed(connection) -> list[str]:
    """The guard triggers present on the audit table (all of them when it is protected)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled <> 'D'",
                [TABLE],
            )
        return sorted(name for (name,) in cursor.fetchall())


def expected() -> dict[str, tuple[str, ...]]:
    return {"sqlite": SQLITE_TRIGGERS, "postgresql": PG_TRIGGERS}


def missing(connection) -> list[str]:
    present = set(installed(connection))
    return [name for name in expected()[connection.vendor] if name not in present]


@contextmanager
def suspended(using: str = "default"):
    """Without the triggers for a moment, then with them again: for a test database's flush only (emptying every
    table is not something the application does). Needs the table's owner."""
    connection = connections[using]
    remove(connection)
    try:
        yield
    finally:
        install(connection)
