"""Bulk work that should notify nobody (seeding a demo town's past, benchmarks): ``with muted(): ...``.

A flag for the current thread that receivers of events (notifications, hooks) read with `is_muted()`;
it lives here, apart from any of them, so that the bulk code needs to import none of them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
