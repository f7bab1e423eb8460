import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from gridgov.campaigns import actions
from gridgov.campaigns.choices import CampaignStatus, QuestionKind
from gridgov.campaigns.models import Campaign
from gridgov.households import actions as household_actions
from gridgov.households.models import Household

CHECKLIST = [
    actions.QuestionInput("近14天是否有返乡人员", QuestionKind.YES_NO, required=True, key="returned"),
    actions.QuestionInput("返乡人数", QuestionKind.NUMBER, key="returnees"),
    actions.QuestionInput("从何地返回", QuestionKind.TEXT, key="returned_from"),
    actions.QuestionInput("返乡日期", QuestionKind.DATE, key="returned_on"),
    actions.QuestionInput("健康码颜色", QuestionKind.SINGLE, options=["绿码", "黄码", "红码"], key="health_code"),
    actions.QuestionInput("症状", QuestionKind.MULTI, options=["发热", "咳嗽", "乏力"], key="symptoms"),
]


def now_minus(days: int = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@dataclass
class CampaignWorld:
    campaign: Campaign
    grid_a: list[Household]  # household_a and two more
    grid_c: list[Household]
    grid_b: list[Household]  # household_b and one more


def make_campaign(user, places, *, status=CampaignStatus.RUNNING, questions=CHECKLIST, title="返乡人员摸排"):
    today = timezone.localdate()
    campaign = actions.create_campaign(
        user,
        actions.CampaignInput(
            title=title, places=places, starts_on=today - dt.timedelta(days=10), ends_on=today + dt.timedelta(days=10)
        ),
        questions,
    )
    if status != CampaignStatus.DRAFT:
        campaign = actions.set_status(user, campaign, CampaignStatus.RUNNING)
    if status == CampaignStatus.CLOSED:
        campaign = actions.set_status(user, campaign, CampaignStatus.CLOSED)
    return campaign


def _add(user, grid, cluster, n, prefix):
    return [
        household_actions.create_household(
            user, number=f"{prefix}-{i:03d}", grid=grid, cluster=cluster, address=f"{grid.name}{i + 100}号",
            house_type="self_built",
        )
        for i in range(n)
    ]  # fmt: skip


@pytest.fixture
def cw(world) -> CampaignWorld:
    """A running town-wide campaign; grid A has 3 households, grid C 1, grid B 2."""
    grid_a = [world.household_a, *_add(world.town_staff, world.grid_a, world.cluster_a1, 2, "A")]
    grid_c = _add(world.town_staff, world.grid_c, None, 1, "C")
    grid_b = [world.household_b, *_add(world.town_staff, world.grid_b, world.cluster_b1, 1, "B")]
    return CampaignWorld(make_campaign(world.town_staff, [world.town]), grid_a, grid_c, grid_b)


@pytest.fixture
def check():
    def _check(user, campaign, household, answers=None, **extra):
        data = actions.CheckInput(
            campaign=campaign, household=household, answers={"returned": False} if answers is None else answers, **extra
        )
        return actions.record_check(user, data)

    return _check
