"""Marks every save and delete of a counted record for recounting (matters excepted: their timeline is
read by the refresh instead, so intake writes nothing more). Old and new place and date both: a record
that moved leaves one bucket and joins another."""

from __future__ import annotations

import operator

from django.apps import apps
from django.db.models.signals import post_delete, pre_save

from gridgov.core import counting
from gridgov.stats.marks import mark

# model -> [(family, path attribute, date attribute or None)]
TRACKED: dict[str, list[tuple[str, str, str | None]]] = {
    "visits.Visit": [("visits", "path", "visited_at"), ("households", "path", None)],
    "households.Household": [("households", "path", None)],
    "personnel.Appointment": [("staff", "path", None)],
    "keypersons.KeyPerson": [("key_persons", "path", "enlisted_on")],
    "patrols.Patrol": [("patrols", "path", "date")],
    "publicity.PublicityEvent": [("publicity", "path", "held_on")],
    "deeds.Deed": [("deeds", "path", "done_on")],
    "cleanups.CleanupRound": [("cleanups", "path", "held_on")],
    "cleanups.CleanupProblem": [("cleanups", "path", "round.held_on")],
    "campaigns.HouseholdCheck": [("checks", "path", "checked_at")],
}


def _value(instance, attribute: str | None):
    return operator.attrgetter(attribute)(instance) if attribute else None


def _stored(sender, instance, fields: list[str]) -> dict | None:
    """The row as stored before this save (None for a new record): read from the database, since the instance
    in hand may have been loaded long ago (the old place and date of a record that moves)."""
    if instance._state.adding or instance.pk is None or not fields:
        return None
    row = sender._base_manager.filter(pk=instance.pk).values(*fields).first()
    return row


def _before_save(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    tracked = TRACKED[sender._meta.label]
    plain = sorted({a for _, path, date in tracked for a in (path, date) if a and "." not in a})
    before = _stored(sender, instance, plain)
    for family, path, date in tracked:
        items = [(_value(instance, path), _value(instance, date))]
        if before is not None and (date is None or date in before):
            items.append((before[path], before[date] if date else None))
        mark(family, items)


def _after_delete(sender, instance, **kwargs) -> None:
    for family, path, date in TRACKED[sender._meta.label]:
        mark(family, [(_value(instance, path), _value(instance, date))])


def _buckets_changed(sender, family: str, items, **kwargs) -> None:
    mark(family, items)


def connect() -> None:
    counting.buckets_changed.connect(_buckets_changed, dispatch_uid="stats-buckets-changed")
    for label in TRACKED:
        model = apps.get_model(label)
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"stats-mark-save-{label}")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"stats-mark-delete-{label}")
