"""Issue 3's dispute story, end to end through the actions, with the exact timeline it leaves."""

import datetime as dt

from django.utils import timezone

from gridgov.matters import actions, queries
from gridgov.matters.models import Matter, MediationAgreement, MediationSession
from gridgov.matters.tests.helpers import record


def test_land_boundary_dispute_from_visit_to_closing(engine):
    w = engine
    # A grid worker records a land-boundary dispute found on a household visit, yellow.
    matter = record(
        w.grid_worker_a,
        code="dispute.land_forest",
        title="王家与母家地界纠纷",
        description="两家因承包地地界多年不和，今年春耕又起争执。",
        color="yellow",
        channel="visit",
        extra={"subtype": "地界", "area_mu": "0.3", "parties_count": 2},
    )
    assert (matter.state, matter.level, matter.holder_place, matter.extra) == (
        "in_progress",
        "grid",
        w.grid_a,
        {"subtype": "地界", "area_mu": 0.3, "parties_count": 2},
    )
    assert list(queries.work_queue(w.grid_worker_a)) == [matter]

    # Tries on the spot, fails, reports to the village committee.
    actions.resolve_on_spot(w.grid_worker_a, matter, result="现场劝解，双方各执一词", succeeded=False)
    actions.report_up(w.grid_worker_a, matter, reason="现场调解不成，需村委会组织调解")
    assert (matter.state, matter.level, matter.holder_place) == ("pending", "village", w.village_a)
    assert list(queries.work_queue(w.grid_worker_a)) == []
    assert list(queries.work_queue(w.village_committee)) == [matter]

    # The committee schedules a session with two of the five elders; it fails.
    actions.accept(w.village_committee, matter)
    session = actions.schedule_mediation(
        w.village_committee,
        matter,
        scheduled_for=timezone.now() + dt.timedelta(days=2),
        mediators=[w.elder_1, w.elder_2],
        venue="桂园村调解室",
        parties="王建国；母某某",
    )
    actions.record_mediation(
        w.village_committee, matter, session=session, outcome="failure", summary="双方对界桩位置仍有争议"
    )

    # The village escalates to the town, whose center routes it to the judicial office.
    actions.report_up(w.village_committee, matter, reason="村级调解不成")
    actions.accept(w.town_staff, matter)
    actions.route_to_department(w.town_staff, matter, w.judicial, note="请司法所组织调解")
    assert matter.state == "at_department"
    assert list(Matter.objects.for_user(w.department_liaison)) == [matter]
    assert list(queries.work_queue(w.department_liaison)) == [matter]
    assert list(queries.work_queue(w.town_staff)) == []

    # The judicial office records the agreement and replies; the result comes back down.
    agreement = actions.record_agreement(
        w.department_liaison,
        matter,
        actions.AgreementInput(
            number="寨司调〔2026〕12号",
            organisation="寨坝镇人民调解委员会",
            parties=[{"name": "王建国", "role": "申请人"}, {"name": "母某某", "role": "被申请人"}],
            facts="双方承包地相邻，地界不清。",
            terms="以2012年界桩为准，重新埋设界桩，费用各半。",
            performance="2026年4月30日前履行完毕",
            signed_on=dt.date(2026, 4, 12),
            mediator_names="陈调解",
        ),
    )
    actions.department_reply(w.department_liaison, matter, result="经司法所调解达成协议，重新埋设界桩")
    assert (matter.state, matter.holder_place, matter.holder_department) == ("in_progress", w.town, None)
    actions.send_back(w.town_staff, matter)
    assert (matter.state, matter.level, matter.holder_place) == ("resolved", "grid", w.grid_a)
    assert list(queries.work_queue(w.grid_worker_a)) == [matter]

    # The grid worker calls the reporter, records the feedback and a rating, and closes.
    feedback = actions.record_feedback(
        w.grid_worker_a,
        matter,
        actions.FeedbackInput(
            method="phone", contacted_at=timezone.now(), said="界桩已埋好，满意", verdict="accepted", satisfaction=5
        ),
    )
    actions.close(w.grid_worker_a, matter, note="调解协议已履行")

    matter.refresh_from_db()
    assert (matter.state, matter.is_open, matter.result) == ("closed", False, "经司法所调解达成协议，重新埋设界桩")
    assert list(queries.work_queue(w.grid_worker_a)) == []
    assert feedback.satisfaction == 5
    assert MediationSession.objects.get(pk=session.pk).outcome == "failure"
    assert list(MediationSession.objects.get(pk=session.pk).mediators.order_by("id")) == [w.elder_1, w.elder_2]
    assert MediationAgreement.objects.get(matter=matter) == agreement

    timeline = [
        (
            e.action,
            e.actor_name,
            e.from_state,
            e.to_state,
            e.from_level,
            e.to_level,
            e.from_unit.name if e.from_unit else "",
            e.to_unit.name,
            e.to_department.name if e.to_department else "",
        )
        for e in matter.events.select_related("from_unit", "to_unit", "to_department").order_by("at", "id")
    ]
    grid, village, town = "桂园村第1网格", "桂园村", "寨坝镇"
    assert timeline == [
        ("record", "网格员甲", "", "in_progress", "", "grid", "", grid, ""),
        ("resolve_on_spot", "网格员甲", "in_progress", "in_progress", "grid", "grid", grid, grid, ""),
        ("report_up", "网格员甲", "in_progress", "pending", "grid", "village", grid, village, ""),
        ("accept", "桂园村委", "pending", "in_progress", "village", "village", village, village, ""),
        ("schedule_mediation", "桂园村委", "in_progress", "in_progress", "village", "village", village, village, ""),
        ("record_mediation", "桂园村委", "in_progress", "in_progress", "village", "village", village, village, ""),
        ("report_up", "桂园村委", "in_progress", "pending", "village", "town", village, town, ""),
        ("accept", "镇综治中心", "pending", "in_progress", "town", "town", town, town, ""),
        (
            "route_to_department",
            "镇综治中心",
            "in_progress",
            "at_department",
            "town",
            "department",
            town,
            town,
            "寨坝镇司法所",
        ),
        (
            "record_agreement",
            "司法所联络人",
            "at_department",
            "at_department",
            "department",
            "department",
            town,
            town,
            "寨坝镇司法所",
        ),
        ("department_reply", "司法所联络人", "at_department", "in_progress", "department", "town", town, town, ""),
        ("send_back", "镇综治中心", "in_progress", "resolved", "town", "grid", town, grid, ""),
        ("record_feedback", "网格员甲", "resolved", "resolved", "grid", "grid", grid, grid, ""),
        ("close", "网格员甲", "resolved", "closed", "grid", "grid", grid, grid, ""),
    ]
    notes = dict(matter.events.filter(action__in=["resolve_on_spot", "record_mediation"]).values_list("action", "data"))
    assert notes == {
        "resolve_on_spot": {"succeeded": False},
        "record_mediation": {"session": session.pk, "outcome": "failure"},
    }
