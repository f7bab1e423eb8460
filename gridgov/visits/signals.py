"""Keep vulnerable-member records with their resident when a household moves (households.actions.move_household)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from gridgov.households.models import Resident

MOVE_FIELDS = frozenset({"path", "household"})


def resident_moved(created: bool, update_fields) -> bool:
    if created:
        return False
    return update_fields is None or bool(MOVE_FIELDS & set(update_fields))


@receiver(post_save, sender=Resident, dispatch_uid="visits.follow_resident_move")
def _follow_resident(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or not resident_moved(created, update_fields):
        return
    from gridgov.visits.actions import follow_resident_move

    follow_resident_move(instance)
