"""State changes of key persons: enlist, follow up, lose and regain contact, move away, release, alerts.

Every function checks the key-population grant and the caller's scope first (`ActionRefused`),
validates its input (`ValidationError`), then inside ``transaction.atomic()`` re-reads the person
under lock, saves with ``update_fields`` and writes one `KeyPersonEvent` — the person's timeline.
Alerts are rows, one per (person, kind, date), so raising them twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from gridgov.accounts.choices import BUSINESS_ROLES, Role
from gridgov.core import counting
from gridgov.core.actions import ActionRefused
from gridgov.core.models import in_scope, scope_prefix
from gridgov.households.models import Resident
from gridgov.keypersons.choices import (
    ACTIVE_STATUSES,
    AlertKind,
    FollowUpMode,
    KeyPersonAction,
    KeyPersonStatus,
    PersonState,
    RiskColor,
    Whereabouts,
)
from gridgov.keypersons.models import (
    FollowUp,
    KeyPerson,
    KeyPersonAlert,
    KeyPersonCategory,
    KeyPersonEvent,
    holds_grant,
)
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place
from gridgov.visits.actions import refresh_household_flags

MANAGING_ROLES = frozenset({Role.CENTER_STAFF, Role.VILLAGE_COMMITTEE})
FOLLOWING_ROLES = frozenset({Role.CENTER_STAFF, Role.VILLAGE_COMMITTEE, Role.GRID_LEADER, Role.GRID_WORKER})
CLOCK_SKEW = dt.timedelta(minutes=10)
MAX_BACKDATE = dt.timedelta(days=366)
SYSTEM = "系统"


# ---------------------------------------------------------------- guards


def audit_view(view: str, obj=None, **detail) -> None:
    """One audit row (action 查看) per page or API answer that shows key-population records."""
    from gridgov.audit.actions import record
    from gridgov.audit.choices import AuditAction

    record(AuditAction.VIEW, obj, detail={"view": view, **detail})


def _require_grant(user) -> None:
    if not holds_grant(user) or scope_prefix(user) is None:
        raise ActionRefused("您的账号没有重点人群权限")


def can_manage(user, path: str) -> None:
    """列管、迁出、解除、变更责任人: governance-center staff and village committees with the grant."""
    _require_grant(user)
    if user.role not in MANAGING_ROLES:
        raise ActionRefused("只有综治中心和村（居）委会可以列管或解除重点人员")
    if not in_scope(user, path):
        raise ActionRefused("该人员不在您的管辖范围内")


def can_follow_up(user, key_person: KeyPerson) -> None:
    _require_grant(user)
    if user.role not in FOLLOWING_ROLES:
        raise ActionRefused("您的账号不能登记稳控记录")
    if not in_scope(user, key_person.path):
        raise ActionRefused("该人员不在您的管辖范围内")
    if not key_person.is_active:
        raise ActionRefused("该人员已迁出或解除列管")


def can_acknowledge(user, alert: KeyPersonAlert) -> None:
    _require_grant(user)
    if not in_scope(user, alert.path):
        raise ActionRefused("该预警不在您的管辖范围内")


def _check_responsible(responsible, path: str) -> None:
    if responsible is None:
        return
    area = responsible.place.code if responsible.place_id else None
    if (
        not responsible.is_active
        or responsible.role not in BUSINESS_ROLES
        or responsible.role == Role.CLUSTER_LEADER
        or area is None
        or not path.startswith(area)
    ):
        raise ValidationError({"responsible": f"{responsible} 的工作范围不包括该人员"})
    if not holds_grant(responsible):
        raise ValidationError({"responsible": f"{responsible} 没有重点人群权限，不能担任包保责任人"})


# ---------------------------------------------------------------- helpers


def _actor_name(user) -> str:
    if user is None:
        return SYSTEM
    return (getattr(user, "display_name", "") or user.get_username())[:150]


def _event(user, person: KeyPerson, action: str, *, note: str = "", data: dict | None = None, at=None) -> None:
    KeyPersonEvent.objects.create(
        path=person.path,
        key_person=person,
        action=action,
        actor=user,
        actor_name=_actor_name(user),
        at=at or timezone.now(),
        note=note[:300],
        data=data or {},
    )


def _lock(person: KeyPerson) -> KeyPerson:
    return KeyPerson.objects.select_for_update().get(pk=person.pk)


def _text(value: str, name: str, label: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({name: f"请填写{label}"})
    if len(value) > limit:
        raise ValidationError({name: f"{label}不能超过{limit}字"})
    return value


def town_of(path: str) -> Place | None:
    length = CODE_LENGTH[PlaceKind.TOWN]
    if len(path) < length:
        return None
    return Place.objects.filter(code=path[:length]).first()


def _close_alerts(person: KeyPerson, kinds, reason: str, now: dt.datetime) -> None:
    KeyPersonAlert.objects.filter(key_person=person, kind__in=kinds, closed_at__isnull=True).update(
        closed_at=now, closed_reason=reason, updated_at=now
    )


def _raise_alert(person: KeyPerson, kind: str, reference_on: dt.date, now: dt.datetime, town=None) -> bool:
    """One alert row per (person, kind, reference date); False when it exists already."""
    if KeyPersonAlert.objects.filter(key_person=person, kind=kind, reference_on=reference_on).exists():
        return False
    try:
        with transaction.atomic():
            KeyPersonAlert.objects.create(
                path=person.path,
                key_person=person,
                kind=kind,
                reference_on=reference_on,
                color=person.color,
                responsible_id=person.responsible_id,
                town=town if town is not None else town_of(person.path),
                raised_at=now,
            )
    except IntegrityError:  # raised concurrently by another run
        return False
    return True


# ---------------------------------------------------------------- enlist


@dataclass
class EnlistInput:
    resident: Resident
    category: KeyPersonCategory
    color: str
    responsible: object | None = None  # an account holding the grant, whose area includes the person
    control_measures: str = ""
    enlisted_on: dt.date | None = None


def enlist(user, data: EnlistInput) -> KeyPerson:
    """列管: put a resident on the list; the first follow-up falls due after the color's interval."""
    can_manage(user, data.resident.path)
    errors: dict[str, str] = {}
    if data.color not in RiskColor.values:
        errors["color"] = "风险等级无效"
    if not data.category.active:
        errors["category"] = "该类别已停用"
    today = timezone.localdate()
    enlisted_on = data.enlisted_on or today
    if enlisted_on > today:
        errors["enlisted_on"] = "列管日期不能晚于今天"
    if errors:
        raise ValidationError(errors)
    measures = _text(data.control_measures, "control_measures", "稳控措施", 2000)
    _check_responsible(data.responsible, data.resident.path)
    person = KeyPerson(
        path=data.resident.path,
        resident=data.resident,
        category=data.category,
        color=data.color,
        responsible=data.responsible,
        control_measures=measures,
        enlisted_on=enlisted_on,
        next_follow_up_due=enlisted_on + dt.timedelta(days=data.category.days_for(data.color)),
    )
    with transaction.atomic():
        if KeyPerson.objects.filter(
            resident=data.resident, category=data.category, status__in=ACTIVE_STATUSES
        ).exists():
            raise ValidationError({"category": "该居民已在此类重点人员中列管"})
        person.save()
        _event(user, person, KeyPersonAction.ENLIST, data={"category": data.category.code, "color": data.color})
        if data.resident.household_id is not None:
            refresh_household_flags(data.resident.household_id)
    return person


# ---------------------------------------------------------------- follow-ups


@dataclass
class FollowUpInput:
    followed_up_at: dt.datetime
    whereabouts: str
    mode: str = FollowUpMode.DOOR
    whereabouts_detail: str = ""
    state: str = PersonState.STABLE
    notes: str = ""
    color: str = ""  # the color after this follow-up; empty keeps the current one
    color_reason: str = ""
    client_uuid: uuid.UUID | None = None


def _replay(user, client_uuid: uuid.UUID) -> FollowUp | None:
    existing = FollowUp.objects.select_related("key_person").filter(client_uuid=client_uuid).first()
    if existing is not None and not (holds_grant(user) and in_scope(user, existing.path)):
        raise ActionRefused("该记录ID已被其他记录使用")
    return existing


def _validate_follow_up(data: FollowUpInput, person: KeyPerson, now: dt.datetime) -> str:
    errors: dict[str, str] = {}
    if data.mode not in FollowUpMode.values:
        errors["mode"] = "稳控方式无效"
    if data.whereabouts not in Whereabouts.values:
        errors["whereabouts"] = "请选择去向"
    if data.state not in PersonState.values:
        errors["state"] = "现实表现无效"
    color = data.color or person.color
    if color not in RiskColor.values:
        errors["color"] = "风险等级无效"
    elif color != person.color and not data.color_reason.strip():
        errors["color_reason"] = "调整风险等级须填写理由"
    if timezone.is_naive(data.followed_up_at):
        errors["followed_up_at"] = "稳控时间缺少时区"
    elif data.followed_up_at > now + CLOCK_SKEW:
        errors["followed_up_at"] = "稳控时间不能晚于现在"
    elif data.followed_up_at < now - MAX_BACKDATE:
        errors["followed_up_at"] = "稳控时间不能早于一年前"
    elif timezone.localdate(data.followed_up_at) < person.enlisted_on:
        errors["followed_up_at"] = "稳控时间不能早于列管日期"
    if errors:
        raise ValidationError(errors)
    return color


def record_follow_up(user, person: KeyPerson, data: FollowUpInput) -> tuple[FollowUp, bool]:
    """稳控: log one follow-up; the latest one sets the color (a change needs a reason) and the next due date.

    Reaching the person ends an out-of-contact spell; "whereabouts unknown" starts one. Returns
    (follow_up, created): a ``client_uuid`` seen before returns the first record unchanged.
    """
    if data.client_uuid is not None:
        existing = _replay(user, data.client_uuid)
        if existing is not None:
            return existing, False
    can_follow_up(user, person)
    now = timezone.now()
    try:
        with transaction.atomic():
            person = _lock(person)
            can_follow_up(user, person)
            color = _validate_follow_up(data, person, now)
            follow_up = _apply_follow_up(user, person, data, color, now)
    except IntegrityError:
        if data.client_uuid is None:
            raise
        existing = _replay(user, data.client_uuid)
        if existing is None:
            raise
        return existing, False
    return follow_up, True


def _apply_follow_up(user, person: KeyPerson, data: FollowUpInput, color: str, now: dt.datetime) -> FollowUp:
    day = timezone.localdate(data.followed_up_at)
    latest = person.last_follow_up_on is None or day >= person.last_follow_up_on
    if not latest:
        color = person.color  # a late upload of an older follow-up is logged; the newer one keeps its effect
    follow_up = FollowUp.objects.create(
        path=person.path,
        key_person=person,
        followed_up_at=data.followed_up_at,
        mode=data.mode,
        whereabouts=data.whereabouts,
        whereabouts_detail=_text(data.whereabouts_detail, "whereabouts_detail", "去向说明", 200),
        state=data.state,
        notes=_text(data.notes, "notes", "稳控情况", 5000),
        color_before=person.color,
        color_after=color,
        color_reason=_text(data.color_reason, "color_reason", "调整理由", 300) if color != person.color else "",
        by=user,
        client_uuid=data.client_uuid,
    )
    _event(user, person, KeyPersonAction.FOLLOW_UP, data={"follow_up": follow_up.pk})
    if not latest:
        return follow_up
    fields = ["updated_at"]
    if color != person.color:
        _event(
            user,
            person,
            KeyPersonAction.COLOR_CHANGE,
            note=follow_up.color_reason,
            data={"from": person.color, "to": color, "follow_up": follow_up.pk},
        )
        person.color = color
        fields.append("color")
    if data.whereabouts == Whereabouts.UNKNOWN:
        if person.status != KeyPersonStatus.OUT_OF_CONTACT:
            _lose_contact(user, person, day, now, note="稳控时下落不明")
            fields += ["status", "out_of_contact_since"]
        person.save(update_fields=fields)
        return follow_up
    person.last_follow_up_on = day
    person.next_follow_up_due = day + dt.timedelta(days=person.category.days_for(person.color))
    fields += ["last_follow_up_on", "next_follow_up_due"]
    if person.status == KeyPersonStatus.OUT_OF_CONTACT:
        person.status, person.out_of_contact_since = KeyPersonStatus.UNDER_FOLLOW_UP, None
        fields += ["status", "out_of_contact_since"]
        _event(user, person, KeyPersonAction.CONTACT_RESTORED)
        _close_alerts(person, [AlertKind.OUT_OF_CONTACT], "已恢复联系", now)
    person.save(update_fields=fields)
    _close_alerts(person, [AlertKind.OVERDUE], "已稳控", now)
    return follow_up


# ---------------------------------------------------------------- status changes


def _lose_contact(user, person: KeyPerson, since: dt.date, now: dt.datetime, *, note: str) -> None:
    person.status, person.out_of_contact_since = KeyPersonStatus.OUT_OF_CONTACT, since
    _event(user, person, KeyPersonAction.OUT_OF_CONTACT, note=note, data={"since": since.isoformat()})
    _raise_alert(person, AlertKind.OUT_OF_CONTACT, since, now)


def mark_out_of_contact(user, person: KeyPerson, *, since: dt.date | None = None, note: str = "") -> KeyPerson:
    """失联: the person cannot be reached; an alert goes to the responsible person and the town at once."""
    note = _text(note, "note", "情况说明", 300, required=True)
    now = timezone.now()
    since = since or timezone.localdate(now)
    if since > timezone.localdate(now):
        raise ValidationError({"since": "失联日期不能晚于今天"})
    with transaction.atomic():
        person = _lock(person)
        can_follow_up(user, person)
        if person.status == KeyPersonStatus.OUT_OF_CONTACT:
            raise ActionRefused("该人员已标记为失联")
        _lose_contact(user, person, since, now, note=note)
        person.save(update_fields=["status", "out_of_contact_since", "updated_at"])
    return person


def _end(user, person: KeyPerson, status: str, action: str, reason: str) -> KeyPerson:
    reason = _text(reason, "reason", "说明", 300, required=True)
    now = timezone.now()
    with transaction.atomic():
        person = _lock(person)
        can_manage(user, person.path)
        if not person.is_active:
            raise ActionRefused("该人员已迁出或解除列管")
        person.status, person.ended_on, person.end_reason = status, timezone.localdate(now), reason
        person.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
        _event(user, person, action, note=reason)
        _close_alerts(person, AlertKind.values, KeyPersonStatus(status).label, now)
        household_id = Resident.objects.filter(pk=person.resident_id).values_list("household_id", flat=True).get()
        if household_id is not None:
            refresh_household_flags(household_id)
    return person


def mark_moved_away(user, person: KeyPerson, *, reason: str) -> KeyPerson:
    """迁出: the person moved out of the area (the receiving place enlists them there)."""
    return _end(user, person, KeyPersonStatus.MOVED_AWAY, KeyPersonAction.MOVED_AWAY, reason)


def release(user, person: KeyPerson, *, reason: str) -> KeyPerson:
    """解除列管: the person no longer needs follow-up (e.g. correction ended, risk assessed gone)."""
    return _end(user, person, KeyPersonStatus.RELEASED, KeyPersonAction.RELEASE, reason)


def change_responsible(user, person: KeyPerson, responsible) -> KeyPerson:
    """变更包保责任人; open alerts follow the person to the new responsible person."""
    with transaction.atomic():
        person = _lock(person)
        can_manage(user, person.path)
        if not person.is_active:
            raise ActionRefused("该人员已迁出或解除列管")
        _check_responsible(responsible, person.path)
        before = person.responsible_id
        person.responsible = responsible
        person.save(update_fields=["responsible", "updated_at"])
        KeyPersonAlert.objects.filter(key_person=person, closed_at__isnull=True).update(
            responsible=responsible, updated_at=timezone.now()
        )
        _event(
            user,
            person,
            KeyPersonAction.RESPONSIBLE_CHANGE,
            data={"from": before, "to": responsible.pk if responsible else None},
        )
    return person


def change_measures(user, person: KeyPerson, *, control_measures: str) -> KeyPerson:
    measures = _text(control_measures, "control_measures", "稳控措施", 2000)
    with transaction.atomic():
        person = _lock(person)
        can_manage(user, person.path)
        person.control_measures = measures
        person.save(update_fields=["control_measures", "updated_at"])
    return person


def follow_resident_move(resident: Resident) -> None:
    """Keep a resident's active key-person records where the resident now lives (Resident post_save)."""
    moving = KeyPerson.objects.filter(resident=resident, status__in=ACTIVE_STATUSES).exclude(path=resident.path)
    rows = list(moving.values_list("path", "enlisted_on"))
    if rows:  # a queryset update sends no signal: the statistics are told of both places here
        counting.buckets_changed.send(
            KeyPerson, family="key_persons", items=[*rows, *((resident.path, day) for _, day in rows)]
        )
        moving.update(path=resident.path)


# ---------------------------------------------------------------- alerts


def raise_alerts(now: dt.datetime | None = None) -> int:
    """Raise the alerts of every overdue follow-up and every out-of-contact person; returns how many are new.

    Idempotent: an alert exists once per (person, kind, date), so a second run the same day (or a
    rerun after a crash) adds nothing. Run daily (``manage.py keyperson_alerts``).
    """
    from gridgov.keypersons.queries import out_of_contact, overdue_follow_ups

    now = now or timezone.now()
    candidates = [(p, AlertKind.OVERDUE, p.next_follow_up_due) for p in overdue_follow_ups(now)]
    candidates += [(p, AlertKind.OUT_OF_CONTACT, p.out_of_contact_since) for p in out_of_contact()]
    if not candidates:
        return 0
    existing = set(
        KeyPersonAlert.objects.filter(key_person__in=[p.pk for p, _, _ in candidates]).values_list(
            "key_person_id", "kind", "reference_on"
        )
    )
    towns = {
        p.code: p
        for p in Place.objects.filter(code__in={p.path[: CODE_LENGTH[PlaceKind.TOWN]] for p, _, _ in candidates})
    }
    rows = [
        KeyPersonAlert(
            path=person.path,
            key_person=person,
            kind=kind,
            reference_on=reference,
            color=person.color,
            responsible_id=person.responsible_id,
            town=towns.get(person.path[: CODE_LENGTH[PlaceKind.TOWN]]),
            raised_at=now,
        )
        for person, kind, reference in candidates
        if (person.pk, kind, reference) not in existing
    ]
    with transaction.atomic():
        KeyPersonAlert.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def acknowledge_alert(user, alert: KeyPersonAlert) -> KeyPersonAlert:
    """签收: the responsible person or the town has seen the alert (it stays open until the cause is gone)."""
    with transaction.atomic():
        alert = KeyPersonAlert.objects.select_for_update().get(pk=alert.pk)
        can_acknowledge(user, alert)
        if alert.acknowledged_at is not None:
            return alert
        alert.acknowledged_at, alert.acknowledged_by = timezone.now(), user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
    return alert


# ---------------------------------------------------------------- categories


def update_category(
    user,
    category: KeyPersonCategory,
    *,
    name: str,
    red_days: int,
    yellow_days: int,
    blue_days: int,
    active: bool,
    description: str = "",
) -> KeyPersonCategory:
    """Administrators set a category's name and its follow-up interval per color (due dates already set stay)."""
    if user is None or user.role != Role.SYSTEM_ADMIN:
        raise ActionRefused("只有系统管理员可以修改重点人员类别")
    errors = {}
    for key, value in (("red_days", red_days), ("yellow_days", yellow_days), ("blue_days", blue_days)):
        if not 1 <= value <= 365:
            errors[key] = "稳控周期应在 1 至 365 天之间"
    if not red_days <= yellow_days <= blue_days and not errors:
        errors["red_days"] = "风险越高稳控应越频繁：红色周期 ≤ 黄色 ≤ 蓝色"
    name = name.strip()
    if not name:
        errors["name"] = "请填写名称"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        category = KeyPersonCategory.objects.select_for_update().get(pk=category.pk)
        category.name, category.description, category.active = name, description.strip()[:300], active
        category.red_days, category.yellow_days, category.blue_days = red_days, yellow_days, blue_days
        category.full_clean()
        category.save()
        from gridgov.audit.actions import record
        from gridgov.audit.choices import AuditAction

        record(AuditAction.UPDATE, category, after={"red": red_days, "yellow": yellow_days, "blue": blue_days})
    return category
