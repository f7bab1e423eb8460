import datetime as dt
import uuid

import pytest
from django.utils import timezone

from gridgov.keypersons import actions as keyperson_actions
from gridgov.keypersons.models import KeyPersonCategory
from gridgov.matters.models import Category

SYNC = "/api/v1/field/sync"


def hours_ago(n: int) -> str:
    return (timezone.now() - dt.timedelta(hours=n)).isoformat()


def visit_record(household, *, hours: int = 2, findings: str = "家中一切正常", **extra) -> dict:
    return {
        "kind": "visit",
        "client_uuid": str(uuid.uuid4()),
        "household_id": household.pk,
        "visited_at": hours_ago(hours),
        "mode": "door",
        "people_met": "户主",
        "findings": findings,
        **extra,
    }


def matter_record(category, *, household=None, title="村道边坡有落石", **extra) -> dict:
    return {
        "kind": "matter",
        "client_uuid": str(uuid.uuid4()),
        "matter_kind": category.kind,
        "category_id": category.pk,
        "title": title,
        "description": "雨后边坡松动，有石块滚落到路面",
        "color": "yellow",
        **({"household_id": household.pk} if household is not None else {}),
        **extra,
    }


def follow_up_record(person, **extra) -> dict:
    return {
        "kind": "follow_up",
        "client_uuid": str(uuid.uuid4()),
        "key_person_id": person.pk,
        "followed_up_at": hours_ago(1),
        "mode": "door",
        "whereabouts": "at_home",
        "notes": "在家务农，情绪稳定",
        **extra,
    }


def sync(client, records: list[dict]) -> dict:
    response = client.post(SYNC, {"records": records}, content_type="application/json")
    assert response.status_code == 200, response.content.decode()[:500]
    return response.json()


def grant(user):
    user.may_view_key_population = True
    user.save(update_fields=["may_view_key_population"])
    return user


@pytest.fixture
def hazard_category():
    return Category.objects.filter(kind="hazard", selectable=True, active=True).order_by("sort_order", "code").first()


@pytest.fixture
def key_person_a(world):
    """王建国 of household A on the drug-user list, enlisted by the town (the town's staff holds the grant)."""
    grant(world.town_staff)
    return keyperson_actions.enlist(
        world.town_staff,
        keyperson_actions.EnlistInput(
            resident=world.resident_a,
            category=KeyPersonCategory.objects.get(code="drug_user"),
            color="yellow",
            responsible=None,
            control_measures="每周见面一次",
            enlisted_on=timezone.localdate() - dt.timedelta(days=30),
        ),
    )
