"""The phone reports a matter up (登记并上报) and learns its number (受理编号) and holder once synced."""

import pytest

from gridgov.field.tests.conftest import matter_record, sync
from gridgov.matters.models import Category, Matter, MatterEvent
from gridgov.matters.queries import work_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute_category():
    return Category.objects.get(code="dispute.neighbour")


def test_a_matter_reported_up_from_the_phone_lands_in_the_village_queue_with_its_number(world, login, dispute_category):
    client = login(world.grid_worker_a)
    record = matter_record(dispute_category, household=world.household_a, title="两家为排水沟争吵", report_up=True)

    body = sync(client, [record])

    matter = Matter.objects.get(title="两家为排水沟争吵")
    assert body["results"] == [
        {
            "client_uuid": record["client_uuid"],
            "kind": "matter",
            "status": "created",
            "id": matter.pk,
            "reference": matter.reference,
            "holder": "桂园村",
            "state": "待受理",
            "detail": "",
            "errors": {},
            "server": None,
            "mine": None,
            "rebase": None,
        }
    ]
    assert matter.reference == f"JF-{matter.created_at.year}-{matter.pk:06d}"
    assert (matter.level, matter.state, matter.holder_place_id) == ("village", "pending", world.village_a.pk)
    assert list(matter.events.order_by("id").values_list("action", flat=True)) == ["record", "report_up"]
    assert list(work_queue(world.village_committee)) == [matter]

    again = sync(client, [record])  # a retry after a lost answer: the same matter, its number again
    assert [(r["status"], r["id"], r["reference"]) for r in again["results"]] == [
        ("existing", matter.pk, matter.reference)
    ]
    assert Matter.objects.count() == 1 and MatterEvent.objects.filter(matter=matter).count() == 2


def test_a_plain_matter_from_the_phone_stays_at_the_grid(world, login, dispute_category):
    body = sync(login(world.grid_worker_a), [matter_record(dispute_category, household=world.household_a)])
    matter = Matter.objects.get()
    assert [(r["reference"], r["holder"], r["state"]) for r in body["results"]] == [
        (matter.reference, "桂园村第1网格", "办理中")
    ]


def test_a_report_up_the_sender_cannot_make_is_rejected_and_records_nothing(world, login, dispute_category):
    body = sync(
        login(world.village_committee),
        [matter_record(dispute_category, household=world.household_a, report_up=True)],
    )
    assert [(r["status"], r["detail"], r.get("reference")) for r in body["results"]] == [
        ("rejected", "该事项将由桂园村第1网格受理，您不能在登记时上报；请只登记，由该单位办理", None)
    ]
    assert Matter.objects.count() == 0 and MatterEvent.objects.count() == 0
