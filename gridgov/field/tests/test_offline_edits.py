"""An edit made offline never silently overwrites a visit that changed on the server meanwhile."""

import uuid

import pytest
from django.utils import timezone

from gridgov.core.actions import ActionRefused
from gridgov.field.models import SyncReceipt
from gridgov.field.tests.conftest import sync, visit_record
from gridgov.visits import actions as visit_actions
from gridgov.visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced_visit(world, login):
    body = sync(login(world.grid_worker_a), [visit_record(world.household_a, findings="房屋完好")])
    return Visit.objects.get(pk=body["results"][0]["id"])


def edit(visit, base, **changes) -> dict:
    return {
        "kind": "visit_edit",
        "client_uuid": str(uuid.uuid4()),
        "visit_id": visit.pk,
        "base_updated_at": base.isoformat() if hasattr(base, "isoformat") else base,
        **changes,
    }


def test_edit_on_the_current_copy_is_applied_and_a_replay_adds_nothing(world, client, synced_visit):
    record = edit(synced_visit, synced_visit.updated_at, findings="房屋完好；屋后堡坎有裂缝")

    first = sync(client, [record])
    again = sync(client, [record])

    assert [r["status"] for r in first["results"]] == ["updated"]
    assert [r["status"] for r in again["results"]] == ["existing"]
    assert first["results"][0]["id"] == again["results"][0]["id"] == synced_visit.pk
    synced_visit.refresh_from_db()
    assert synced_visit.findings == "房屋完好；屋后堡坎有裂缝"
    assert SyncReceipt.objects.filter(kind="visit_edit").count() == 1


def test_edit_on_a_stale_copy_answers_conflict_with_both_copies_and_changes_nothing(world, client, synced_visit):
    stale = synced_visit.updated_at
    visit_actions.update_visit(world.village_committee, synced_visit, {"findings": "村委核实：房屋完好"})
    server = Visit.objects.get(pk=synced_visit.pk)

    body = sync(client, [edit(synced_visit, stale, findings="房屋完好；屋后堡坎有裂缝", people_met="户主及其妻子")])

    result = body["results"][0]
    assert (result["status"], result["id"], body["conflict"]) == ("conflict", synced_visit.pk, 1)
    assert result["server"]["findings"] == "村委核实：房屋完好"
    assert result["server"]["people_met"] == "户主"
    assert result["server"]["updated_at"] == server.updated_at.isoformat()
    assert result["mine"] == {
        "findings": "房屋完好；屋后堡坎有裂缝",
        "people_met": "户主及其妻子",
        "base_updated_at": stale.isoformat(),
    }
    assert Visit.objects.get(pk=synced_visit.pk).findings == "村委核实：房屋完好"
    assert SyncReceipt.objects.filter(kind="visit_edit").count() == 0


def test_keep_mine_resends_with_the_servers_version_as_base(world, client, synced_visit):
    stale = synced_visit.updated_at
    visit_actions.update_visit(world.village_committee, synced_visit, {"findings": "村委核实：房屋完好"})
    record = edit(synced_visit, stale, findings="房屋完好；屋后堡坎有裂缝")
    conflict = sync(client, [record])["results"][0]

    body = sync(client, [{**record, "base_updated_at": conflict["server"]["updated_at"]}])

    assert [r["status"] for r in body["results"]] == ["updated"]
    assert Visit.objects.get(pk=synced_visit.pk).findings == "房屋完好；屋后堡坎有裂缝"


def test_an_edit_already_on_the_server_is_not_a_conflict(world, client, synced_visit):
    stale = synced_visit.updated_at
    visit_actions.update_visit(world.grid_worker_a, synced_visit, {"findings": "同样的内容"})

    body = sync(client, [edit(synced_visit, stale, findings="同样的内容")])

    assert [r["status"] for r in body["results"]] == ["existing"]


def test_edit_of_another_grids_visit_is_rejected_and_changes_nothing(world, login):
    theirs, _ = visit_actions.record_visit(
        world.grid_worker_b,
        visit_actions.VisitInput(household=world.household_b, visited_at=timezone.now(), findings="原记录"),
    )
    client = login(world.grid_worker_a)

    body = sync(client, [edit(theirs, theirs.updated_at, findings="改掉")])

    assert body["results"][0]["status"] == "rejected"
    assert body["results"][0]["detail"] == "走访记录不存在"
    assert Visit.objects.get(pk=theirs.pk).findings == "原记录"


def test_update_visit_refuses_an_account_out_of_scope(world, synced_visit):
    with pytest.raises(ActionRefused):
        visit_actions.update_visit(world.grid_worker_b, synced_visit, {"findings": "改掉"})

    assert Visit.objects.get(pk=synced_visit.pk).findings == "房屋完好"
