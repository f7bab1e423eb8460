"""Events of the matter engine reach notifications through post_save, inside the action's transaction."""

from __future__ import annotations

from django.db.models.signals import post_save


def _matter_event_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from gridgov.notifications.actions import notify_matter_event

        notify_matter_event(instance)


def _supervision_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from gridgov.notifications.actions import notify_supervision

        notify_supervision(instance)


def connect() -> None:
    post_save.connect(_matter_event_saved, sender="matters.MatterEvent", dispatch_uid="notify_matter_event")
    post_save.connect(_supervision_saved, sender="matters.Supervision", dispatch_uid="notify_supervision")
