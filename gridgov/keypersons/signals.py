"""Keep key-person records with their resident when a household moves (households.actions.move_household)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from gridgov.households.models import Resident
from gridgov.visits.signals import resident_moved


@receiver(post_save, sender=Resident, dispatch_uid="keypersons.follow_resident_move")
def _follow_resident(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or not resident_moved(created, update_fields):
        return
    from gridgov.keypersons.actions import follow_resident_move

    follow_resident_move(instance)
