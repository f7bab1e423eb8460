"""Django's SQLite backend, plus batched write transactions for short, hot writes (see `core.writes`).

SQLite has one writer at a time. An ordinary transaction takes the write lock at BEGIN IMMEDIATE and
holds it while Python builds every row in turn (model instances, signals, the audit rows), which on an
Open311 filing is two thirds of the lock's time. A batched transaction takes the lock only at its end:

- BEGIN is put off. Each plain INSERT (no RETURNING) is recorded instead of run; new rows of models that
  would need RETURNING for their id get one in advance from `take_id` (see `BaseModel._do_insert`).
- A read before the first recorded INSERT runs at once, outside the transaction (it sees committed data).
- At commit the lock is taken, the recorded INSERTs run back to back, and the transaction commits; a
  failing INSERT rolls all of them back and raises as it would have.
- Any other statement (a read once something is recorded, an UPDATE, a DELETE, an INSERT ... RETURNING,
  a savepoint) first runs the batch under the lock, and the transaction carries on as an ordinary one.
  Should a recorded INSERT fail then, the error is raised there and the transaction is marked for
  rollback, so nothing of it can be committed.
So a block gets the same result as in an ordinary transaction, provided its writes do not depend on what
it read before its first write (a check-then-insert that must be serialised needs `transaction.atomic()`).
Ids: see `take_id`; within a burst of batched writes in several processes, ids interleave by a few.
"""

from __future__ import annotations

import time

from django.db.backends.sqlite3 import base

# Ids are reserved one at a time, or, while rows of a table keep coming within ID_BURST_SECONDS, in
# blocks that double up to ID_BLOCK: ids follow the order of writing except within a burst (where
# processes interleave by a few), and a block's unused ids (the only gaps) are at most ID_BLOCK - 1.
ID_BLOCK = 16
ID_BURST_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batch: list[tuple[str, object]] | None = None  # the recorded INSERTs of a batched transaction
        self.batch_next = False  # the next outermost transaction is batched
        self._ids: dict[str, tuple[list[int], float, int]] = {}  # table -> (ids left, reserved at, block size)
        self.execute_wrappers.append(self._batching)

    def get_new_connection(self, conn_params):
        """Django's, but WAL is set only when the file is not in WAL yet. The mode is kept in the database file,
        and asking for it again takes a lock that a new connection can be refused ("database is locked", with no
        busy wait) while other processes write: several app processes or workers starting at once."""
        wal = [c for c in self.init_commands if c.replace(" ", "").lower() == "pragmajournal_mode=wal"]
        self.init_commands = [c for c in self.init_commands if c not in wal]
        conn = super().get_new_connection(conn_params)
        if wal and conn.execute("PRAGMA journal_mode").fetchone()[0].lower() not in ("wal", "memory"):
            conn.execute("PRAGMA journal_mode=WAL")
        return conn

    # -- the transaction

    def _start_transaction_under_autocommit(self):
        if self.batch_next:
            self.batch_next = False
            self.batch = []
            return
        super()._start_transaction_under_autocommit()

    def flush_batch(self) -> None:
        """Take the write lock and run the recorded INSERTs; the transaction goes on as an ordinary one."""
        batch, self.batch = self.batch, None
        if batch is None:
            return
        super()._start_transaction_under_autocommit()
        try:
            with self.cursor() as cursor:
                for sql, params in batch:
                    cursor.execute(sql, params)
        except Exception:
            self.needs_rollback = True  # part of the batch ran: only a rollback may end this transaction
            raise

    def _commit(self):
        if self.batch is not None:
            if not self.batch:
                self.batch = None  # nothing written: no transaction was begun
                return None
            self.flush_batch()
        return super()._commit()

    def _rollback(self):
        if self.batch is not None:
            self.batch = None  # nothing ran: nothing to undo
            return None
        return super()._rollback()

    def _close(self):
        self.batch, self.batch_next = None, False
        self._ids.clear()
        return super()._close()

    def _batching(self, execute, sql, params, many, context):
        batch = self.batch
        if batch is not None:
            head = sql[:12].upper()
            if not many and head.startswith("INSERT INTO ") and " RETURNING " not in sql:
                self.validate_no_broken_transaction()
                batch.append((sql, params))
                return None
            if not batch and head.startswith("SELECT"):
                return execute(sql, params, many, context)
            self.flush_batch()
        return execute(sql, params, many, context)

    # -- ids for rows written in a batch

    def take_id(self, table: str) -> int:
        """A primary key for a new row of ``table`` (an AUTOINCREMENT table), reserved under the write lock
        above every id handed out so far, so that no other insert can take it."""
        now = time.monotonic()
        ids, reserved_at, size = self._ids.get(table, ([], 0.0, 0))
        burst = now - reserved_at < ID_BURST_SECONDS
        if not (ids and burst):
            size = min(2 * size, ID_BLOCK) if burst else 1
            ids = self._reserve(table, size)
            self._ids[table] = (ids, now, size)
        return ids.pop()

    def _reserve(self, table: str, size: int) -> list[int]:
        raw = self.connection  # outside any transaction (the batch has not begun one)
        quoted = self.ops.quote_name(table)
        with self.wrap_database_errors:
            raw.execute("BEGIN IMMEDIATE")
            try:
                (start,) = raw.execute(
                    f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0),"
                    f" COALESCE((SELECT MAX(id) FROM {quoted}), 0))",
                    [table],
                ).fetchone()
                end = start + size
                if raw.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", [end, table]).rowcount == 0:
                    raw.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [table, end])
                raw.execute("COMMIT")
            except BaseException:
                raw.execute("ROLLBACK")
                raise
        return list(range(end, start, -1))  # popped from the end: lowest first
