"""Kind-specific handling (appeals, environment, hardships, hazards), level moves, and input validation."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.matters import actions, queries
from gridgov.matters.models import Matter, MatterConfig
from gridgov.matters.tests.helpers import ANONYMOUS, appoint, category, record
from gridgov.personnel.choices import AppointmentRole

# ---------------------------------------------------------------- appeals


def test_answer_type_appeal_is_answered_and_resolved(engine):
    matter = record(engine.grid_worker_a, code="appeal.agriculture", title="小麦打药咨询", extra={"crop": "小麦"})
    actions.answer(engine.grid_worker_a, matter, answer_type="answer", text="请农技员现场指导，已答复")
    assert (matter.state, matter.answer_type, matter.result) == ("resolved", "answer", "请农技员现场指导，已答复")


def test_handling_type_appeal_goes_to_a_department_through_the_village(engine):
    w = engine
    matter = record(w.cluster_leader_a1, code="appeal.subsidy", title="补贴未到账", extra={"subsidy": "低保"})
    actions.answer(w.grid_worker_a, matter, answer_type="handling", text="需民政办核查")
    assert (matter.state, matter.answer_type) == ("in_progress", "handling")
    with pytest.raises(actions.ActionRefused, match="网格不能直接交办部门"):
        actions.route_to_department(w.grid_worker_a, matter, w.judicial)
    actions.report_up(w.grid_worker_a, matter, reason="办理类诉求")
    actions.accept(w.village_committee, matter)
    actions.route_to_department(w.village_committee, matter, w.police)
    assert (matter.holder_place, matter.holder_department) == (w.village_a, w.police)


# ---------------------------------------------------------------- environment


def test_recurring_environment_problem_comes_back_on_its_date(engine):
    matter = record(
        engine.grid_worker_a,
        code="environment.roadside_rubbish",
        title="村道旁垃圾堆积",
        extra={"scale": "多处"},
        reporter=ANONYMOUS,
    )
    today = timezone.localdate()
    actions.resolve_on_spot(
        engine.grid_worker_a,
        matter,
        result="已清理，纳入常态化整治",
        recurrence="recurring",
        next_recurrence=today + dt.timedelta(days=30),
    )
    actions.close(engine.grid_worker_a, matter)
    assert actions.reopen_due_recurrences(today + dt.timedelta(days=29)) == 0
    assert actions.reopen_due_recurrences(today + dt.timedelta(days=30)) == 1
    assert actions.reopen_due_recurrences(today + dt.timedelta(days=30)) == 0
    fresh = Matter.objects.get(pk=matter.pk)
    assert (fresh.state, fresh.is_open, fresh.recurrence, fresh.next_recurrence) == (
        "in_progress",
        True,
        "recurring",
        None,
    )
    last = fresh.events.latest("id")
    assert (last.action, last.actor, last.actor_name) == ("reopen", None, "定期整治计划")
    # Declared solved: a one-off resolution ends the schedule.
    actions.resolve_on_spot(engine.grid_worker_a, fresh, result="彻底清除", recurrence="one_off")
    assert (fresh.recurrence, fresh.next_recurrence) == ("one_off", None)


def test_recurring_needs_a_date_and_only_environment_has_recurrence(engine):
    env = record(engine.grid_worker_a, code="environment.sewage", title="污水横流")
    with pytest.raises(ValidationError, match="下次整治日期"):
        actions.resolve_on_spot(engine.grid_worker_a, env, result="x", recurrence="recurring")
    dispute = record(engine.grid_worker_a)
    with pytest.raises(ValidationError, match="只有环境问题"):
        actions.resolve_on_spot(engine.grid_worker_a, dispute, result="x", recurrence="one_off")


# ---------------------------------------------------------------- hardships


def test_hardship_proxy_handled_by_a_red_steward(engine):
    matter = record(
        engine.grid_worker_a,
        code="hardship.paperwork",
        title="独居老人办理社保卡",
        extra={"group": "独居老人", "item": "社保卡"},
    )
    actions.proxy_handle(engine.grid_worker_a, matter, steward=engine.steward_a, result="红管家代办，已送卡上门")
    assert (matter.state, matter.proxy_steward) == ("resolved", engine.steward_a)
    assert matter.events.latest("id").data == {"steward": "徐世刚"}


def test_proxy_handling_needs_a_red_steward_of_the_area(engine):
    matter = record(engine.grid_worker_a, code="hardship.medical", title="就医困难")
    with pytest.raises(ValidationError, match="不是红管家"):
        actions.proxy_handle(engine.grid_worker_a, matter, steward=engine.elder_1, result="x")
    elsewhere = appoint(engine.grid_b, AppointmentRole.RED_STEWARD, "乙网格红管家")
    with pytest.raises(ValidationError, match="不在事项所在地任职"):
        actions.proxy_handle(engine.grid_worker_a, matter, steward=elsewhere, result="x")
    assert Matter.objects.get(pk=matter.pk).state == "in_progress"


# ---------------------------------------------------------------- hazards


def test_hazard_rectify_then_reinspect_before_it_can_close(engine):
    w = engine
    matter = record(w.grid_worker_a, code="hazard.safety.self_built_house", title="自建房墙体开裂", color="red")
    actions.rectify(w.grid_worker_a, matter, measures="设置警示，搬离住户")
    assert matter.state == "reinspection"
    actions.reinspect(w.grid_worker_a, matter, passed=False, note="裂缝仍在扩大")
    assert (matter.state, matter.rectified_at) == ("in_progress", None)
    actions.rectify(w.grid_worker_a, matter, measures="加固墙体")
    actions.reinspect(w.grid_worker_a, matter, passed=True, note="复查合格")
    assert (matter.state, matter.result) == ("resolved", "加固墙体\n复查：复查合格")
    assert list(matter.events.values_list("action", flat=True).order_by("id")) == [
        "record",
        "rectify",
        "reinspect",
        "rectify",
        "reinspect",
    ]


# ---------------------------------------------------------------- levels


def test_only_red_matters_skip_levels_and_only_when_allowed(engine):
    w = engine
    yellow = record(w.grid_worker_a)
    with pytest.raises(actions.ActionRefused, match="只有红色事项可以越级上报"):
        actions.report_up(w.grid_worker_a, yellow, reason="x", to_level="town")
    red = record(w.grid_worker_a, color="red")
    actions.report_up(w.grid_worker_a, red, reason="群体性风险", to_level="town")
    assert (red.level, red.holder_place, red.events.latest("id").data) == ("town", w.town, {"skipped": 1})
    MatterConfig.objects.create(pk=1, red_may_skip_levels=False)
    other = record(w.grid_worker_a, color="red")
    with pytest.raises(actions.ActionRefused, match="当前设置不允许越级上报"):
        actions.report_up(w.grid_worker_a, other, reason="x", to_level="county")
    with pytest.raises(ValidationError, match="只能向上级上报"):
        actions.report_up(w.grid_worker_a, other, reason="x", to_level="grid")


def test_county_cannot_report_up(engine):
    matter = record(engine.grid_worker_a, color="red")
    actions.report_up(engine.grid_worker_a, matter, reason="x", to_level="county")
    actions.accept(engine.county_staff, matter)
    with pytest.raises(actions.ActionRefused, match="事项已在县级"):
        actions.report_up(engine.county_staff, matter, reason="x")


def test_return_with_reason_goes_back_where_it_came_from(engine):
    w = engine
    red = record(w.grid_worker_a, color="red")
    actions.report_up(w.grid_worker_a, red, reason="越级", to_level="town")
    actions.return_with_reason(w.town_staff, red, reason="网格可处置，不必上报")
    assert (red.level, red.holder_place, red.state) == ("grid", w.grid_a, "pending")
    assert red.events.latest("id").note == "网格可处置，不必上报"
    with pytest.raises(ValidationError, match="请填写回退理由"):
        actions.return_with_reason(w.grid_worker_a, red, reason=" ")


def test_department_returns_a_matter_to_the_unit_that_routed_it(engine):
    w = engine
    matter = record(w.grid_worker_a)
    actions.report_up(w.grid_worker_a, matter, reason="上报")
    actions.accept(w.village_committee, matter)
    actions.route_to_department(w.village_committee, matter, w.judicial)
    actions.return_with_reason(w.department_liaison, matter, reason="属土地权属争议，请交自然资源所")
    assert (matter.state, matter.holder_place, matter.holder_department) == ("in_progress", w.village_a, None)


def test_routing_only_to_departments_of_the_holders_town_or_county(engine):
    from gridgov.matters.tests.helpers import department
    from gridgov.testing import make_place

    other_town = make_place("520330114", "东皇镇", "town", engine.county)
    foreign = department(other_town, "judicial", "东皇镇司法所")
    matter = record(engine.grid_worker_a, color="red")
    actions.report_up(engine.grid_worker_a, matter, reason="x", to_level="town")
    actions.accept(engine.town_staff, matter)
    with pytest.raises(actions.ActionRefused, match="东皇镇司法所不是本级或上级登记的部门"):
        actions.route_to_department(engine.town_staff, matter, foreign)
    actions.route_to_department(engine.town_staff, matter, engine.county_emergency)
    assert matter.holder_department == engine.county_emergency


def test_send_back_to_a_chosen_lower_level(engine):
    w = engine
    matter = record(w.grid_worker_a, color="red")
    actions.report_up(w.grid_worker_a, matter, reason="x", to_level="town")
    actions.accept(w.town_staff, matter)
    actions.route_to_department(w.town_staff, matter, w.judicial)
    actions.department_reply(w.department_liaison, matter, result="已处理")
    with pytest.raises(ValidationError, match="只能下发到下级单位"):
        actions.send_back(w.town_staff, matter, to_level="county")
    actions.send_back(w.town_staff, matter, to_level="village", result="已处理，请村委会回访")
    assert (matter.level, matter.holder_place, matter.state, matter.result) == (
        "village",
        w.village_a,
        "resolved",
        "已处理，请村委会回访",
    )


# ---------------------------------------------------------------- mediation


def test_mediators_must_be_appointed_mediating_roles_of_the_area(engine):
    w = engine
    matter = record(w.grid_worker_a)
    when = timezone.now()
    with pytest.raises(ValidationError, match="永盛老人不在事项所在地任职"):
        actions.schedule_mediation(w.grid_worker_a, matter, scheduled_for=when, mediators=[w.elder_b])
    patrol = appoint(w.village_a, AppointmentRole.PATROL_MEMBER, "巡逻队员")
    with pytest.raises(ValidationError, match="巡逻队员不是调解员、五老或红管家"):
        actions.schedule_mediation(w.grid_worker_a, matter, scheduled_for=when, mediators=[patrol])
    with pytest.raises(ValidationError, match="请选择调解员"):
        actions.schedule_mediation(w.grid_worker_a, matter, scheduled_for=when, mediators=[])
    session = actions.schedule_mediation(
        w.grid_worker_a, matter, scheduled_for=when, mediators=[w.steward_a, w.town_mediator]
    )
    actions.record_mediation(w.grid_worker_a, matter, session=session, outcome="success", agreement_text="各让三尺")
    with pytest.raises(ValidationError, match="该次调解已记录结果"):
        actions.record_mediation(w.grid_worker_a, matter, session=session, outcome="failure")


def test_mediation_held_without_scheduling(engine):
    matter = record(engine.cluster_leader_a1)
    session = actions.record_mediation(
        engine.grid_worker_a, matter, outcome="success", mediators=[engine.steward_a], summary="当场调解成功"
    )
    assert (session.outcome, matter.state) == ("success", "in_progress")  # an implicit accept
    assert list(matter.events.values_list("action", "from_state", "to_state").order_by("id")) == [
        ("record", "", "pending"),
        ("record_mediation", "pending", "in_progress"),
    ]


def test_agreement_needs_two_named_parties_and_a_successful_session(engine):
    w = engine
    matter = record(w.grid_worker_a)
    data = actions.AgreementInput(
        number="1",
        organisation="桂园村人民调解委员会",
        parties=[{"name": "甲"}],
        facts="f",
        terms="t",
        signed_on=dt.date(2026, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        actions.record_agreement(w.grid_worker_a, matter, data)
    assert exc.value.message_dict == {"parties": ["协议须列明至少两方当事人姓名"]}
    failed = actions.record_mediation(w.grid_worker_a, matter, outcome="failure", mediators=[w.elder_1])
    data.parties = [{"name": "甲"}, {"name": "乙"}]
    data.session = failed
    with pytest.raises(ValidationError, match="协议须对应本事项一次成功的调解"):
        actions.record_agreement(w.grid_worker_a, matter, data)


# ---------------------------------------------------------------- intake validation


def test_record_validates_category_extra_fields_and_reporter(engine):
    w = engine
    with pytest.raises(ValidationError) as exc:
        record(w.grid_worker_a, code="hazard.safety", kind="hazard")
    assert exc.value.message_dict == {"category": ["请选择该类事项下可用的分类"]}
    with pytest.raises(ValidationError) as exc:
        record(w.grid_worker_a, code="dispute.neighbour", kind="hazard")
    assert "category" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        record(w.grid_worker_a, code="hardship.medical", extra={})
    assert exc.value.message_dict == {"group": ["请填写“涉及群体”"]}
    with pytest.raises(ValidationError) as exc:
        record(w.grid_worker_a, extra={"subtype": "天界", "area_mu": "三亩", "colour": "x"})
    assert exc.value.message_dict == {
        "extra": ["未知的附加字段：colour"],
        "subtype": ["“纠纷类型”不是可选的选项"],
        "area_mu": ["“争议面积（亩）”应为数字"],
    }
    with pytest.raises(ValidationError) as exc:
        record(w.grid_worker_a, reporter=actions.Reporter(type="outsider", name="路人", phone="12345"))
    assert list(exc.value.message_dict) == ["reporter_phone"]
    with pytest.raises(ValidationError):
        record(w.grid_worker_a, point={"type": "Polygon", "coordinates": []})
    assert Matter.objects.count() == 0


def test_record_at_a_place_without_household(engine):
    matter = record(
        engine.village_committee, place=engine.village_a, code="environment.ponds_ditches", title="塘沟淤积"
    )
    assert (matter.path, matter.level, matter.holder_place, matter.state, matter.reporter_type) == (
        engine.village_a.code,
        "village",
        engine.village_a,
        "in_progress",
        "anonymous",
    )
    at_grid = record(engine.town_staff, place=engine.grid_c, code="environment.sewage", title="污水")
    assert (at_grid.level, at_grid.holder_place, at_grid.state) == ("grid", engine.grid_c, "pending")


def test_machine_intake_names_its_source(engine):
    cat = category("hazard.public_security.gambling")
    data = actions.MatterInput(
        kind="hazard", category=cat, title="聚众赌博警情", channel="police_alert", color="red", place=engine.grid_b
    )
    with pytest.raises(actions.ActionRefused, match="系统登记须注明来源"):
        actions.record_matter(None, data)
    matter = actions.record_matter(None, data, system_actor="寨坝派出所警情推送")
    assert (matter.recorded_by, matter.state, matter.holder_place) == (None, "pending", engine.grid_b)
    assert list(queries.work_queue(engine.grid_worker_b)) == [matter]
    assert matter.events.get().actor_name == "寨坝派出所警情推送"
