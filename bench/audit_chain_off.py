"""The reference server of `bench.audit_chain_bench`: audit rows written as they were before the chain.

gunicorn serves ``bench.audit_chain_off:application`` on a database migrated back to ``audit 0002`` (no chain
columns, indexes or triggers), with `gridgov.audit.signals.write_change` replaced by the version that wrote the
same row without its content digest: the same prepared INSERT of the same 13 columns, no normal JSON form, no
HMAC. Everything else is the application as it is. Used by the benchmark only.
"""

from __future__ import annotations

from gridgov.wsgi import application


def _install() -> None:
    """Replace the audit row writer (after Django is set up: it needs the models)."""
    from django.db import connections, router
    from django.utils import timezone

    from gridgov.audit import hashing, signals
    from gridgov.audit.models import AuditLog
    from gridgov.core.context import current

    statements: dict[str, tuple[str, list]] = {}

    def statement(alias: str) -> tuple[str, list]:
        hit = statements.get(alias)
        if hit is None:
            quote = connections[alias].ops.quote_name
            fields = [AuditLog._meta.get_field(name) for name in hashing.CONTENT_FIELDS]
            columns = ", ".join(quote(f.column) for f in fields)
            table = quote(AuditLog._meta.db_table)
            hit = statements[alias] = (f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 13)})", fields)
        return hit

    def write_change(instance, action, before, after) -> None:
        ctx = current()
        alias = router.db_for_write(AuditLog, instance=instance)
        connection = connections[alias]
        sql, fields = statement(alias)
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
            before,
            after,
            None,
        )
        params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    signals.write_change = write_change


_install()
__all__ = ["application"]
