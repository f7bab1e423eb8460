"""A small world with a record of every kind the API serves, so that the ids an API fuzzer tries exist.

Built through the domain actions, as the pages and the API would build it: the shared personas,
three matters, visits, a key person with a follow-up, a patrol team and a patrol, a publicity event,
a deliberation, a deed, a running campaign with one check, a chat group and a notice.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gridgov.campaigns import actions as campaign_actions
from gridgov.campaigns.choices import QuestionKind
from gridgov.chatnotices import actions as notice_actions
from gridgov.deeds import actions as deed_actions
from gridgov.deliberations import actions as deliberation_actions
from gridgov.keypersons import actions as keyperson_actions
from gridgov.keypersons.models import KeyPersonCategory
from gridgov.matters.tests.helpers import build_engine, record
from gridgov.patrols import actions as patrol_actions
from gridgov.personnel import actions as personnel_actions
from gridgov.publicity import actions as publicity_actions
from gridgov.testing import World
from gridgov.visits import actions as visit_actions


def _ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def populate(world: World) -> None:
    """Give the world one or more records of every kind; the town staff may see key persons."""
    town = world.town_staff
    town.may_view_key_population = True
    town.save(update_fields=["may_view_key_population"])
    build_engine(world)
    record(town, title="地界纠纷")
    record(town, code="dispute.land_forest", household=world.household_b, title="林地纠纷")
    record(world.grid_worker_a, title="邻里纠纷", color="red")
    for days, household in ((3, world.household_a), (2, world.household_b), (1, world.household_a)):
        visit_actions.record_visit(town, visit_actions.VisitInput(household=household, visited_at=_ago(days)))
    person = keyperson_actions.enlist(
        town,
        keyperson_actions.EnlistInput(
            resident=world.resident_a,
            category=KeyPersonCategory.objects.get(code="drug_user"),
            color="blue",
            responsible=None,
            control_measures="每周见面一次",
            enlisted_on=timezone.localdate() - dt.timedelta(days=30),
        ),
    )
    keyperson_actions.record_follow_up(
        town, person, keyperson_actions.FollowUpInput(followed_up_at=_ago(2), whereabouts="at_home")
    )
    team = personnel_actions.register_patrol_team(
        town, place=world.village_a, name="桂园村治安巡逻队", grids=[world.grid_a, world.grid_c]
    )
    patrol_actions.record_patrol(
        town,
        patrol_actions.PatrolInput(
            team=team,
            date=timezone.localdate() - dt.timedelta(days=1),
            route=[world.grid_a],
            duration_minutes=90,
            headcount=3,
        ),
    )
    publicity_actions.record_event(
        town,
        publicity_actions.EventInput(
            place=world.village_a,
            held_on=timezone.localdate() - dt.timedelta(days=1),
            topic="anti_fraud",
            title="防范电信诈骗宣讲",
            channel="bench_meeting",
            speaker="红管家张某",
            attendance=25,
        ),
    )
    deliberation_actions.record_deliberation(
        town,
        deliberation_actions.DeliberationInput(
            group=world.group_a,
            held_on=timezone.localdate() - dt.timedelta(days=3),
            subject="public_affairs",
            topic="村道硬化",
            host="组长",
            participant_count=12,
            decisions="本月内完成",
        ),
    )
    deed_actions.record_deed(
        town,
        deed_actions.DeedInput(
            done_on=timezone.localdate() - dt.timedelta(days=2),
            category="medical",
            title="代办医保报销",
            done_by="网格员甲",
            place=world.grid_a,
            household=world.household_a,
        ),
    )
    today = timezone.localdate()
    campaign = campaign_actions.create_campaign(
        town,
        campaign_actions.CampaignInput(
            title="返乡人员摸排", places=[world.town], starts_on=today - dt.timedelta(days=5), ends_on=today
        ),
        [campaign_actions.QuestionInput("近14天是否有返乡人员", QuestionKind.YES_NO, required=True, key="returned")],
    )
    campaign = campaign_actions.set_status(town, campaign, "running")
    campaign_actions.record_check(
        town,
        campaign_actions.CheckInput(campaign=campaign, household=world.household_a, answers={"returned": False}),
    )
    personnel_actions.register_chat_group(town, grid=world.grid_a, name="桂园村好邻居群", member_count=80)
    notice_actions.send_notice(town, notice_actions.NoticeInput(title="防汛通知", body="近期有强降雨，请注意防范。"))
