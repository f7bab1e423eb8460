"""Every action x every persona: allowed ones change the matter and write exactly one timeline event;
refused ones raise ActionRefused with a message and change nothing (matter, related rows, audit log)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from gridgov.audit.models import AuditLog
from gridgov.matters import actions, policy
from gridgov.matters.models import (
    Attachment,
    Category,
    Feedback,
    Matter,
    MatterEvent,
    MatterRouting,
    MediationAgreement,
    MediationSession,
    Supervision,
    media_root,
)
from gridgov.matters.tests.helpers import ANONYMOUS, Engine, record, upload

ROLES = [
    "county_staff",
    "town_staff",
    "village_committee",
    "grid_worker_a",
    "grid_worker_b",
    "grid_leader_a",
    "cluster_leader_a1",
    "department_liaison",
    "police_liaison",
    "auditor",
    "system_admin",
    "security_admin",
]
GRID_A = {"grid_worker_a", "grid_leader_a"}


# ---------------------------------------------------------------- set-ups: a matter ready for the action


def at_grid(e: Engine, **kw) -> Matter:
    return record(e.grid_worker_a, **kw)


def pending_at_grid(e: Engine) -> Matter:
    return record(e.cluster_leader_a1, title="联户长快报：地界纠纷")


def at_village(e: Engine, **kw) -> Matter:
    m = at_grid(e, **kw)
    actions.report_up(e.grid_worker_a, m, reason="需村委会协调")
    return actions.accept(e.village_committee, m)


def pending_at_village(e: Engine) -> Matter:
    m = at_grid(e)
    return actions.report_up(e.grid_worker_a, m, reason="需村委会协调")


def at_town(e: Engine) -> Matter:
    m = at_village(e)
    actions.report_up(e.village_committee, m, reason="村级调解不成")
    return actions.accept(e.town_staff, m)


def at_county(e: Engine) -> Matter:
    m = at_grid(e, color="red", code="dispute.land_acquisition", title="征地补偿群体纠纷")
    actions.report_up(e.grid_worker_a, m, reason="红色风险，越级上报", to_level="county")
    return actions.accept(e.county_staff, m)


def at_judicial(e: Engine) -> Matter:
    m = at_town(e)
    return actions.route_to_department(e.town_staff, m, e.judicial)


def replied(e: Engine) -> Matter:
    m = at_judicial(e)
    return actions.department_reply(e.department_liaison, m, result="已调解")


def resolved_at_grid(e: Engine) -> Matter:
    m = at_grid(e)
    return actions.resolve_on_spot(e.grid_worker_a, m, result="现场化解")


def resolved_with_feedback(e: Engine) -> Matter:
    m = resolved_at_grid(e)
    actions.record_feedback(e.grid_worker_a, m, feedback("accepted"))
    return m


def closed_at_grid(e: Engine) -> Matter:
    m = at_grid(e, reporter=ANONYMOUS)
    actions.resolve_on_spot(e.grid_worker_a, m, result="现场化解")
    return actions.close(e.grid_worker_a, m)


def scheduled_at_village(e: Engine) -> Matter:
    m = at_village(e)
    actions.schedule_mediation(
        e.village_committee, m, scheduled_for=timezone.now(), mediators=[e.elder_1], venue="调解室"
    )
    return m


def hazard_at_grid(e: Engine) -> Matter:
    return at_grid(e, code="hazard.safety.electricity_gas", title="私拉乱接电线", color="red")


def hazard_rectified(e: Engine) -> Matter:
    m = hazard_at_grid(e)
    return actions.rectify(e.grid_worker_a, m, measures="重新布线，加装漏电保护")


def feedback(verdict: str) -> actions.FeedbackInput:
    return actions.FeedbackInput(
        method="phone", contacted_at=timezone.now(), said="知道了", verdict=verdict, satisfaction=4
    )


def agreement() -> actions.AgreementInput:
    return actions.AgreementInput(
        number="寨司调〔2026〕1号",
        organisation="寨坝镇人民调解委员会",
        parties=[{"name": "甲"}, {"name": "乙"}],
        facts="地界不清",
        terms="重新埋设界桩",
        signed_on=dt.date(2026, 4, 1),
    )


@dataclass
class Case:
    setup: Callable[[Engine], Matter]
    act: Callable[[Engine, object, Matter], object]
    allowed: set[str]


CASES: dict[str, Case] = {
    "accept": Case(pending_at_grid, lambda e, u, m: actions.accept(u, m), GRID_A),
    "resolve_on_spot": Case(
        at_county, lambda e, u, m: actions.resolve_on_spot(u, m, result="县级协调解决"), {"county_staff"}
    ),
    "report_up": Case(at_grid, lambda e, u, m: actions.report_up(u, m, reason="需村委会协调"), GRID_A),
    "route_to_department": Case(at_town, lambda e, u, m: actions.route_to_department(u, m, e.judicial), {"town_staff"}),
    "department_reply": Case(
        at_judicial, lambda e, u, m: actions.department_reply(u, m, result="已调解"), {"department_liaison"}
    ),
    "send_back": Case(replied, lambda e, u, m: actions.send_back(u, m), {"town_staff"}),
    "return_with_reason": Case(
        pending_at_village,
        lambda e, u, m: actions.return_with_reason(u, m, reason="网格可自行化解"),
        {"village_committee"},
    ),
    "return_with_reason_from_department": Case(
        at_judicial,
        lambda e, u, m: actions.return_with_reason(u, m, reason="不属司法所职责"),
        {"department_liaison"},
    ),
    "merge_as_duplicate": Case(
        at_grid,
        lambda e, u, m: actions.merge_as_duplicate(u, m, Matter.objects.exclude(pk=m.pk).get()),
        GRID_A,
    ),
    "reopen": Case(closed_at_grid, lambda e, u, m: actions.reopen(u, m, reason="问题反弹"), GRID_A),
    "schedule_mediation": Case(
        at_village,
        lambda e, u, m: actions.schedule_mediation(
            u, m, scheduled_for=timezone.now(), mediators=[e.elder_1, e.elder_2]
        ),
        {"village_committee"},
    ),
    "record_mediation": Case(
        scheduled_at_village,
        lambda e, u, m: actions.record_mediation(u, m, session=m.mediations.get(), outcome="success"),
        {"village_committee"},
    ),
    "record_agreement": Case(
        at_judicial, lambda e, u, m: actions.record_agreement(u, m, agreement()), {"department_liaison"}
    ),
    "answer": Case(
        lambda e: at_grid(e, code="appeal.subsidy", title="查询耕地地力补贴"),
        lambda e, u, m: actions.answer(u, m, answer_type="answer", text="已到账，可在一卡通查询"),
        GRID_A,
    ),
    "rectify": Case(hazard_at_grid, lambda e, u, m: actions.rectify(u, m, measures="重新布线"), GRID_A),
    "reinspect": Case(hazard_rectified, lambda e, u, m: actions.reinspect(u, m, passed=True, note="复查合格"), GRID_A),
    "proxy_handle": Case(
        lambda e: at_village(
            e, code="hardship.paperwork", title="代办残疾证", extra={"group": "重残老人", "item": "残疾证"}
        ),
        lambda e, u, m: actions.proxy_handle(u, m, steward=e.steward_a, result="红管家代办完成"),
        {"village_committee"},
    ),
    "record_feedback": Case(
        resolved_at_grid, lambda e, u, m: actions.record_feedback(u, m, feedback("accepted")), GRID_A
    ),
    "close": Case(resolved_with_feedback, lambda e, u, m: actions.close(u, m), GRID_A),
    "add_attachment": Case(at_grid, lambda e, u, m: actions.add_attachment(u, m, upload(), caption="现场"), GRID_A),
    # whoever recorded a matter may add photos while it is open (here: the cluster leader's quick report)
    "add_attachment__by_recorder": Case(
        pending_at_grid, lambda e, u, m: actions.add_attachment(u, m, upload()), GRID_A | {"cluster_leader_a1"}
    ),
    "add_attachment__at_department": Case(
        at_judicial,
        lambda e, u, m: actions.add_attachment(u, m, upload()),
        {"department_liaison", "grid_worker_a"},  # the liaison holds it; the grid worker recorded it
    ),
    "edit_matter": Case(at_grid, lambda e, u, m: actions.edit_matter(u, m, red_edit(m)), GRID_A),
    "edit_matter__at_department": Case(
        at_judicial, lambda e, u, m: actions.edit_matter(u, m, red_edit(m)), {"department_liaison"}
    ),
    "supervise": Case(
        at_grid,
        lambda e, u, m: actions.supervise(u, m, color="yellow", reason="群众多次反映，请加快办理"),
        {"town_staff", "county_staff"},
    ),
    "supervise__at_town": Case(
        at_town, lambda e, u, m: actions.supervise(u, m, color="red", reason="久拖未决"), {"county_staff"}
    ),
    "supervise__at_department": Case(
        at_judicial,
        lambda e, u, m: actions.supervise(u, m, color="yellow", reason="请司法所尽快调处"),
        {"town_staff", "county_staff"},
    ),
}


def red_edit(matter: Matter) -> actions.MatterEdit:
    return actions.MatterEdit(
        title=matter.title + "（涉及多户）",
        description="两户因地界争执，已有推搡",
        color="red",
        category=Category.objects.get(pk=matter.category_id),
        reason="出现肢体冲突苗头",
    )


def base_action(case_name: str) -> str:
    return case_name.split("__")[0].replace("_from_department", "")


def snapshot(matter: Matter) -> dict:
    fresh = Matter.objects.get(pk=matter.pk)
    fields = model_to_dict(fresh, exclude=["reporter_phone_sealed"])
    fields["updated_at"] = fresh.updated_at
    return {
        "matter": fields,
        "events": MatterEvent.objects.filter(matter=matter).count(),
        "sessions": list(MediationSession.objects.filter(matter=matter).values_list("id", "outcome")),
        "agreements": MediationAgreement.objects.filter(matter=matter).count(),
        "feedbacks": Feedback.objects.filter(matter=matter).count(),
        "routings": MatterRouting.objects.filter(matter=matter).count(),
        "attachments": Attachment.objects.filter(matter=matter).count(),
        "stored_files": sorted(str(p) for p in Path(media_root()).rglob("*") if p.is_file()),
        "supervisions": Supervision.objects.filter(matter=matter).count(),
        "audit": AuditLog.objects.count(),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(CASES))
def test_action_by_role(engine, action, role):
    case = CASES[action]
    if action == "merge_as_duplicate":
        at_grid(engine, title="先登记的同一纠纷")
    matter = case.setup(engine)
    user = engine.user(role)
    before = snapshot(matter)
    if role in case.allowed:
        case.act(engine, user, matter)
        after = snapshot(matter)
        assert after["events"] == before["events"] + 1
        assert after != {**before, "events": after["events"], "audit": after["audit"]}
        assert MatterEvent.objects.filter(matter=matter).latest("id").action == base_action(action)
    else:
        with pytest.raises(actions.ActionRefused) as refused:
            case.act(engine, user, Matter.objects.get(pk=matter.pk))
        assert str(refused.value)
        assert snapshot(matter) == before


def test_every_guarded_action_is_covered():
    assert {base_action(name) for name in CASES} == set(policy.GUARDS)


RECORDERS = {"county_staff", "town_staff", "village_committee", "grid_worker_a", "grid_leader_a", "cluster_leader_a1"}


@pytest.mark.parametrize("role", ROLES)
def test_record_matter_by_role(engine, role):
    user = engine.user(role)
    events, audit = MatterEvent.objects.count(), AuditLog.objects.count()
    if role in RECORDERS:
        matter = record(user)
        assert (matter.holder_place, matter.recorded_by) == (engine.grid_a, user)
        assert matter.state == ("in_progress" if role in GRID_A else "pending")
        assert list(matter.events.values_list("action", flat=True)) == ["record"]
    else:
        with pytest.raises(actions.ActionRefused):
            record(user)
        assert (Matter.objects.count(), MatterEvent.objects.count(), AuditLog.objects.count()) == (0, events, audit)


def test_refusals_say_why(engine):
    matter = at_grid(engine)
    with pytest.raises(actions.ActionRefused, match="该事项现由桂园村第1网格办理，您不能上报"):
        actions.report_up(engine.village_committee, matter, reason="x")
    with pytest.raises(actions.ActionRefused, match="联户长只能上报事项，不能受理"):
        actions.accept(engine.cluster_leader_a1, pending_at_grid(engine))
    with pytest.raises(actions.ActionRefused, match="该事项不在您的部门办理"):
        actions.accept(engine.department_liaison, pending_at_grid(engine))
    with pytest.raises(actions.ActionRefused, match="您的账号不办理事项"):
        actions.accept(engine.auditor, pending_at_grid(engine))
    with pytest.raises(actions.ActionRefused, match="网格不能直接交办部门"):
        actions.route_to_department(engine.grid_worker_a, matter, engine.judicial)
    with pytest.raises(actions.ActionRefused, match="事项当前为“办理中”，不能受理"):
        actions.accept(engine.grid_worker_a, matter)
    with pytest.raises(actions.ActionRefused, match="只有矛盾纠纷事项可以安排调解"):
        actions.schedule_mediation(
            engine.grid_worker_a, hazard_at_grid(engine), scheduled_for=timezone.now(), mediators=[]
        )
    with pytest.raises(actions.ActionRefused, match="隐患须整改并经复查后才能办结"):
        actions.resolve_on_spot(engine.grid_worker_a, hazard_at_grid(engine), result="x")


def test_available_actions_follow_the_guards(engine):
    matter = at_grid(engine)
    assert policy.available_actions(engine.grid_worker_a, matter) == [
        "resolve_on_spot",
        "report_up",
        "merge_as_duplicate",
        "schedule_mediation",
        "record_mediation",
        "record_agreement",
        "add_attachment",
        "edit_matter",
    ]
    assert policy.available_actions(engine.village_committee, matter) == []
    assert policy.available_actions(engine.town_staff, matter) == ["supervise"]
    assert policy.available_actions(engine.grid_worker_b, matter) == []
