"""Events of the matter engine reach notifications through post_save, inside the action's transaction.

`muted()` turns this off for the current thread, for bulk work that should notify nobody (seeding the
demo town's year of matters, benchmarks): ``with muted(): ...``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models.signals import post_save

_state = threading.local()


@contextmanager
def muted() -> Iterator[None]:
    """No notices and no outbound messages for matter events saved inside the block (this thread only)."""
    previous = getattr(_state, "muted", False)
    _state.muted = True
    try:
        yield
    finally:
        _state.muted = previous


def _active(created: bool, raw: bool) -> bool:
    return created and not raw and not getattr(_state, "muted", False)


def _matter_event_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if _active(created, raw):
        from gridgov.notifications.actions import notify_matter_event

        notify_matter_event(instance)


def _supervision_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if _active(created, raw):
        from gridgov.notifications.actions import notify_supervision

        notify_supervision(instance)


def connect() -> None:
    post_save.connect(_matter_event_saved, sender="matters.MatterEvent", dispatch_uid="notify_matter_event")
    post_save.connect(_supervision_saved, sender="matters.Supervision", dispatch_uid="notify_supervision")
