"""群众提、两委评: nominate -> review -> appoint -> end of term, and every refusal changes nothing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gridgov.audit.models import AuditLog
from gridgov.personnel import actions
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.personnel.tests.helpers import NOMINATED_ON, REVIEWED_ON, TERM_END, TERM_START, snapshot


def test_happy_path_nominate_review_appoint_end(world):
    a = actions.nominate(
        world.village_committee,
        place=world.grid_a,
        role=AppointmentRole.GRID_WORKER,
        resident=world.resident_a,
        nominated_by="群众推荐",
        nominated_on=NOMINATED_ON,
    )
    a.refresh_from_db()
    assert (a.status, a.person_name, a.path, a.place_id, a.resident_id, a.nominated_by, a.nominated_on) == (
        AppointmentStatus.NOMINATED,
        "王建国",
        world.grid_a.code,
        world.grid_a.pk,
        world.resident_a.pk,
        "群众推荐",
        NOMINATED_ON,
    )

    actions.review(world.village_committee, a, note="两委会议一致同意", reviewed_on=REVIEWED_ON)
    a.refresh_from_db()
    assert (a.status, a.review_note, a.reviewed_on, a.reviewed_by_id) == (
        AppointmentStatus.REVIEWED,
        "两委会议一致同意",
        REVIEWED_ON,
        world.village_committee.pk,
    )

    actions.appoint(world.village_committee, a, term_start=TERM_START, term_end=TERM_END, account=world.grid_worker_a)
    a.refresh_from_db()
    assert (a.status, a.term_start, a.term_end, a.user_id) == (
        AppointmentStatus.APPOINTED,
        TERM_START,
        TERM_END,
        world.grid_worker_a.pk,
    )

    actions.end_term(world.village_committee, a, ended_on=dt.date(2027, 6, 30), reason="外出务工")
    a.refresh_from_db()
    assert (a.status, a.ended_on, a.end_reason, a.term_start, a.term_end) == (
        AppointmentStatus.ENDED,
        dt.date(2027, 6, 30),
        "外出务工",
        TERM_START,
        TERM_END,
    )


def test_each_step_is_in_the_audit_log(world, nominated):
    actions.review(world.village_committee, nominated, reviewed_on=REVIEWED_ON)
    rows = AuditLog.objects.filter(object_type="personnel.appointment", object_id=str(nominated.pk)).order_by("id")
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].before["status"] == "nominated"
    assert rows[1].after["status"] == "reviewed"


def test_town_staff_review_and_appoint_in_any_village_of_the_town(world):
    a = actions.nominate(
        world.town_staff,
        place=world.grid_b,
        role=AppointmentRole.GRID_LEADER,
        person_name="陈立",
        nominated_by="镇提名",
    )
    a = actions.review(world.town_staff, a)
    a = actions.appoint(world.town_staff, a, term_start=dt.date(2026, 1, 1))
    assert Appointment.objects.get(pk=a.pk).status == AppointmentStatus.APPOINTED


def test_grid_leader_may_nominate_in_own_grid(world, grid_leader_a):
    a = actions.nominate(
        grid_leader_a,
        place=world.cluster_a1,
        role=AppointmentRole.CLUSTER_LEADER,
        person_name="周联",
        nominated_by="网格长提名",
    )
    assert Appointment.objects.get(pk=a.pk).status == AppointmentStatus.NOMINATED


def test_rejection_needs_a_reason(world, nominated):
    before = snapshot(nominated)
    with pytest.raises(ValidationError) as exc:
        actions.reject(world.village_committee, nominated, reason="   ")
    assert exc.value.message_dict == {"reason": ["不予通过必须说明理由"]}
    assert snapshot(nominated) == before


def test_rejection_with_reason_records_it(world, nominated):
    actions.reject(world.village_committee, nominated, reason="群众评议意见较多", rejected_on=REVIEWED_ON)
    nominated.refresh_from_db()
    assert (nominated.status, nominated.review_note, nominated.reviewed_on, nominated.reviewed_by_id) == (
        AppointmentStatus.REJECTED,
        "群众评议意见较多",
        REVIEWED_ON,
        world.village_committee.pk,
    )


def test_a_reviewed_nomination_may_still_be_rejected(world, reviewed):
    actions.reject(world.village_committee, reviewed, reason="本人放弃")
    assert Appointment.objects.get(pk=reviewed.pk).status == AppointmentStatus.REJECTED


# ---------------------------------------------------------------- refusals: wrong role


@pytest.mark.parametrize("who", ["grid_worker_a", "cluster_leader_a1", "department_liaison", "auditor"])
def test_only_nominating_roles_may_nominate(world, who):
    count = Appointment.objects.count()
    with pytest.raises(actions.ActionRefused, match="只有村（居）委会、网格长或综治中心工作人员可以提名"):
        actions.nominate(
            getattr(world, who),
            place=world.grid_a,
            role=AppointmentRole.GRID_WORKER,
            person_name="某人",
            nominated_by="自荐",
        )
    assert Appointment.objects.count() == count


@pytest.mark.parametrize("who", ["grid_worker_a", "cluster_leader_a1"])
def test_grid_worker_and_cluster_leader_cannot_review(world, nominated, who):
    before = snapshot(nominated)
    with pytest.raises(actions.ActionRefused, match="只有该村（居）委会或上级综治中心可以评议"):
        actions.review(getattr(world, who), nominated)
    assert snapshot(nominated) == before


@pytest.mark.parametrize("who", ["grid_worker_a", "cluster_leader_a1"])
def test_grid_worker_and_cluster_leader_cannot_appoint_reject_or_end(world, reviewed, appointed, who):
    user = getattr(world, who)
    before = snapshot(appointed)
    with pytest.raises(actions.ActionRefused):
        actions.end_term(user, appointed, ended_on=dt.date(2027, 1, 1), reason="调动")
    assert snapshot(appointed) == before


def test_grid_worker_cannot_appoint_a_reviewed_nomination(world, reviewed):
    before = snapshot(reviewed)
    with pytest.raises(actions.ActionRefused, match="只有该村（居）委会或上级综治中心可以任命"):
        actions.appoint(world.grid_worker_a, reviewed, term_start=TERM_START)
    with pytest.raises(actions.ActionRefused):
        actions.reject(world.grid_worker_a, reviewed, reason="不合适")
    assert snapshot(reviewed) == before


def test_grid_leader_may_nominate_but_not_review(world, grid_leader_a, nominated):
    before = snapshot(nominated)
    with pytest.raises(actions.ActionRefused):
        actions.review(grid_leader_a, nominated)
    assert snapshot(nominated) == before


# ---------------------------------------------------------------- refusals: out of scope


def test_village_committee_cannot_nominate_in_another_village(world):
    count = Appointment.objects.count()
    with pytest.raises(actions.ActionRefused, match="永盛村第1网格 不在您的管辖范围内"):
        actions.nominate(
            world.village_committee,
            place=world.grid_b,
            role=AppointmentRole.GRID_WORKER,
            person_name="某人",
            nominated_by="群众推荐",
        )
    assert Appointment.objects.count() == count


def test_village_committee_cannot_review_another_villages_nomination(world):
    other = actions.nominate(
        world.town_staff,
        place=world.grid_b,
        role=AppointmentRole.GRID_WORKER,
        person_name="钱多",
        nominated_by="群众推荐",
    )
    before = snapshot(other)
    with pytest.raises(actions.ActionRefused):
        actions.review(world.village_committee, other)
    with pytest.raises(actions.ActionRefused):
        actions.reject(world.village_committee, other, reason="不合适")
    assert snapshot(other) == before


def test_cannot_nominate_a_resident_outside_scope(world):
    count = Appointment.objects.count()
    with pytest.raises(actions.ActionRefused, match="该居民不在您的管辖范围内"):
        actions.nominate(
            world.village_committee,
            place=world.grid_a,
            role=AppointmentRole.GRID_WORKER,
            resident=world.resident_b,
            nominated_by="群众推荐",
        )
    assert Appointment.objects.count() == count


def test_cannot_link_an_account_outside_scope(world, reviewed):
    before = snapshot(reviewed)
    with pytest.raises(actions.ActionRefused, match="该账号不在您的管辖范围内"):
        actions.appoint(world.village_committee, reviewed, term_start=TERM_START, account=world.grid_worker_b)
    assert snapshot(reviewed) == before


def test_cannot_link_an_administrator_account(world, reviewed):
    before = snapshot(reviewed)
    with pytest.raises(ValidationError) as exc:
        actions.appoint(world.village_committee, reviewed, term_start=TERM_START, account=world.auditor)
    assert exc.value.message_dict == {"account": ["只能关联在用的业务账号"]}
    assert snapshot(reviewed) == before


# ---------------------------------------------------------------- refusals: wrong state


def test_cannot_appoint_before_review(world, nominated):
    before = snapshot(nominated)
    with pytest.raises(actions.ActionRefused, match="当前状态为“已提名”，不能任命（需先经两委评议）"):
        actions.appoint(world.village_committee, nominated, term_start=TERM_START)
    assert snapshot(nominated) == before


def test_cannot_review_twice(world, reviewed):
    before = snapshot(reviewed)
    with pytest.raises(actions.ActionRefused, match="当前状态为“两委已评议”，不能评议"):
        actions.review(world.village_committee, reviewed)
    assert snapshot(reviewed) == before


def test_cannot_reject_or_review_an_appointed_person(world, appointed):
    before = snapshot(appointed)
    with pytest.raises(actions.ActionRefused):
        actions.reject(world.village_committee, appointed, reason="不合适")
    with pytest.raises(actions.ActionRefused):
        actions.review(world.village_committee, appointed)
    assert snapshot(appointed) == before


def test_cannot_end_a_term_that_has_not_started(world, reviewed):
    before = snapshot(reviewed)
    with pytest.raises(actions.ActionRefused, match="不能办理离任"):
        actions.end_term(world.village_committee, reviewed, ended_on=dt.date(2027, 1, 1), reason="调动")
    assert snapshot(reviewed) == before


def test_cannot_end_twice(world, appointed):
    actions.end_term(world.village_committee, appointed, ended_on=dt.date(2027, 1, 1), reason="调动")
    ended = snapshot(appointed)
    with pytest.raises(actions.ActionRefused, match="当前状态为“已离任”"):
        actions.end_term(world.village_committee, appointed, ended_on=dt.date(2028, 1, 1), reason="再次")
    assert snapshot(appointed) == ended


def test_a_stale_copy_cannot_act_on_a_changed_row(world, nominated):
    stale = Appointment.objects.get(pk=nominated.pk)
    actions.reject(world.village_committee, nominated, reason="不合适")
    before = snapshot(nominated)
    with pytest.raises(actions.ActionRefused, match="当前状态为“未通过”"):
        actions.review(world.village_committee, stale)
    assert snapshot(nominated) == before


# ---------------------------------------------------------------- input checks


def test_role_must_match_the_place_level(world):
    count = Appointment.objects.count()
    with pytest.raises(ValidationError) as exc:
        actions.nominate(
            world.village_committee,
            place=world.grid_a,
            role=AppointmentRole.CLUSTER_LEADER,
            person_name="某人",
            nominated_by="群众推荐",
        )
    assert exc.value.message_dict == {"place": ["联户长只能任职于：联户（桂园村第1网格是网格）"]}
    with pytest.raises(ValidationError):
        actions.nominate(
            world.village_committee,
            place=world.village_a,
            role=AppointmentRole.GRID_WORKER,
            person_name="某人",
            nominated_by="群众推荐",
        )
    assert Appointment.objects.count() == count


def test_nomination_needs_a_name_and_who_proposed(world):
    with pytest.raises(ValidationError) as exc:
        actions.nominate(
            world.village_committee, place=world.grid_a, role=AppointmentRole.GRID_WORKER, nominated_by=" "
        )
    assert set(exc.value.message_dict) == {"person_name", "nominated_by"}
    assert Appointment.objects.count() == 0


def test_same_resident_cannot_be_nominated_twice_for_one_post(world):
    kwargs = {
        "place": world.grid_a,
        "role": AppointmentRole.GRID_WORKER,
        "resident": world.resident_a,
        "nominated_by": "群众推荐",
    }
    actions.nominate(world.village_committee, **kwargs)
    with pytest.raises(ValidationError) as exc:
        actions.nominate(world.village_committee, **kwargs)
    assert exc.value.message_dict == {"resident": ["王建国 已有该职务的提名或任职"]}
    assert Appointment.objects.count() == 1


def test_term_end_must_follow_term_start(world, reviewed):
    before = snapshot(reviewed)
    with pytest.raises(ValidationError) as exc:
        actions.appoint(world.village_committee, reviewed, term_start=TERM_START, term_end=TERM_START)
    assert exc.value.message_dict == {"term_end": ["任期结束应晚于任期开始"]}
    assert snapshot(reviewed) == before


def test_term_cannot_end_before_it_started(world, appointed):
    before = snapshot(appointed)
    with pytest.raises(ValidationError) as exc:
        actions.end_term(world.village_committee, appointed, ended_on=TERM_START - dt.timedelta(days=1), reason="调动")
    assert exc.value.message_dict == {"ended_on": ["离任日期不能早于任期开始"]}
    assert snapshot(appointed) == before


def test_allowed_transitions_follow_role_and_state(world, nominated, grid_leader_a):
    assert actions.allowed_transitions(world.village_committee, nominated) == {"review", "reject"}
    assert actions.allowed_transitions(world.grid_worker_a, nominated) == set()
    assert actions.allowed_transitions(grid_leader_a, nominated) == set()
    reviewed = actions.review(world.town_staff, nominated)
    assert actions.allowed_transitions(world.county_staff, reviewed) == {"appoint", "reject"}
    appointed = actions.appoint(world.town_staff, reviewed, term_start=TERM_START)
    assert actions.allowed_transitions(world.village_committee, appointed) == {"end"}
