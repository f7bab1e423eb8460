"""Reads of clean-ups: every query starts from `for_user` (or `within` for a place's figures)."""

from __future__ import annotations

from django.db.models import Count, Max, Q, Sum
from django.shortcuts import get_object_or_404

from gridgov.cleanups.models import CleanupProblem, CleanupRound, ResponsibilityArea
from gridgov.matters.choices import Recurrence
from gridgov.publicity.common import Filters

ROUND_LIST_FIELDS = ("id", "path", "held_on", "participant_count", "summary", "area__id", "area__name")


def areas_for(user):
    return (
        ResponsibilityArea.objects.for_user(user)
        .select_related("place")
        .annotate(round_count=Count("rounds"), last_round=Max("rounds__held_on"))
        .order_by("path", "name", "id")
    )


def area_for(user, pk: int) -> ResponsibilityArea:
    return get_object_or_404(ResponsibilityArea.objects.for_user(user).select_related("place"), pk=pk)


def covers_of(areas: list[ResponsibilityArea]) -> None:
    """Attach ``cover_names`` to each area with one query."""
    through = ResponsibilityArea.covers.through
    names: dict[int, list[str]] = {a.pk: [] for a in areas}
    for area_id, name in (
        through.objects.filter(responsibilityarea_id__in=list(names))
        .order_by("responsibilityarea_id", "place__code")
        .values_list("responsibilityarea_id", "place__name")
    ):
        names[area_id].append(name)
    for area in areas:
        area.cover_names = names[area.pk]


def filters_from(query) -> Filters:
    filters = Filters.from_query(query)
    area = query.get("area", "")
    if area.isdigit() and len(area) < 19:
        filters.extra["area_id"] = area
    return filters


def rounds_for(user, filters: Filters):
    return filters.apply(CleanupRound.objects.for_user(user), "held_on")


def round_rows(rounds):
    """A list's rows: each round with its area and the number of problems found."""
    return rounds.select_related("area").annotate(problem_count=Count("problems")).order_by("-held_on", "-id")


def round_for(user, pk: int) -> CleanupRound:
    return get_object_or_404(
        CleanupRound.objects.for_user(user).select_related("area", "area__place", "recorded_by"), pk=pk
    )


def problems_of(user, round_: CleanupRound) -> list[CleanupProblem]:
    return list(
        CleanupProblem.objects.for_user(user)
        .filter(round=round_)
        .select_related("place", "category", "matter")
        .order_by("id")
    )


def totals(rounds) -> dict[str, int]:
    """轮次, 参与人次 and the problems found by handling, over a filtered set of rounds (two queries)."""
    row = rounds.order_by().aggregate(rounds=Count("id"), people=Sum("participant_count"))
    problems = CleanupProblem.objects.filter(round__in=rounds.order_by().values("id")).aggregate(
        problems=Count("id"),
        **{r.value: Count("id", filter=Q(recurrence=r.value)) for r in Recurrence},
    )
    return {"rounds": row["rounds"], "people": row["people"] or 0, **problems}
