"""Reads of the field app: the worker's own grid data a phone keeps for offline use."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gridgov.campaigns import actions as campaign_actions
from gridgov.campaigns import queries as campaign_queries
from gridgov.campaigns.models import CampaignQuestion
from gridgov.households.models import Household
from gridgov.keypersons.choices import FollowUpMode, PersonState, Whereabouts
from gridgov.keypersons.models import KeyPerson, holds_grant
from gridgov.matters.choices import MatterKind, RiskColor, SourceChannel
from gridgov.matters.models import Category
from gridgov.visits.choices import VisitMode
from gridgov.visits.models import Visit

HOUSEHOLD_LIMIT = 3000  # a grid holds a few hundred; a town account gets the first few thousand
RECENT_DAYS = 30
RECENT_LIMIT = 50
CAMPAIGN_UNCHECKED_LIMIT = HOUSEHOLD_LIMIT


def choices(enum) -> list[dict]:
    return [{"value": value, "label": str(label)} for value, label in enum.choices]


def households_of(user) -> tuple[list[dict], bool]:
    rows = list(
        Household.objects.for_user(user)
        .select_related("householder")
        .only("id", "number", "address", "path", "householder__name")
        .order_by("path", "number", "id")[: HOUSEHOLD_LIMIT + 1]
    )
    out = [
        {
            "id": h.pk,
            "number": h.number,
            "address": h.address,
            "householder": h.householder.name if h.householder_id else "",
        }
        for h in rows[:HOUSEHOLD_LIMIT]
    ]
    return out, len(rows) > HOUSEHOLD_LIMIT


def categories() -> list[dict]:
    return [
        {"id": c.pk, "kind": c.kind, "name": c.name}
        for c in Category.objects.filter(active=True, selectable=True).only("id", "kind", "name")
    ]


def recent_visits(user, now: dt.datetime | None = None) -> list[dict]:
    """The user's own visits of the last month: the copies an offline edit starts from."""
    since = (now or timezone.now()) - dt.timedelta(days=RECENT_DAYS)
    rows = (
        Visit.objects.for_user(user)
        .filter(recorded_by=user, visited_at__gte=since)
        .select_related("household")
        .only(
            "id",
            "household__id",
            "household__number",
            "household__address",
            "visited_at",
            "mode",
            "people_met",
            "findings",
            "companions",
            "updated_at",
        )  # fmt: skip
        .order_by("-visited_at", "-id")[:RECENT_LIMIT]
    )
    return [
        {
            "id": v.pk,
            "household_id": v.household_id,
            "household": f"{v.household.number} {v.household.address}",
            "visited_at": v.visited_at.isoformat(),
            "mode": v.mode,
            "people_met": v.people_met,
            "findings": v.findings,
            "companions": v.companions,
            "updated_at": v.updated_at.isoformat(),
        }
        for v in rows
    ]


def key_persons_of(user) -> list[dict]:
    """Key persons the user may follow up (only for holders of the grant; empty for anyone else)."""
    if not holds_grant(user):
        return []
    rows = (
        KeyPerson.objects.for_user(user)
        .filter(status__in=KeyPerson.ACTIVE_STATUSES)
        .select_related("resident", "category")
        .only("id", "path", "color", "next_follow_up_due", "resident__name", "category__name")
        .order_by("next_follow_up_due", "id")[:HOUSEHOLD_LIMIT]
    )
    return [
        {
            "id": p.pk,
            "name": p.resident.name,
            "category": p.category.name,
            "color": p.color,
            "next_follow_up_due": p.next_follow_up_due.isoformat(),
        }
        for p in rows
    ]


def campaigns_of(user) -> list[dict]:
    """Campaigns running today in the user's area: their checklists and the user's households not yet checked.

    Two queries plus one per running campaign (its unchecked households)."""
    out = []
    campaigns = campaign_queries.running_campaigns(user)
    checklists: dict[int, list[CampaignQuestion]] = {c.pk: [] for c in campaigns}
    for question in CampaignQuestion.objects.filter(campaign__in=campaigns):  # every checklist in one query
        checklists[question.campaign_id].append(question)
    for campaign in campaigns:
        campaign._questions = checklists[campaign.pk]  # read by questions_of
        unchecked = campaign_queries.unchecked(user, campaign).values_list("pk", flat=True)[:CAMPAIGN_UNCHECKED_LIMIT]
        out.append(
            {
                "id": campaign.pk,
                "title": campaign.title,
                "starts_on": campaign.starts_on.isoformat(),
                "ends_on": campaign.ends_on.isoformat(),
                "questions": [
                    {
                        "key": q.key,
                        "text": q.text,
                        "kind": q.kind,
                        "required": q.required,
                        "options": q.options,
                        "help_text": q.help_text,
                    }
                    for q in campaign_actions.questions_of(campaign)
                ],
                "unchecked": list(unchecked),
            }
        )
    return out


def bootstrap(user) -> dict:
    """Everything the phone needs to record offline: households, categories, choices, recent visits.

    Key-population data (the persons and the follow-up choices) is present only for holders of the
    grant; for anyone else the ``follow_up`` part is null, the same for every such account.
    """
    households, more = households_of(user)
    data = {
        "user": {
            "id": user.pk,
            "name": user.display_name or user.username,
            "place_code": user.place.code,
            "place_name": user.place.name,
        },
        "households": households,
        "households_more": more,
        "visit_modes": choices(VisitMode),
        "matter_kinds": choices(MatterKind),
        "categories": categories(),
        "colors": choices(RiskColor),
        "channels": choices(SourceChannel),
        "recent_visits": recent_visits(user),
        "follow_up": None,
        "campaigns": campaigns_of(user),
    }
    if holds_grant(user):
        data["follow_up"] = {
            "key_persons": key_persons_of(user),
            "modes": choices(FollowUpMode),
            "whereabouts": choices(Whereabouts),
            "states": choices(PersonState),
        }
    return data
