"""Bulk work: rows written straight into a table (`insert_rows`), and writing that should notify nobody
(seeding a demo town's past, benchmarks): ``with muted(): ...``.

The mute is a flag for the current thread that receivers of events (notifications, hooks) read with
`is_muted()`; it lives here, apart from any of them, so that the bulk code needs to import none of them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection

_state = threading.local()


@contextmanager
def muted() -> Iterator[None]:
    """No notices, no outbound messages, no hooks for events saved inside the block (this thread only)."""
    previous = getattr(_state, "muted", False)
    _state.muted = True
    try:
        yield
    finally:
        _state.muted = previous


def is_muted() -> bool:
    return getattr(_state, "muted", False)


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` (values in the order of ``columns``, already as the database stores them) into the
    database table ``table``, inside the caller's transaction: COPY on PostgreSQL (executemany there is a round
    trip per row), one prepared statement for all rows elsewhere. Returns the number of rows."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            written = 0
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:  # psycopg's own cursor
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        rows = rows if isinstance(rows, list) else list(rows)
        if rows:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)
        return len(rows)
