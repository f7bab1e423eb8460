"""Text that may not be stored: control characters that break PostgreSQL (NUL) and XML 1.0 (all of them)."""

from __future__ import annotations

import re

# C0 controls but tab, line feed and carriage return; DEL; lone surrogates; the two XML non-characters.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def without_control_characters(text: str) -> str:
    """``text`` with each control character replaced by U+FFFD (for output that must stay well-formed)."""
    return CONTROL_CHARACTERS.sub("\ufffd", text)
