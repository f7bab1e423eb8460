"""Plain-text tables that line up in a terminal, where CJK characters take two columns."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Columns separated by two spaces, a rule under the header; columns in ``right`` are right-aligned."""
    everything = [tuple(header), *(tuple(r) for r in rows)]
    widths = [max(display_width(r[i]) for r in everything) for i in range(len(header))]
    lines = []
    for k, row in enumerate(everything):
        lines.append("  ".join(pad(cell, widths[i], i in right) for i, cell in enumerate(row)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
