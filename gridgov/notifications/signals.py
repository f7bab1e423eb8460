"""Events of the matter engine reach notifications through post_save, inside the action's transaction.

`muted()` (`gridgov.core.bulk`) turns this off for the current thread, for bulk work that should notify nobody
(seeding the demo town's year of matters, benchmarks): ``with muted(): ...``.
"""

from __future__ import annotations

from django.db.models.signals import post_save

from gridgov.core.bulk import is_muted, muted  # noqa: F401  (muted: re-exported for callers)


def _active(created: bool, raw: bool) -> bool:
    return created and not raw and not is_muted()


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
