"""Who sees which matters: place roles by subtree, liaisons only what was routed to their department,
household-cluster leaders only their own reports; a matter's rows follow the matter."""

import pytest

from gridgov.matters import actions
from gridgov.matters.models import Feedback, Matter, MatterEvent, MediationAgreement, Supervision
from gridgov.matters.tests.helpers import record


def visible(user, model=Matter):
    return sorted(model.objects.for_user(user).values_list("pk", flat=True))


def test_place_roles_see_matters_located_in_their_area(engine):
    a = record(engine.grid_worker_a)
    b = record(engine.grid_worker_b, household=engine.household_b)
    assert visible(engine.grid_worker_a) == [a.pk]
    assert visible(engine.grid_leader_a) == [a.pk]
    assert visible(engine.grid_worker_b) == [b.pk]
    assert visible(engine.village_committee) == [a.pk]
    assert visible(engine.town_staff) == [a.pk, b.pk]
    assert visible(engine.county_staff) == [a.pk, b.pk]
    for admin in (engine.auditor, engine.system_admin, engine.security_admin):
        assert visible(admin) == []


def test_a_matter_escalated_away_stays_visible_to_its_grid(engine):
    a = record(engine.grid_worker_a)
    actions.report_up(engine.grid_worker_a, a, reason="上报")
    assert visible(engine.grid_worker_a) == [a.pk]


def test_liaison_sees_only_matters_routed_to_their_department(engine):
    w = engine
    routed = record(w.grid_worker_a, title="地界纠纷")
    record(w.grid_worker_a, title="另一件纠纷")
    record(w.grid_worker_b, household=w.household_b)
    assert visible(w.department_liaison) == []
    actions.report_up(w.grid_worker_a, routed, reason="上报")
    actions.accept(w.village_committee, routed)
    actions.route_to_department(w.village_committee, routed, w.judicial)
    assert visible(w.department_liaison) == [routed.pk]
    assert visible(w.police_liaison) == []
    # After the reply it stays readable to the department that handled it.
    actions.department_reply(w.department_liaison, routed, result="已调解")
    assert visible(w.department_liaison) == [routed.pk]
    assert visible(w.department_liaison, MatterEvent) == sorted(routed.events.values_list("pk", flat=True))
    assert visible(w.police_liaison, MatterEvent) == []


def test_a_liaison_of_two_departments_sees_both(engine):
    w = engine
    w.police.liaisons.add(w.department_liaison)
    one = record(w.grid_worker_a, title="一")
    two = record(w.grid_worker_a, title="二")
    for matter, dept in ((one, w.judicial), (two, w.police)):
        actions.report_up(w.grid_worker_a, matter, reason="上报")
        actions.accept(w.village_committee, matter)
        actions.route_to_department(w.village_committee, matter, dept)
    assert visible(w.department_liaison) == [one.pk, two.pk]
    assert visible(w.police_liaison) == [two.pk]


def test_cluster_leader_reads_only_own_reports(engine):
    own = record(engine.cluster_leader_a1, title="联户长快报")
    record(engine.grid_worker_a, title="网格员登记的同户事项")
    assert visible(engine.cluster_leader_a1) == [own.pk]
    assert visible(engine.cluster_leader_a1, MatterEvent) == sorted(own.events.values_list("pk", flat=True))


def test_related_rows_follow_place_scope(engine):
    a = record(engine.grid_worker_a)
    b = record(engine.grid_worker_b, household=engine.household_b)
    for matter, worker in ((a, engine.grid_worker_a), (b, engine.grid_worker_b)):
        actions.resolve_on_spot(worker, matter, result="化解")
        actions.record_feedback(
            worker,
            matter,
            actions.FeedbackInput(method="phone", contacted_at=a.created_at, said="好", verdict="accepted"),
        )
    assert visible(engine.grid_worker_a, Feedback) == list(
        Feedback.objects.filter(matter=a).values_list("pk", flat=True)
    )
    assert visible(engine.town_staff, Feedback) == sorted(Feedback.objects.values_list("pk", flat=True))
    for model in (MediationAgreement, Supervision):
        assert visible(engine.grid_worker_a, model) == []


def test_a_liaison_cannot_route_to_or_act_for_another_department(engine):
    w = engine
    matter = record(w.grid_worker_a)
    actions.report_up(w.grid_worker_a, matter, reason="上报")
    actions.accept(w.village_committee, matter)
    actions.route_to_department(w.village_committee, matter, w.police)
    with pytest.raises(actions.ActionRefused, match="只有承办部门的联络人可以反馈办理结果"):
        actions.department_reply(w.department_liaison, matter, result="x")
    with pytest.raises(actions.ActionRefused, match="该事项不在您的部门办理，不能回退"):
        actions.return_with_reason(w.department_liaison, matter, reason="x")
    assert Matter.objects.get(pk=matter.pk).holder_department == w.police
