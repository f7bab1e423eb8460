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

from django.core.exceptions import EmptyResultSet
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


class Among(Lookup):
    """`id__among=[1, 2, 3]` (or `fk__among=`): ``IN`` over a list of integer ids, each bound as one parameter.

    What `__in` does, minus Django's preparation of every value through the field (and, for a foreign key, the
    related model's field): 13 ms against 5 ms for 2,000 ids, which a ledger export of 100,000 rows pays twice per
    chunk of 2,000. Only for ids the code already holds as ints; anything else is refused.
    """

    lookup_name = "among"
    prepare_rhs = False

    def get_prep_lookup(self):
        values = list(self.rhs)
        if not all(type(v) is int for v in values):
            raise TypeError("__among takes a list of ints")
        return values

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*lhs_params, *self.rhs]
