"""The ledger books, by kind (`LedgerKind`), in the order the page offers them."""

from __future__ import annotations

from gridgov.ledgers.books.base import Book, LedgerFilters
from gridgov.ledgers.books.keypersons import KEY_PERSONS
from gridgov.ledgers.books.matters import DISPUTES, HAZARDS
from gridgov.ledgers.books.patrols import PATROLS
from gridgov.ledgers.books.publicity import PUBLICITY
from gridgov.ledgers.books.visits import VISITS

BOOKS: dict[str, Book] = {book.kind: book for book in (VISITS, KEY_PERSONS, DISPUTES, HAZARDS, PATROLS, PUBLICITY)}

__all__ = ["BOOKS", "Book", "LedgerFilters"]
