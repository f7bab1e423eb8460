"""The workbench (工作台): each role's main panel beside its queue, every figure checked against a raw count."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from gridgov.audit.models import AuditLog
from gridgov.households.models import Household, Resident
from gridgov.keypersons import actions as keyperson_actions
from gridgov.keypersons.models import KeyPerson, KeyPersonCategory
from gridgov.matters.models import Matter
from gridgov.matters.tests.helpers import record
from gridgov.places.models import Place
from gridgov.testing import make_user


def figure(body: str, name: str) -> int:
    return int(re.search(rf'id="figure-{name}"[^>]*><b[^>]*>(\d+)</b>', body).group(1))


def queue_total(body: str) -> int:
    return int(re.search(r'id="queue-total">(\d+)<', body).group(1))


@pytest.fixture
def matters(world):
    """Two yellow disputes in grid A (held by grid A), a red one held by the town, one resolved-like closed."""
    in_grid = [record(world.grid_worker_a, title=f"地界纠纷{i}") for i in range(2)]
    at_town = record(world.town_staff, place=world.town, color="red", title="镇里的红色纠纷")
    Matter.objects.filter(pk=in_grid[0].pk).update(overdue=True)
    closed = record(world.grid_worker_b, household=world.household_b, title="已结的纠纷")
    Matter.objects.filter(pk=closed.pk).update(is_open=False, state="closed")
    return {"grid": in_grid, "town": at_town, "closed": closed}


def test_town_workbench_shows_its_places_counts_and_its_queue(world, matters, login):
    body = login(world.town_staff).get("/workbench/").content.decode()
    town = world.town.code
    assert 'id="workbench-place"' in body and 'id="workbench-queue"' in body
    households = Household.objects.filter(path__startswith=town).count()
    residents = Resident.objects.filter(path__startswith=town).count()
    assert re.findall(r"<b>(\d+)</b><span>(户|居民|网格|联户)</span>", body) == [
        (str(households), "户"),
        (str(residents), "居民"),
        (str(Place.objects.filter(code__startswith=town, kind="grid").count()), "网格"),
        (str(Place.objects.filter(code__startswith=town, kind="cluster").count()), "联户"),
    ]
    open_matters = Matter.objects.filter(path__startswith=town, is_open=True)
    assert figure(body, "open") == open_matters.count() == 3
    assert figure(body, "overdue") == open_matters.filter(overdue=True).count() == 1
    assert figure(body, "red") == open_matters.filter(color="red").count() == 1
    held = Matter.objects.filter(holder_path=town, is_open=True, holder_department__isnull=True)
    assert queue_total(body) == held.count() == 1
    assert "镇里的红色纠纷" in body and "地界纠纷0" not in body  # the grid's matters are the grid's to handle
    year = re.search(r'<table class="list" id="year-matters">(.*?)</table>', body, re.S).group(1)
    disputes = re.search(r">矛盾纠纷</a></td>\s*((?:<td class=\"num\">\d+</td>)+)", year)
    assert re.findall(r"(\d+)</td>", disputes.group(1)) == ["4", "1", "3", "1"]  # received, resolved, open, overdue


def test_village_workbench_counts_only_its_village(world, matters, login):
    body = login(world.village_committee).get("/workbench/").content.decode()
    assert figure(body, "open") == Matter.objects.filter(path__startswith=world.village_a.code, is_open=True).count()
    assert figure(body, "open") == 2 and "镇里的红色纠纷" not in body and "永盛村" not in body


def test_grid_worker_workbench_is_todays_visits_and_the_grids_queue(world, matters, login):
    body = login(world.grid_worker_a).get("/workbench/").content.decode()
    assert 'id="workbench-field"' in body
    assert "H-A-001" in body and "H-B-001" not in body  # never visited, in the worker's grid only
    assert re.search(r'id="households-due">(\d+)<', body).group(1) == "1"
    assert queue_total(body) == Matter.objects.filter(holder_path=world.grid_a.code, is_open=True).count() == 2
    assert "地界纠纷0" in body and "地界纠纷1" in body and "镇里的红色纠纷" not in body
    assert f'href="/personnel/grids/{world.grid_a.code}/"' in body
    assert "切换到手机版" in body


def test_cluster_leader_follows_the_matters_they_reported(world, login):
    mine = record(world.cluster_leader_a1, title="路灯坏了")
    record(world.grid_worker_a, title="别人登记的纠纷")
    body = login(world.cluster_leader_a1).get("/workbench/").content.decode()
    assert "我上报的在办事项" in body and "路灯坏了" in body and mine.reference in body
    assert "别人登记的纠纷" not in body
    assert f'href="/personnel/grids/{world.grid_a.code}/"' in body


@pytest.fixture
def due_person(world):
    officer = make_user("town_kp", "center_staff", world.town, may_view_key_population=True)
    person = keyperson_actions.enlist(
        officer,
        keyperson_actions.EnlistInput(
            resident=world.resident_a,
            category=KeyPersonCategory.objects.get(code="drug_user"),
            color="red",
            control_measures="每周见面一次",
            enlisted_on=timezone.localdate() - dt.timedelta(days=10),
        ),
    )
    return officer, person


def test_key_population_officer_sees_follow_ups_due_and_the_page_is_audited(world, due_person, login):
    officer, person = due_person
    before = AuditLog.objects.count()
    body = login(officer).get("/workbench/").content.decode()
    assert 'id="workbench-key_population"' in body and 'id="follow-ups-due"' in body
    assert world.resident_a.name in body and f'href="/keypersons/{person.pk}/follow-up/"' in body
    assert person.next_follow_up_due < timezone.localdate()
    overdue = KeyPerson.objects.filter(status="under_follow_up", next_follow_up_due__lt=timezone.localdate())
    assert figure(body, "overdue") == overdue.count() == 1
    shown = AuditLog.objects.order_by("id")[before:]
    assert [(row.actor_name, row.detail) for row in shown if row.action == "view"] == [
        ("town_kp", {"view": "workbench", "ids": [person.pk]})
    ]


def test_staff_without_the_grant_get_no_trace_of_key_persons(world, due_person, login):
    before = AuditLog.objects.count()
    body = login(world.town_staff).get("/workbench/").content.decode()
    assert 'id="workbench-place"' in body
    assert "重点人" not in body and world.resident_a.name not in body
    assert AuditLog.objects.count() == before + 1  # the sign-in only
