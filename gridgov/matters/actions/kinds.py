"""What only some kinds of matter go through: mediation and its agreement (disputes), answers (appeals),
rectification and re-inspection (hazards), proxy handling by a red steward (hardships)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gridgov.matters.actions.engine import (
    MEDIATOR_ROLES,
    _before,
    _check_helpers,
    _event,
    _lock,
    _mark_resolved,
    _save,
    _text,
)
from gridgov.matters.choices import (
    AnswerType,
    MatterAction,
    MatterState,
    MediationOutcome,
)
from gridgov.matters.models import (
    Matter,
    MediationAgreement,
    MediationSession,
)
from gridgov.matters.policy import (
    can_answer,
    can_proxy_handle,
    can_record_agreement,
    can_record_mediation,
    can_rectify,
    can_reinspect,
    can_schedule_mediation,
)
from gridgov.personnel.choices import AppointmentRole
from gridgov.personnel.models import Appointment


def _implicit_accept(matter: Matter) -> list[str]:
    if matter.state == MatterState.PENDING:
        matter.state = MatterState.IN_PROGRESS
        return ["state"]
    return []


def schedule_mediation(
    user,
    matter: Matter,
    *,
    scheduled_for: dt.datetime,
    mediators: Iterable[Appointment],
    venue: str = "",
    parties: str = "",
) -> MediationSession:
    """安排调解: mediators are appointed mediators, five elders or red stewards of the matter's area."""
    with transaction.atomic():
        _lock(matter)
        can_schedule_mediation(user, matter)
        people = _check_helpers(mediators, matter, MEDIATOR_ROLES, "调解员、五老或红管家")
        before = _before(matter)
        _save(matter, _implicit_accept(matter))
        session = MediationSession.objects.create(
            path=matter.path,
            matter=matter,
            scheduled_for=scheduled_for,
            venue=venue.strip(),
            parties=parties.strip(),
            level=matter.deadline_level,
        )
        session.mediators.set(people)
        _event(
            user,
            matter,
            before,
            MatterAction.SCHEDULE_MEDIATION,
            note=f"{timezone.localtime(scheduled_for):%Y-%m-%d %H:%M} {venue}".strip(),
            data={"session": session.pk, "mediators": [p.person_name for p in people]},
        )
    return session


def record_mediation(
    user,
    matter: Matter,
    *,
    outcome: str,
    session: MediationSession | None = None,
    summary: str = "",
    agreement_text: str = "",
    parties: str = "",
    held_at: dt.datetime | None = None,
    mediators: Iterable[Appointment] = (),
) -> MediationSession:
    """记录调解: the outcome of a scheduled session, or of one held without scheduling (give mediators)."""
    if outcome not in MediationOutcome.values:
        raise ValidationError({"outcome": "请选择调解结果"})
    with transaction.atomic():
        _lock(matter)
        can_record_mediation(user, matter)
        now = timezone.now()
        if session is None:
            people = _check_helpers(mediators, matter, MEDIATOR_ROLES, "调解员、五老或红管家")
            session = MediationSession.objects.create(
                path=matter.path, matter=matter, scheduled_for=held_at or now, level=matter.deadline_level
            )
            session.mediators.set(people)
        else:
            session = MediationSession.objects.select_for_update().get(pk=session.pk)
            if session.matter_id != matter.pk:
                raise ValidationError({"session": "该调解不属于此事项"})
            if session.outcome:
                raise ValidationError({"session": "该次调解已记录结果"})
        before = _before(matter)
        _save(matter, _implicit_accept(matter))
        session.outcome = outcome
        session.held_at = held_at or now
        session.summary = summary.strip()
        session.agreement_text = agreement_text.strip()
        if parties.strip():
            session.parties = parties.strip()
        session.save(update_fields=["outcome", "held_at", "summary", "agreement_text", "parties", "updated_at"])
        _event(
            user,
            matter,
            before,
            MatterAction.RECORD_MEDIATION,
            note=summary.strip(),
            data={"session": session.pk, "outcome": outcome},
        )
    return session


@dataclass
class AgreementInput:
    number: str
    organisation: str
    parties: list[dict[str, str]]
    facts: str
    terms: str
    signed_on: dt.date
    performance: str = ""
    mediator_names: str = ""
    session: MediationSession | None = None


def record_agreement(user, matter: Matter, data: AgreementInput) -> MediationAgreement:
    """登记调解协议: the data of the 人民调解协议书 (printing comes later)."""
    errors: dict[str, str] = {}
    for name, label in (
        ("number", "协议书编号"),
        ("organisation", "调解组织"),
        ("facts", "纠纷事实"),
        ("terms", "协议内容"),
    ):
        if not str(getattr(data, name) or "").strip():
            errors[name] = f"请填写{label}"
    parties = data.parties or []
    if len(parties) < 2 or not all(isinstance(p, dict) and str(p.get("name", "")).strip() for p in parties):
        errors["parties"] = "协议须列明至少两方当事人姓名"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock(matter)
        can_record_agreement(user, matter)
        if data.session is not None and (
            data.session.matter_id != matter.pk or data.session.outcome != MediationOutcome.SUCCESS
        ):
            raise ValidationError({"session": "协议须对应本事项一次成功的调解"})
        before = _before(matter)
        _save(matter, _implicit_accept(matter))
        agreement = MediationAgreement.objects.create(
            path=matter.path,
            matter=matter,
            session=data.session,
            number=data.number.strip(),
            organisation=data.organisation.strip(),
            parties=[{k: str(v).strip() for k, v in p.items()} for p in parties],
            facts=data.facts.strip(),
            terms=data.terms.strip(),
            performance=data.performance.strip(),
            signed_on=data.signed_on,
            mediator_names=data.mediator_names.strip(),
        )
        _event(
            user, matter, before, MatterAction.RECORD_AGREEMENT, note=agreement.number, data={"agreement": agreement.pk}
        )
    return agreement


def answer(user, matter: Matter, *, answer_type: str, text: str) -> Matter:
    """诉求答复: an answer-type appeal is answered and resolved; a handling-type one is marked and stays open."""
    text = _text(text, "text", "答复内容")
    if answer_type not in AnswerType.values:
        raise ValidationError({"answer_type": "请选择解答类或办理类"})
    with transaction.atomic():
        _lock(matter)
        can_answer(user, matter)
        before = _before(matter)
        matter.answer_type = answer_type
        fields = ["answer_type"]
        if answer_type == AnswerType.ANSWER:
            fields += _mark_resolved(matter, timezone.now(), text)
        else:
            fields += _implicit_accept(matter)
        _save(matter, fields)
        _event(user, matter, before, MatterAction.ANSWER, note=text, data={"answer_type": answer_type})
    return matter


def rectify(user, matter: Matter, *, measures: str) -> Matter:
    """隐患整改: the hazard is rectified and waits for re-inspection."""
    measures = _text(measures, "measures", "整改措施")
    with transaction.atomic():
        _lock(matter)
        can_rectify(user, matter)
        before = _before(matter)
        matter.state = MatterState.REINSPECTION
        matter.rectified_at = timezone.now()
        matter.result = measures
        _save(matter, ["state", "rectified_at", "result"])
        _event(user, matter, before, MatterAction.RECTIFY, note=measures)
    return matter


def reinspect(user, matter: Matter, *, passed: bool, note: str) -> Matter:
    """整改复查: passed resolves the hazard; failed sends it back to rectification."""
    note = _text(note, "note", "复查情况")
    with transaction.atomic():
        _lock(matter)
        can_reinspect(user, matter)
        before = _before(matter)
        if passed:
            fields = _mark_resolved(matter, timezone.now(), f"{matter.result}\n复查：{note}".strip())
        else:
            matter.state = MatterState.IN_PROGRESS
            matter.rectified_at = None
            fields = ["state", "rectified_at"]
        _save(matter, fields)
        _event(user, matter, before, MatterAction.REINSPECT, note=note, data={"passed": passed})
    return matter


def proxy_handle(user, matter: Matter, *, steward: Appointment, result: str) -> Matter:
    """代办: a red steward handled the paperwork for the resident."""
    result = _text(result, "result", "代办结果")
    with transaction.atomic():
        _lock(matter)
        can_proxy_handle(user, matter)
        _check_helpers([steward], matter, frozenset({AppointmentRole.RED_STEWARD}), "红管家")
        before = _before(matter)
        matter.proxy_steward = steward
        fields = ["proxy_steward", *_mark_resolved(matter, timezone.now(), result)]
        _save(matter, fields)
        _event(user, matter, before, MatterAction.PROXY_HANDLE, note=result, data={"steward": steward.person_name})
    return matter
