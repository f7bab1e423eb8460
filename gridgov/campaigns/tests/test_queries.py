import datetime as dt

import pytest
from django.utils import timezone

from gridgov.campaigns import queries
from gridgov.campaigns.choices import CampaignStatus
from gridgov.campaigns.tests.conftest import make_campaign
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment


def titles(user):
    return sorted(c.title for c in queries.campaigns_for(user))


def test_a_town_campaign_reaches_everyone_in_the_town_and_the_county(world, cw):
    for user in [world.county_staff, world.town_staff, world.village_committee, world.grid_worker_a,
                 world.grid_worker_b, world.cluster_leader_a1]:  # fmt: skip
        assert titles(user) == ["返乡人员摸排"], user


def test_a_village_campaign_stays_out_of_other_villages(world):
    make_campaign(world.town_staff, [world.village_b], title="永盛村摸排")
    assert titles(world.grid_worker_b) == ["永盛村摸排"]
    assert titles(world.grid_worker_a) == []
    assert titles(world.village_committee) == []
    assert titles(world.town_staff) == ["永盛村摸排"]


def test_drafts_are_seen_only_by_their_owners(world):
    make_campaign(world.town_staff, [world.town], status=CampaignStatus.DRAFT, title="草稿")
    assert titles(world.town_staff) == ["草稿"]
    assert titles(world.county_staff) == ["草稿"]
    assert titles(world.grid_worker_a) == []
    assert titles(world.village_committee) == []


@pytest.mark.parametrize("persona", ["auditor", "system_admin", "department_liaison"])
def test_non_business_accounts_see_no_campaign(world, cw, persona):
    assert titles(getattr(world, persona)) == []


def test_campaign_list_counts_only_the_checks_the_user_sees(world, cw, check):
    check(world.grid_worker_a, cw.campaign, world.household_a)
    check(world.grid_worker_b, cw.campaign, world.household_b)
    assert [c.checked for c in queries.campaigns_for(world.town_staff)] == [2]
    assert [c.checked for c in queries.campaigns_for(world.grid_worker_a)] == [1]


def test_target_is_every_household_in_scope_the_user_may_see(world, cw):
    assert queries.targets(world.town_staff, cw.campaign).count() == 6
    assert queries.targets(world.village_committee, cw.campaign).count() == 4
    assert list(queries.targets(world.grid_worker_a, cw.campaign)) == cw.grid_a


def test_progress_per_grid_and_worker(world, cw, check, django_assert_num_queries):
    check(world.grid_worker_a, cw.campaign, world.household_a)
    check(world.grid_worker_a, cw.campaign, cw.grid_a[1])
    check(world.town_staff, cw.campaign, world.household_b)
    Appointment.objects.create(
        path=world.grid_c.code, place=world.grid_c, role=AppointmentRole.GRID_WORKER, person_name="张三",
        status=AppointmentStatus.APPOINTED, nominated_on=dt.date(2025, 1, 1),
    )  # fmt: skip
    with django_assert_num_queries(5):
        report = queries.progress(world.town_staff, cw.campaign)
    assert (report.total.target, report.total.checked, report.total.left, report.total.rate) == (6, 3, 3, 50.0)
    assert [(r.label, r.target, r.checked) for r in report.grids] == [
        ("桂园村第1网格", 3, 2),
        ("桂园村第2网格", 1, 0),
        ("永盛村第1网格", 2, 1),
    ]
    assert [(r.label, r.target, r.checked, r.recorded) for r in report.workers] == [
        ("网格员甲（桂园村第1网格）", 3, 2, 2),
        ("张三（桂园村第2网格）", 1, 0, 0),
        ("网格员乙（永盛村第1网格）", 2, 1, 0),
    ]


def test_grid_worker_progress_shows_only_their_grid(world, cw, check):
    check(world.town_staff, cw.campaign, world.household_b)
    report = queries.progress(world.grid_worker_a, cw.campaign)
    assert [(r.label, r.target, r.checked) for r in report.grids] == [("桂园村第1网格", 3, 0)]
    assert (report.total.target, report.total.checked) == (3, 0)


def test_unchecked_households_for_the_today_plan(world, cw, check, django_assert_num_queries):
    check(world.grid_worker_a, cw.campaign, world.household_a)
    make_campaign(world.town_staff, [world.village_b], title="永盛村摸排")  # not the worker's
    with django_assert_num_queries(3):
        rows = queries.unchecked_households(world.grid_worker_a, 10)
    assert [(r.campaign.title, r.household.number) for r in rows] == [
        ("返乡人员摸排", "A-000"),
        ("返乡人员摸排", "A-001"),
    ]
    assert len(queries.unchecked_households(world.grid_worker_a, 1)) == 1


def test_unchecked_households_skip_campaigns_not_running_today(world):
    campaign = make_campaign(world.town_staff, [world.town], status=CampaignStatus.CLOSED)
    assert queries.unchecked_households(world.grid_worker_a, 10) == []
    later = timezone.localdate() + dt.timedelta(days=30)
    assert campaign.ends_on < later
    assert queries.unchecked_households(world.town_staff, 10, today=later) == []


def test_unchecked_counts_per_running_campaign(world, cw, check):
    check(world.grid_worker_a, cw.campaign, world.household_a)
    assert [(c.title, n) for c, n in queries.unchecked_counts(world.grid_worker_a)] == [("返乡人员摸排", 2)]
    assert [(c.title, n) for c, n in queries.unchecked_counts(world.town_staff)] == [("返乡人员摸排", 5)]
