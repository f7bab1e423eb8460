"""Reads of the ledgers for one user: which books they may open, a book's filtered records, a page of its rows.

Every read starts from the book's queryset, which starts from `for_user` (the operator's command line passes
``user`` None and reads the whole database). The key-population book exists only for holders of the grant:
for anyone else `book_for` answers 404, the same as for a book that does not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.choices import BUSINESS_ROLES, Role
from gridgov.core.models import scope_prefix
from gridgov.core.paging import Page
from gridgov.ledgers.books import BOOKS, Book, LedgerFilters
from gridgov.ledgers.models import LedgerExport
from gridgov.places.models import Place

PAGE_SIZE = 50  # a phone renders at most this many rows at once


# The ledgers are the books a grid, village, town or county keeps; a household-cluster leader (about ten
# households, reports matters) keeps none of them.
LEDGER_ROLES = BUSINESS_ROLES - {Role.CLUSTER_LEADER}


def may_open(user, book: Book) -> bool:
    if user is None:
        return True
    return user.role in LEDGER_ROLES and (not book.grant or getattr(user, book.grant, False) is True)


def books_for(user) -> list[Book]:
    return [book for book in BOOKS.values() if may_open(user, book)]


def book_for(user, kind: str) -> Book:
    book = BOOKS.get(kind)
    if book is None or not may_open(user, book):
        raise Http404("no such ledger")
    return book


def place_for(user, code: str) -> Place:
    """The place a ledger is read for: ``code`` if it lies in the user's scope (else 404), or the user's own."""
    code = code or scope_prefix(user) or ""
    place = Place.objects.for_user(user).filter(code=code).only("id", "code", "name", "kind").first()
    if place is None:
        raise Http404("place out of scope")
    return place


def records(user, book: Book, filters: LedgerFilters) -> QuerySet:
    return book.queryset(user, filters)


def title_of(book: Book, place: Place | None, filters: LedgerFilters) -> str:
    """寨坝镇2026年走访信息台账."""
    return f"{place.name if place else ''}{filters.period}{book.title}"


def heading_of(book: Book, place: Place | None, filters: LedgerFilters) -> str:
    """The page's heading: `title_of` in the reader's language (the exported file keeps the Chinese title)."""
    parts = {"place": place.name if place else "", "period": filters.period_shown, "title": gettext(book.title)}
    if parts["period"]:
        return gettext("%(place)s%(period)s%(title)s") % parts
    return gettext("%(place)s%(title)s") % parts


def describe(book: Book, filters: LedgerFilters) -> list[tuple[str, str]]:
    """The filters as a person reads them: (label, value) for each one set, place and period first."""
    out = []
    if filters.place:
        place = Place.objects.filter(code=filters.place).values_list("name", flat=True).first()
        out.append((_("地域"), f"{place or ''}（{filters.place}）"))
    if filters.since or filters.until:
        since = filters.since.isoformat() if filters.since else "…"
        until = filters.until.isoformat() if filters.until else "…"
        out.append((book.period_label, f"{since} — {until}"))
    for choice in book.choices:
        value = getattr(filters, choice.name)
        if value:
            out.append((choice.label, dict(choice.options()).get(value, value).strip()))
    return out


def page_of(user, book: Book, filters: LedgerFilters, number: int, size: int = PAGE_SIZE) -> Page:
    """One page of a book's rows (cells as the export writes them) with the exact total of the filtered records
    (the export button states it); a page past the end is the last page."""
    qs = records(user, book, filters)
    total = qs.order_by().count()
    number = max(1, min(number, -(-total // size) or 1))
    offset = (number - 1) * size
    rows = list(book.rows(qs[offset : offset + size], user, offset + 1))
    has_next = offset + size < total
    return Page(rows=rows, number=number, has_next=has_next, query=filters.as_query(), size=size, total=total)


def exports_for(user, limit: int = 5) -> list[LedgerExport]:
    return list(LedgerExport.objects.for_user(user).defer("content").select_related("place").order_by("-id")[:limit])


def export_file(user, pk: int) -> tuple[LedgerExport, bytes | None]:
    """A user's export and its file (None: not finished, failed, or no longer kept)."""
    job = export_for(user, pk)
    content = LedgerExport.objects.filter(pk=job.pk).values_list("content", flat=True).first()
    return job, None if content is None else bytes(content)


def export_for(user, pk: int) -> LedgerExport:
    export = LedgerExport.objects.for_user(user).defer("content").select_related("place").filter(pk=pk).first()
    if export is None:
        raise Http404("no such export")
    return export
