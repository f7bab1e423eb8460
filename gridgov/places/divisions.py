"""The shipped NBS division fixtures (see data/SOURCE.md)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent: str


@lru_cache(maxsize=1)
def known_region_codes() -> frozenset[str]:
    """Six-digit county-level codes in force (ID numbers with other codes get a warning)."""
    with (DATA / "regions.csv").open(encoding="utf-8") as f:
        return frozenset(row["code"] for row in csv.DictReader(f) if row["level"] == "county")


@lru_cache(maxsize=1)
def xishui_divisions() -> tuple[Division, ...]:
    with (DATA / "xishui_520330.csv").open(encoding="utf-8") as f:
        return tuple(Division(r["code"], r["name"], r["level"], r["parent"]) for r in csv.DictReader(f))
