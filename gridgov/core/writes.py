"""Batched write transactions: `batched_writes()` is `transaction.atomic()` for short, hot writes.

On SQLite the block's INSERTs are recorded and run together at its end, so that SQLite's single write
lock is held for the statements only, not for the Python that builds them (see `core.sqlite.base`). The
block must not depend on reading back what it wrote: its reads see committed data. Inside another
transaction, or on PostgreSQL (which has no single write lock), it is an ordinary `atomic()`.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


@contextmanager
def batched_writes(using: str = DEFAULT_DB_ALIAS):
    connection = connections[using]
    if hasattr(connection, "batch_next") and not connection.in_atomic_block:
        connection.batch_next = True
        try:
            with transaction.atomic(using=using):
                yield
        finally:
            connection.batch_next = False
    else:
        with transaction.atomic(using=using):
            yield


def batching(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a batched transaction is recording writes on ``using`` now."""
    return getattr(connections[using], "batch", None) is not None
