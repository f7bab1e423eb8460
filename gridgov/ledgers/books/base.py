"""What every ledger book shares: its definition, the filters, and the cell helpers its rows are built with.

A book is a queryset (always through `for_user` when a user asks; the whole database for the operator's
command line, ``user`` None) and a generator of rows in the column layout a township keeps, every cell a
string. The ledgers page shows a page of those rows; the export writes all of them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.ledgers.choices import LedgerKind
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place
from gridgov.utils.xlsx import Column

__all__ = ["Book", "Choice", "Column", "LedgerFilters", "chunked", "day_start", "local_date", "GridNames"]

GRID_LENGTH = CODE_LENGTH[PlaceKind.GRID]
PLACE_CODE_RE = re.compile(r"^\d{2,24}$")
CHUNK = 2000  # rows fetched from the database at a time; the related rows of a chunk come in one query each


@dataclass(frozen=True)
class Choice:
    """A filter of one book beyond place and period: its name in the query (category, color or state), its
    label on the page, and the values it offers (value, label), read when the page is drawn."""

    name: str
    label: str
    options: Callable[[], list[tuple[str, str]]]

    def values(self) -> set[str]:
        return {value for value, _label in self.options()}


@dataclass(frozen=True)
class LedgerFilters:
    """All optional: place code (its subtree), dates (inclusive, on the book's own date), category, color, state.

    What category and state mean is each book's (a matter category id, a key-person category id, a visit's
    way, a patrol's shift, a publicity topic; a matter's state, a key person's status, ...).
    """

    place: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    category: str = ""
    color: str = ""
    state: str = ""

    @classmethod
    def for_year(cls, year: int, **more) -> LedgerFilters:
        return cls(since=dt.date(year, 1, 1), until=dt.date(year, 12, 31), **more)

    @classmethod
    def from_query(cls, params, book: Book) -> LedgerFilters:
        """Filters from a page's query (or a form's data): what the book does not offer is dropped."""
        place = str(params.get("place") or "").strip()
        since, until = _date(params.get("since")), _date(params.get("until"))
        if since and until and since > until:
            since, until = until, since
        chosen = {}
        for choice in book.choices:
            value = str(params.get(choice.name) or "").strip()
            chosen[choice.name] = value if value in choice.values() else ""
        return cls(place=place if PLACE_CODE_RE.match(place) else "", since=since, until=until, **chosen)

    def as_query(self) -> dict[str, str]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else str(v)) for k, v in self.__dict__.items() if v}

    @property
    def period(self) -> str:
        """The period as a ledger's title says it: 2026年, 2026-03-01至2026-03-31, 2026-03-01起, 至2026-03-31."""
        since, until = self.since, self.until
        if since and until:
            if (since.month, since.day, until.month, until.day) == (1, 1, 12, 31) and since.year == until.year:
                return f"{since.year}年"
            return f"{since:%Y-%m-%d}至{until:%Y-%m-%d}"
        if since:
            return f"{since:%Y-%m-%d}起"
        if until:
            return f"至{until:%Y-%m-%d}"
        return ""

    @property
    def period_shown(self) -> str:
        """`period` in the reader's language (the same text in Chinese; the file's title keeps `period`)."""
        since, until = self.since, self.until
        if since and until:
            if (since.month, since.day, until.month, until.day) == (1, 1, 12, 31) and since.year == until.year:
                return gettext("%(year)s年") % {"year": since.year}
            return gettext("%(since)s至%(until)s") % {"since": f"{since:%Y-%m-%d}", "until": f"{until:%Y-%m-%d}"}
        if since:
            return gettext("%(since)s起") % {"since": f"{since:%Y-%m-%d}"}
        if until:
            return gettext("至%(until)s") % {"until": f"{until:%Y-%m-%d}"}
        return ""


RowsFunction = Callable[[QuerySet, object, int], Iterator[list[str]]]


@dataclass(frozen=True)
class Book:
    """One ledger: its title as the township writes it, its columns, its filters, its rows.

    ``queryset(user, filters)`` reads through `for_user` (``user`` None: the whole database);
    ``rows(queryset, user, start)`` yields the cells of each record, numbered from ``start``.
    """

    kind: str
    title: str  # in files and titles, always Chinese: 走访信息台账
    columns: tuple[Column, ...]
    period_label: str  # the date the period filter applies to: 走访日期, 登记日期, ...
    queryset: Callable[[object, LedgerFilters], QuerySet]
    rows: RowsFunction
    choices: tuple[Choice, ...] = ()
    grant: str = ""  # an account flag needed to see the book at all (key populations)

    @property
    def label(self) -> str:
        return LedgerKind(self.kind).label

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def choice(self, name: str) -> Choice | None:
        return next((c for c in self.choices if c.name == name), None)


# ---------------------------------------------------------------- helpers the books share


def _date(raw) -> dt.date | None:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def in_period(qs: QuerySet, name: str, filters: LedgerFilters, *, moment: bool) -> QuerySet:
    """Limit ``qs`` to the filters' dates on field ``name`` (a timestamp when ``moment``, else a date)."""
    if filters.since:
        qs = qs.filter(**{f"{name}__gte": day_start(filters.since) if moment else filters.since})
    if filters.until:
        if moment:
            qs = qs.filter(**{f"{name}__lt": day_start(filters.until + dt.timedelta(days=1))})
        else:
            qs = qs.filter(**{f"{name}__lte": filters.until})
    return qs


def local_date(value: dt.datetime | dt.date | None, tz: dt.tzinfo | None = None) -> str:
    """A timestamp's local day (``tz``: the current time zone, passed in by loops that call this per row)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(tz or timezone.get_current_timezone()).date()
    return value.isoformat()


def chunked(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def joined(values: Iterable[str], sep: str = "、") -> str:
    return sep.join(dict.fromkeys(v for v in values if v))


class GridNames:
    """The grid of a path, by name; the names are read once per code for a whole export."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def load(self, paths: Iterable[str]) -> None:
        codes = {p[:GRID_LENGTH] for p in paths if len(p) >= GRID_LENGTH} - self.names.keys()
        if codes:
            found = dict(Place.objects.filter(code__in=codes).values_list("code", "name"))
            self.names.update({code: found.get(code, "") for code in codes})

    def __call__(self, path: str) -> str:
        return self.names.get(path[:GRID_LENGTH], "") if len(path) >= GRID_LENGTH else ""


def person(display_name: str | None, username: str | None) -> str:
    """An account as pages show it (`User.__str__`) from its two columns."""
    return display_name or username or ""
