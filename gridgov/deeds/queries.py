"""Reads of practical deeds: every query starts from `for_user` (or `within` for a place's figures)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from gridgov.deeds.choices import DeedCategory
from gridgov.deeds.models import Deed
from gridgov.publicity.common import Filters

FILTER_CHOICES = {"category": DeedCategory.values}
LIST_FIELDS = (
    "id", "path", "done_on", "category", "title", "beneficiary", "done_by", "resident_id", "household_id",
    "place__name", "household__number", "resident__name",
)  # fmt: skip


def filters_from(query) -> Filters:
    return Filters.from_query(query, FILTER_CHOICES)


def deeds_for(user, filters: Filters):
    rows = Deed.objects.for_user(user).select_related("place", "household", "resident")
    return filters.apply(rows, "done_on").order_by("-done_on", "-id")


def deed_for(user, pk: int) -> Deed:
    return get_object_or_404(
        Deed.objects.for_user(user).select_related("place", "household", "resident", "recorded_by"), pk=pk
    )
