"""Reads of deliberation meetings: every query starts from `for_user` (or `within` for a place's figures)."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404

from gridgov.deliberations.choices import Subject
from gridgov.deliberations.models import Deliberation
from gridgov.publicity.common import Filters

FILTER_CHOICES = {"subject": Subject.values}
LIST_FIELDS = ("id", "path", "held_on", "subject", "topic", "host", "participant_count", "decisions", "group__name")


def filters_from(query) -> Filters:
    return Filters.from_query(query, FILTER_CHOICES)


def deliberations_for(user, filters: Filters):
    rows = Deliberation.objects.for_user(user).select_related("group")
    return filters.apply(rows, "held_on").order_by("-held_on", "-id")


def totals(queryset) -> dict[str, int]:
    """次数 and 参与人次 of a filtered list (one aggregate query)."""
    row = queryset.order_by().aggregate(meetings=Count("id"), people=Sum("participant_count"))
    return {"meetings": row["meetings"], "people": row["people"] or 0}


def deliberation_for(user, pk: int) -> Deliberation:
    return get_object_or_404(Deliberation.objects.for_user(user).select_related("group", "recorded_by"), pk=pk)


def matters_of(user, deliberation: Deliberation) -> list:
    """The follow-up matters the user may see (the matter engine's own scope)."""
    from gridgov.matters.models import Matter

    return list(
        Matter.objects.for_user(user)
        .filter(pk__in=deliberation.matter_links.values("matter_id"))
        .only("id", "kind", "title", "state", "created_at")
        .order_by("id")
    )
