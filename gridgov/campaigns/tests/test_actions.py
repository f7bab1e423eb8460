import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.campaigns import actions
from gridgov.campaigns.choices import CampaignStatus, QuestionKind
from gridgov.campaigns.models import Campaign, CampaignPlace, CampaignQuestion, HouseholdCheck
from gridgov.campaigns.tests.conftest import CHECKLIST, make_campaign, now_minus
from gridgov.core.actions import ActionRefused


def campaign_input(places, **extra):
    today = timezone.localdate()
    values = {"title": "返乡人员摸排", "places": places, "starts_on": today, "ends_on": today + dt.timedelta(days=7)}
    return actions.CampaignInput(**(values | extra))


# ---------------------------------------------------------------- campaigns


def test_town_staff_creates_a_draft_with_scope_and_checklist(world):
    campaign = actions.create_campaign(world.town_staff, campaign_input([world.village_a, world.village_b]), CHECKLIST)
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.path == "520330113"  # the lowest place above both villages
    assert campaign.created_by == world.town_staff
    assert sorted(CampaignPlace.objects.filter(campaign=campaign).values_list("path", flat=True)) == [
        "520330113201",
        "520330113202",
    ]
    questions = list(CampaignQuestion.objects.filter(campaign=campaign))
    assert [(q.order, q.key, q.kind) for q in questions][:2] == [(1, "returned", "yes_no"), (2, "returnees", "number")]
    assert questions[4].options == ["绿码", "黄码", "红码"]


def test_a_place_inside_another_chosen_place_is_dropped_from_the_scope(world):
    campaign = actions.create_campaign(world.town_staff, campaign_input([world.town, world.grid_a]))
    assert list(CampaignPlace.objects.filter(campaign=campaign).values_list("path", flat=True)) == ["520330113"]


@pytest.mark.parametrize("persona", ["grid_worker_a", "village_committee", "cluster_leader_a1", "auditor"])
def test_only_governance_center_staff_create_campaigns(world, persona):
    with pytest.raises(ActionRefused, match="综治中心"):
        actions.create_campaign(getattr(world, persona), campaign_input([world.grid_a]))
    assert Campaign.objects.count() == 0


def test_scope_outside_the_users_area_is_refused(world):
    from gridgov.testing import make_place

    other = make_place("520330114", "其他镇", "town", world.county)
    with pytest.raises(ValidationError) as caught:
        actions.create_campaign(world.town_staff, campaign_input([world.village_a, other]))
    assert caught.value.message_dict == {"places": ["不在您的管辖范围内：其他镇"]}
    assert Campaign.objects.count() == 0


def test_campaign_input_errors_are_reported_per_field(world):
    with pytest.raises(ValidationError) as caught:
        actions.create_campaign(
            world.town_staff,
            campaign_input([], title=" ", ends_on=timezone.localdate() - dt.timedelta(days=1)),
        )
    assert caught.value.message_dict == {
        "title": ["请填写名称"],
        "places": ["请选择摸排范围（至少一个地域）"],
        "ends_on": ["结束日期不能早于开始日期"],
    }


def test_checklist_errors_name_the_question(world):
    questions = [
        actions.QuestionInput("健康码", QuestionKind.SINGLE, options=["绿码"], key="code"),
        actions.QuestionInput("", QuestionKind.TEXT, key="code"),
        actions.QuestionInput("x", "essay", key="Bad-Key"),
    ]
    with pytest.raises(ValidationError) as caught:
        actions.create_campaign(world.town_staff, campaign_input([world.town]), questions)
    assert caught.value.message_dict == {
        "questions.1": ["第1项：单选、多选题至少要有两个选项"],
        "questions.2": ["第2项：请填写问题", "第2项：标识“code”重复"],
        "questions.3": ["第3项：题型无效", "第3项：标识只能用小写字母、数字和下划线，以字母开头"],
    }
    assert Campaign.objects.count() == 0


def test_status_moves_draft_running_closed_and_reopens(world):
    campaign = make_campaign(world.town_staff, [world.town], status=CampaignStatus.DRAFT)
    campaign = actions.set_status(world.town_staff, campaign, CampaignStatus.RUNNING)
    campaign = actions.set_status(world.town_staff, campaign, CampaignStatus.CLOSED)
    campaign = actions.set_status(world.town_staff, campaign, CampaignStatus.RUNNING)
    assert Campaign.objects.get().status == CampaignStatus.RUNNING
    with pytest.raises(ActionRefused, match="不能改为“草稿”"):
        actions.set_status(world.town_staff, campaign, CampaignStatus.DRAFT)


def test_a_campaign_without_questions_cannot_start(world):
    campaign = make_campaign(world.town_staff, [world.town], status=CampaignStatus.DRAFT, questions=[])
    with pytest.raises(ActionRefused, match="请先设置摸排项"):
        actions.set_status(world.town_staff, campaign, CampaignStatus.RUNNING)
    assert Campaign.objects.get().status == CampaignStatus.DRAFT


def test_checklist_and_scope_are_frozen_once_running(world, cw):
    with pytest.raises(ActionRefused, match="摸排开始后不能修改摸排项"):
        actions.set_checklist(world.town_staff, cw.campaign, [actions.QuestionInput("新问题")])
    with pytest.raises(ValidationError, match="摸排开始后不能修改范围"):
        actions.update_campaign(world.town_staff, cw.campaign, campaign_input([world.village_a]))
    assert CampaignQuestion.objects.filter(campaign=cw.campaign).count() == len(CHECKLIST)
    renamed = actions.update_campaign(world.town_staff, cw.campaign, campaign_input([world.town], title="新名称"))
    assert renamed.title == "新名称"


def test_county_staff_cannot_edit_nor_town_staff_edit_a_county_campaign(world):
    county_campaign = make_campaign(world.county_staff, [world.county])
    with pytest.raises(ActionRefused, match="不是您的管辖范围内发起的"):
        actions.set_status(world.town_staff, county_campaign, CampaignStatus.CLOSED)
    assert Campaign.objects.get().status == CampaignStatus.RUNNING


# ---------------------------------------------------------------- checks


def test_a_check_records_typed_answers(world, cw, check):
    answers = {
        "returned": "是",
        "returnees": "2",
        "returned_from": "广东东莞",
        "returned_on": "2026-01-05",
        "health_code": "绿码",
        "symptoms": ["咳嗽", "发热", "咳嗽"],
    }
    found, status = check(world.grid_worker_a, cw.campaign, world.household_a, answers, notes="已告知居家监测")
    assert status == "created"
    stored = HouseholdCheck.objects.get()
    assert stored.answers == {
        "returned": True,
        "returnees": 2,
        "returned_from": "广东东莞",
        "returned_on": "2026-01-05",
        "health_code": "绿码",
        "symptoms": ["发热", "咳嗽"],
    }
    assert (stored.path, stored.checked_by, stored.checker_name, stored.version) == (
        world.household_a.path,
        world.grid_worker_a,
        "网格员甲",
        1,
    )


def test_invalid_answers_are_refused_with_a_message_per_question(world, cw, check):
    answers = {
        "returnees": "两个",
        "returned_on": "2026-13-01",
        "health_code": "紫码",
        "symptoms": ["头疼"],
        "pets": "1",
    }
    with pytest.raises(ValidationError) as caught:
        check(world.grid_worker_a, cw.campaign, world.household_a, answers)
    assert caught.value.message_dict == {
        "returned": ["“近14天是否有返乡人员”为必答项"],
        "returnees": ["返乡人数：应为数字"],
        "returned_on": ["返乡日期：应为日期，如 2026-03-01"],
        "health_code": ["健康码颜色：应为以下选项之一：绿码、黄码、红码"],
        "symptoms": ["症状：“头疼”不是选项；可选：发热、咳嗽、乏力"],
        "pets": ["没有这个摸排项：pets"],
    }
    assert HouseholdCheck.objects.count() == 0


def test_yes_no_refuses_other_words(world, cw, check):
    with pytest.raises(ValidationError) as caught:
        check(world.grid_worker_a, cw.campaign, world.household_a, {"returned": "也许"})
    assert caught.value.message_dict == {"returned": ["近14天是否有返乡人员：应为“是”或“否”"]}


def test_the_same_upload_twice_makes_one_check(world, cw, check):
    key = uuid.uuid4()
    first, status1 = check(world.grid_worker_a, cw.campaign, world.household_a, client_uuid=key)
    again, status2 = check(world.grid_worker_a, cw.campaign, world.household_a, client_uuid=key)
    assert (status1, status2) == ("created", "existing")
    assert again.pk == first.pk
    assert HouseholdCheck.objects.get().version == 1


def test_a_recheck_on_the_current_version_updates_and_bumps_the_version(world, cw, check):
    first, _ = check(world.grid_worker_a, cw.campaign, world.household_a)
    updated, status = check(
        world.village_committee, cw.campaign, world.household_a, {"returned": True, "returnees": 1}, base_version=1
    )
    assert status == "updated"
    stored = HouseholdCheck.objects.get()
    assert (stored.pk, stored.version, stored.answers, stored.checked_by) == (
        first.pk,
        2,
        {"returned": True, "returnees": 1},
        world.village_committee,
    )


def test_an_edit_against_a_stale_version_is_a_conflict_and_changes_nothing(world, cw, check):
    check(world.grid_worker_a, cw.campaign, world.household_a)
    check(world.village_committee, cw.campaign, world.household_a, {"returned": True}, base_version=1)
    with pytest.raises(actions.CheckConflict) as caught:
        check(world.grid_worker_a, cw.campaign, world.household_a, {"returned": False, "returnees": 0}, base_version=1)
    assert (caught.value.server.version, caught.value.server.answers) == (2, {"returned": True})
    stored = HouseholdCheck.objects.get()
    assert (stored.version, stored.answers) == (2, {"returned": True})


def test_a_second_check_without_base_version_is_a_conflict(world, cw, check):
    check(world.grid_worker_a, cw.campaign, world.household_a)
    with pytest.raises(actions.CheckConflict):
        check(world.village_committee, cw.campaign, world.household_a, {"returned": True}, client_uuid=uuid.uuid4())
    assert HouseholdCheck.objects.get().answers == {"returned": False}


def test_a_client_uuid_used_by_another_record_is_refused(world, cw, check):
    key = uuid.uuid4()
    check(world.grid_worker_a, cw.campaign, world.household_a, client_uuid=key)
    other = cw.grid_a[1]
    with pytest.raises(ValidationError, match="该记录ID已被其他记录使用"):
        check(world.grid_worker_a, cw.campaign, other, client_uuid=key)
    assert HouseholdCheck.objects.count() == 1


def test_grid_worker_cannot_check_a_household_of_another_grid(world, cw, check):
    with pytest.raises(ActionRefused, match="该户不在您的管辖范围内"):
        check(world.grid_worker_a, cw.campaign, world.household_b)
    assert HouseholdCheck.objects.count() == 0


def test_a_household_outside_the_campaign_scope_is_refused(world, cw, check):
    village_campaign = make_campaign(world.town_staff, [world.village_a], title="桂园村摸排")
    with pytest.raises(ActionRefused, match="不在本次摸排范围内"):
        check(world.town_staff, village_campaign, world.household_b)
    assert HouseholdCheck.objects.count() == 0


@pytest.mark.parametrize("status", [CampaignStatus.DRAFT, CampaignStatus.CLOSED])
def test_checks_are_accepted_only_while_running(world, status, check):
    campaign = make_campaign(world.town_staff, [world.town], status=status)
    with pytest.raises(ActionRefused, match="不在进行中"):
        check(world.town_staff, campaign, world.household_a)
    assert HouseholdCheck.objects.count() == 0


def test_check_time_must_lie_in_the_period_and_not_in_the_future(world, cw, check):
    with pytest.raises(ValidationError, match="摸排时间应在摸排期间"):
        check(world.grid_worker_a, cw.campaign, world.household_a, checked_at=now_minus(30))
    with pytest.raises(ValidationError, match="摸排时间不能晚于现在"):
        check(world.grid_worker_a, cw.campaign, world.household_a, checked_at=now_minus(-1))
    assert HouseholdCheck.objects.count() == 0


def test_a_batch_reports_each_record_and_one_failure_stops_no_other(world, cw):
    def item(household, **extra):
        return actions.CheckInput(cw.campaign, household, {"returned": False}, client_uuid=uuid.uuid4(), **extra)

    items = [item(cw.grid_a[1]), item(world.household_b), item(cw.grid_a[2], checked_at=now_minus(-1))]
    outcomes = actions.record_checks(world.grid_worker_a, items)
    assert [o.status for o in outcomes] == ["created", "rejected", "rejected"]
    assert HouseholdCheck.objects.count() == 1
    replay = actions.record_checks(world.grid_worker_a, items[:1])
    assert [o.status for o in replay] == ["existing"]
    assert HouseholdCheck.objects.count() == 1


def test_a_batch_with_repeats_and_two_copies_of_one_household(world, cw):
    key = uuid.uuid4()
    same = actions.CheckInput(cw.campaign, world.household_a, {"returned": False}, client_uuid=key)
    other_copy = actions.CheckInput(cw.campaign, world.household_a, {"returned": True}, client_uuid=uuid.uuid4())
    outcomes = actions.record_checks(world.grid_worker_a, [same, same, other_copy])
    assert [o.status for o in outcomes] == ["created", "existing", "conflict"]
    assert outcomes[2].check.answers == {"returned": False}
    assert HouseholdCheck.objects.count() == 1


def test_a_batch_replay_costs_a_fixed_number_of_queries(world, cw, django_assert_num_queries):
    items = [
        actions.CheckInput(cw.campaign, household, {"returned": False}, client_uuid=uuid.uuid4())
        for household in cw.grid_a
    ]
    actions.record_checks(world.grid_worker_a, items)
    # the households' checks and the client ids, once for the queue (+ the queue's savepoint in a test)
    with django_assert_num_queries(4):
        outcomes = actions.record_checks(world.grid_worker_a, items)
    assert [o.status for o in outcomes] == ["existing"] * 3
