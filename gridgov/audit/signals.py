"""Field-level history for every concrete subclass of `BaseModel`, written automatically.

Saves are logged on the hot path of every business write (an Open311 filing writes three rows and
three audit rows), so the row is inserted with one prepared statement instead of a model save: the
same columns and values `gridgov.audit.actions.record` writes (each value prepared by the
`AuditLog` field itself), without building a model instance and compiling an INSERT each time.
Nothing listens to AuditLog's own save signals, so skipping them changes nothing else.

The row's content digest is computed here, in Python, and written with it: a plain INSERT that reads
nothing, so a batched transaction (`gridgov.core.writes`) still only records it. The sealing step
links the row into the chain after it is committed (`gridgov.audit.actions.seal_chain`).
"""

from __future__ import annotations

from typing import Any

from django.db import connections, router
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from gridgov.audit import hashing
from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.audit.models import AuditLog
from gridgov.core.context import current
from gridgov.core.models import BaseModel

_FIELD_NAMES = (*hashing.CONTENT_FIELDS, "row_hash")
_sql: dict[str, tuple[str, list]] = {}


def _statement(alias: str) -> tuple[str, list]:
    """(INSERT statement, the AuditLog fields in its column order) for the database ``alias``."""
    hit = _sql.get(alias)
    if hit is None:
        quote = connections[alias].ops.quote_name
        fields = [AuditLog._meta.get_field(name) for name in _FIELD_NAMES]
        columns = ", ".join(quote(f.column) for f in fields)
        sql = f"INSERT INTO {quote(AuditLog._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        hit = _sql[alias] = (sql, fields)
    return hit


def write_change(instance: BaseModel, action: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """One create/update row for ``instance``, exactly as ``record(action, instance, before=, after=)``."""
    ctx = current()
    alias = router.db_for_write(AuditLog, instance=instance)
    connection = connections[alias]
    sql, fields = _statement(alias)
    values = (
        timezone.now(),
        action,
        ctx.user_id,
        ctx.username[:150],
        ctx.ip,
        ctx.request_id,
        ctx.source,
        instance._meta.label_lower,
        str(instance.pk) if instance.pk is not None else "",
        str(instance)[:200],
        hashing.normal_json(before),
        hashing.normal_json(after),
        None,
    )
    row = (*values, hashing.row_hash(values))
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def record_change(instance: BaseModel, created: bool) -> None:
    after = instance.audit_values()
    if created:
        write_change(instance, AuditAction.CREATE, None, after)
    else:
        before = instance.audit_before()
        if before is not None:
            changed = {k for k in after if before.get(k) != after[k]}
            if not changed:
                return
            before = {k: before.get(k) for k in changed}
            after = {k: after[k] for k in changed}
        write_change(instance, AuditAction.UPDATE, before, after)
    instance.remember_saved_state()


@receiver(post_save)
def _log_save(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, BaseModel):
        return
    record_change(instance, created)


@receiver(post_delete)
def _log_delete(sender, instance, **kwargs):
    if not isinstance(instance, BaseModel):
        return
    record(AuditAction.DELETE, instance, before=instance.audit_values())
