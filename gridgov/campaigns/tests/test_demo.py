"""The demo town's campaigns: the 2022 returnee screening and this winter's running check, on a seeded 寨坝镇."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from gridgov.accounts.models import User
from gridgov.campaigns import demo, queries
from gridgov.campaigns.answers import clean_answers
from gridgov.campaigns.choices import CampaignStatus
from gridgov.campaigns.models import Campaign, HouseholdCheck
from gridgov.households.models import Household
from gridgov.stats import reports

TOWN = "520330113"
TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def town(django_db_setup, django_db_blocker):
    """寨坝镇's places, households and people (no matters, no activity), rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", "--no-matters", "--no-activity", "--no-accounts", stdout=StringIO())
            connection.check_constraints()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


pytestmark = pytest.mark.usefixtures("town")


def test_seed_writes_the_returnee_screening_and_its_figures(db):
    made = demo.seed(seed=1, today=TODAY)
    households = Household.objects.within(TOWN).count()
    assert made["campaigns"] == 2
    epidemic = Campaign.objects.get(title=demo.EPIDEMIC_TITLE)
    current = Campaign.objects.get(title=demo.CURRENT_TITLE)
    assert (epidemic.status, current.status) == (CampaignStatus.CLOSED, CampaignStatus.RUNNING)
    figures = dict(reports.campaign_figures(TOWN))
    epidemic_checks = HouseholdCheck.objects.filter(campaign=epidemic).count()
    assert 0.95 * households < epidemic_checks < 0.99 * households
    assert figures["摸排户次"] == made["checks"] == HouseholdCheck.objects.count()
    assert figures["摸排覆盖户数（户）"] <= households
    assert figures["返乡人员（人次）"] > figures["有返乡人员的户（户次）"] > 0
    assert 0 < figures["落实居家或集中隔离（户）"] < figures["有返乡人员的户（户次）"]
    # every answer is valid against its campaign's checklist
    for campaign in (epidemic, current):
        questions = list(campaign.questions.all())
        for answers in HouseholdCheck.objects.filter(campaign=campaign).values_list("answers", flat=True)[:500]:
            assert clean_answers(questions, answers)[1] == {}
    # the checks lie in each campaign's period and were made by the grids' own workers
    assert not HouseholdCheck.objects.filter(campaign=epidemic, checked_at__date__gt=epidemic.ends_on).exists()
    assert set(
        User.objects.filter(pk__in=HouseholdCheck.objects.values("checked_by")).values_list("role", flat=True)
    ) <= {
        "grid_worker",
        "grid_leader",
    }


def test_seed_is_deterministic_and_runs_once(db):
    first = demo.seed(seed=1, today=TODAY)
    figures = reports.campaign_figures(TOWN)
    assert demo.seed(seed=1, today=TODAY) == {}
    checks = HouseholdCheck.objects.all()
    checks._raw_delete(checks.db)  # thousands of rows: skip the per-row delete signals
    Campaign.objects.all().delete()
    assert demo.seed(seed=1, today=TODAY) == first
    assert reports.campaign_figures(TOWN) == figures


def test_running_campaign_shows_live_progress_and_work_left(db):
    demo.seed(seed=1, today=dt.date.today())
    current = Campaign.objects.get(title=demo.CURRENT_TITLE)
    staff = User.objects.create(username="zb-town", role="center_staff", place_id=current.scope.get().place_id)
    report = queries.progress(staff, queries.campaign_for(staff, current.pk))
    assert report.total.target == Household.objects.within(TOWN).count()
    assert 0.35 < report.total.checked / report.total.target < 0.55
    assert len(report.grids) > 100
    assert sum(r.target for r in report.grids) == report.total.target
    worker = User.objects.filter(role="grid_worker", place__code__startswith=TOWN).order_by("id").first()
    left = queries.unchecked_households(worker, 5)
    assert left and {r.campaign.pk for r in left} == {current.pk}
    assert all(r.household.path.startswith(worker.place.code) for r in left)
