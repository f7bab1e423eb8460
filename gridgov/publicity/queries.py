"""Reads of publicity events: every query starts from `for_user` (or `within` for a place's figures)."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404

from gridgov.publicity.choices import Channel, Topic
from gridgov.publicity.common import Filters
from gridgov.publicity.models import PublicityEvent, PublicityPhoto

FILTER_CHOICES = {"topic": Topic.values, "channel": Channel.values}
LIST_FIELDS = ("id", "path", "held_on", "topic", "title", "channel", "speaker", "attendance", "place__name")


def filters_from(query) -> Filters:
    return Filters.from_query(query, FILTER_CHOICES)


def events_for(user, filters: Filters):
    rows = PublicityEvent.objects.for_user(user).select_related("place")
    return filters.apply(rows, "held_on").order_by("-held_on", "-id")


def totals(queryset) -> dict[str, int]:
    """场次 and 受众人次 of a filtered list (one aggregate query)."""
    row = queryset.order_by().aggregate(events=Count("id"), attendance=Sum("attendance"))
    return {"events": row["events"], "attendance": row["attendance"] or 0}


def event_for(user, pk: int) -> PublicityEvent:
    return get_object_or_404(PublicityEvent.objects.for_user(user).select_related("place", "recorded_by"), pk=pk)


def photos_of(event: PublicityEvent) -> list[PublicityPhoto]:
    return list(PublicityPhoto.objects.filter(event=event).order_by("id"))


def photo_for(user, event_pk: int, pk: int) -> PublicityPhoto:
    return get_object_or_404(PublicityPhoto.objects.for_user(user), event_id=event_pk, pk=pk)
