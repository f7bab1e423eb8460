"""State changes of the visits ledger: record a visit, set a visit rule, register and end vulnerable members.

Each function checks its guard (raising `ActionRefused` with a message for the user), validates
its input (`ValidationError`), and makes the change inside ``transaction.atomic()``. A visit also
moves its household's `HouseholdVisitState` (and a checked vulnerable member's next check) in the
same transaction, under a row lock, so the "today" list never disagrees with the ledger.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from gridgov.accounts.choices import BUSINESS_ROLES, Role
from gridgov.core.actions import ActionRefused
from gridgov.core.models import in_scope, scope_prefix
from gridgov.households.models import Household, Resident
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place, validate_geojson
from gridgov.visits.choices import DEFAULT_CHECK_DAYS, VisitMode, VulnerableCategory
from gridgov.visits.models import HouseholdVisitState, Visit, VisitMatter, VisitRule, VulnerableMember

# How far in the future a visit time may lie (a phone's clock runs a little fast), and how far back
# a visit may be entered (paper books are typed in late, offline phones sync late).
CLOCK_SKEW = dt.timedelta(minutes=10)
MAX_BACKDATE = dt.timedelta(days=366)
RULE_PLACE_KINDS = (PlaceKind.COUNTY, PlaceKind.TOWN, PlaceKind.VILLAGE, PlaceKind.GRID)
RULE_ROLES = frozenset({Role.CENTER_STAFF, Role.VILLAGE_COMMITTEE})
UPDATE_BATCH = 2000


# ---------------------------------------------------------------- guards


def can_record_visit(user, household: Household) -> None:
    if scope_prefix(user) is None or user.role not in BUSINESS_ROLES:
        raise ActionRefused("您的账号不能登记走访")
    if not in_scope(user, household.path):
        raise ActionRefused("该户不在您的管辖范围内")


def can_manage_vulnerable(user, path: str) -> None:
    if scope_prefix(user) is None or user.role not in BUSINESS_ROLES or user.role == Role.CLUSTER_LEADER:
        raise ActionRefused("您的账号不能登记关爱对象")
    if not in_scope(user, path):
        raise ActionRefused("该居民不在您的管辖范围内")


def can_set_rule(user, place: Place) -> None:
    if scope_prefix(user) is None or user.role not in RULE_ROLES:
        raise ActionRefused("只有综治中心和村（居）委会可以设置走访频次")
    if not in_scope(user, place.code):
        raise ActionRefused(f"{place.name} 不在您的管辖范围内")
    if place.kind not in RULE_PLACE_KINDS:
        raise ActionRefused("走访频次只能按县、乡镇、村（社区）或网格设置")


# ---------------------------------------------------------------- rules and due dates


def ancestor_paths(path: str) -> list[str]:
    """The codes of every place level on ``path`` (the path itself included), top first."""
    return [path[:n] for n in sorted(set(CODE_LENGTH.values())) if n <= len(path)]


def rules_covering(code: str) -> list[VisitRule]:
    """Every rule that applies somewhere under ``code``: its ancestors' rules, the default and the rules below."""
    return list(
        VisitRule.objects.filter(
            Q(path__in=ancestor_paths(code)) | Q(path__within=code) | Q(place__isnull=True)
        ).order_by("-path")
    )


def pick_rule(rules: Iterable[VisitRule], path: str) -> VisitRule:
    """The rule of the deepest place above ``path`` (``rules`` deepest first), else the default row."""
    for rule in rules:
        if rule.place_id is None or path.startswith(rule.path):
            return rule
    return VisitRule()  # the seeded default row was deleted: fall back to the built-in defaults


def rule_for(path: str) -> VisitRule:
    return pick_rule(rules_covering(path), path)


def _due(last_visited_at: dt.datetime | None, days: int) -> dt.date | None:
    if last_visited_at is None:
        return None
    return timezone.localdate(last_visited_at) + dt.timedelta(days=days)


def _set_dues(state: HouseholdVisitState, rule: VisitRule) -> None:
    state.due_on = _due(state.last_visited_at, rule.interval(state.has_vulnerable))
    state.key_due_on = _due(state.last_visited_at, rule.interval(state.has_vulnerable or state.has_key_person))


def _locked_state(household_id: int) -> HouseholdVisitState:
    """The household's state row, locked; created on the first visit (one query when it exists)."""
    state = HouseholdVisitState.objects.select_for_update().filter(pk=household_id).first()
    if state is not None:
        return state
    try:
        with transaction.atomic():
            return HouseholdVisitState.objects.create(household_id=household_id)
    except IntegrityError:  # created concurrently by another visit to the same household
        return HouseholdVisitState.objects.select_for_update().get(pk=household_id)


def _has_key_person(household_id: int) -> bool:
    try:
        key_person = apps.get_model("keypersons", "KeyPerson")
    except LookupError:
        return False
    return key_person.objects.filter(
        resident__household_id=household_id, status__in=key_person.ACTIVE_STATUSES
    ).exists()


def refresh_household_flags(household_id: int) -> None:
    """Re-read whether a household has vulnerable members or key persons, and re-date its next visit.

    Called by the vulnerable-member and key-person actions inside their transactions.
    """
    state = _locked_state(household_id)
    state.has_vulnerable = VulnerableMember.objects.filter(household_id=household_id, active=True).exists()
    state.has_key_person = _has_key_person(household_id)
    path = Household.objects.filter(pk=household_id).values_list("path", flat=True).get()
    _set_dues(state, rule_for(path))
    state.save(update_fields=["has_vulnerable", "has_key_person", "due_on", "key_due_on"])


def redate_under(code: str) -> int:
    """Recompute the due dates of every visited household under ``code`` after a rule changed."""
    rules = rules_covering(code)
    states = (
        HouseholdVisitState.objects.filter(household__path__within=code, last_visited_at__isnull=False)
        .only("household_id", "last_visited_at", "has_vulnerable", "has_key_person", "due_on", "key_due_on")
        .annotate(path=F("household__path"))
        .order_by("pk")
    )
    changed: list[HouseholdVisitState] = []
    count = 0
    for state in states.iterator(chunk_size=UPDATE_BATCH):
        before = (state.due_on, state.key_due_on)
        _set_dues(state, pick_rule(rules, state.path))
        if (state.due_on, state.key_due_on) != before:
            changed.append(state)
        if len(changed) >= UPDATE_BATCH:
            count += HouseholdVisitState.objects.bulk_update(changed, ["due_on", "key_due_on"])
            changed = []
    if changed:
        count += HouseholdVisitState.objects.bulk_update(changed, ["due_on", "key_due_on"])
    return count


def set_visit_rule(user, place: Place, *, every_days: int, priority_every_days: int, remind_days: int) -> VisitRule:
    """设置走访频次: the rule of ``place`` and everything under it without a rule of its own."""
    can_set_rule(user, place)
    rule = VisitRule.objects.filter(place=place).first() or VisitRule(place=place, path=place.code)
    rule.every_days, rule.priority_every_days, rule.remind_days = every_days, priority_every_days, remind_days
    errors = {}
    if not 1 <= every_days <= 3650:
        errors["every_days"] = "走访周期应在 1 至 3650 天之间"
    if not 1 <= priority_every_days <= every_days:
        errors["priority_every_days"] = "重点关注户的周期应在 1 天与每户周期之间"
    if not 0 <= remind_days <= 60:
        errors["remind_days"] = "提前提醒应在 0 至 60 天之间"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rule.save()
        redate_under(place.code)
    return rule


def remove_visit_rule(user, place: Place) -> None:
    """取消本级规则: the place falls back to the rule above it."""
    can_set_rule(user, place)
    with transaction.atomic():
        rule = VisitRule.objects.select_for_update().filter(place=place).first()
        if rule is None:
            return
        rule.delete()
        redate_under(place.code)


# ---------------------------------------------------------------- visits


@dataclass
class VisitInput:
    household: Household
    visited_at: dt.datetime
    mode: str = VisitMode.DOOR
    people_met: str = ""
    findings: str = ""
    companions: str = ""
    visitors: list = field(default_factory=list)  # accounts; empty means the recorder alone
    point: dict | None = None
    vulnerable_member: VulnerableMember | None = None
    client_uuid: uuid.UUID | None = None


def _validate_visit(user, data: VisitInput, now: dt.datetime) -> list:
    errors: dict[str, str] = {}
    if data.mode not in VisitMode.values:
        errors["mode"] = "走访方式无效"
    if timezone.is_naive(data.visited_at):
        errors["visited_at"] = "走访时间缺少时区"
    elif data.visited_at > now + CLOCK_SKEW:
        errors["visited_at"] = "走访时间不能晚于现在"
    elif data.visited_at < now - MAX_BACKDATE:
        errors["visited_at"] = "走访时间不能早于一年前"
    for name, label, limit in (("people_met", "见到的人", 200), ("companions", "其他同行人员", 200)):
        if len(getattr(data, name)) > limit:
            errors[name] = f"“{label}”不能超过{limit}字"
    if len(data.findings) > 5000:
        errors["findings"] = "走访情况不能超过5000字"
    member = data.vulnerable_member
    if member is not None and (member.household_id != data.household.pk or not member.active):
        errors["vulnerable_member"] = "所选关爱对象不在该户或已移出"
    visitors = list(dict.fromkeys(data.visitors or [user]))
    for visitor in visitors:
        area = visitor.place.code if visitor.place_id else None
        if not visitor.is_active or visitor.role not in BUSINESS_ROLES or area is None:
            errors["visitors"] = f"{visitor} 不能作为走访人"
        elif not data.household.path.startswith(area):
            errors["visitors"] = f"{visitor} 的工作范围不包括该户"
    if errors:
        raise ValidationError(errors)
    if data.point is not None:
        validate_geojson(data.point, {"Point"}, "point")
    return visitors


def _replay(user, client_uuid: uuid.UUID) -> Visit | None:
    """The visit an earlier upload of the same record created, if any (refused outside the user's scope)."""
    existing = Visit.objects.filter(client_uuid=client_uuid).first()
    if existing is not None and not in_scope(user, existing.path):
        raise ActionRefused("该记录ID已被其他记录使用")
    return existing


def _new_visit(user, data: VisitInput) -> Visit:
    return Visit(
        path=data.household.path,
        household=data.household,
        visited_at=data.visited_at,
        mode=data.mode,
        companions=data.companions.strip(),
        people_met=data.people_met.strip(),
        findings=data.findings.strip(),
        point=data.point,
        vulnerable_member=data.vulnerable_member,
        client_uuid=data.client_uuid,
        recorded_by=user,
    )


def record_visit(user, data: VisitInput, *, rules: list[VisitRule] | None = None) -> tuple[Visit, bool]:
    """登记走访. Returns (visit, created): a ``client_uuid`` seen before returns the first visit unchanged.

    ``rules`` (from `rules_covering` of the user's place) saves a query per visit when syncing many.
    """
    if data.client_uuid is not None:
        existing = _replay(user, data.client_uuid)
        if existing is not None:
            return existing, False
    can_record_visit(user, data.household)
    now = timezone.now()
    visitors = _validate_visit(user, data, now)
    visit = _new_visit(user, data)
    try:
        with transaction.atomic():
            visit.save()
            through = Visit.visitors.through
            through.objects.bulk_create([through(visit_id=visit.pk, user_id=v.pk) for v in visitors])
            _after_visit(visit, rules)
    except IntegrityError:
        # Two uploads of the same offline record raced: the other one won; return it.
        if data.client_uuid is None:
            raise
        existing = _replay(user, data.client_uuid)
        if existing is None:
            raise
        return existing, False
    visit.visitor_list = visitors
    return visit, True


STATE_FIELDS = ["last_visited_at", "last_visit", "visit_count", "due_on", "key_due_on"]


def _advance(state: HouseholdVisitState, visits: list[Visit], rules: list[VisitRule] | None) -> None:
    """Move a (locked) state past ``visits`` of its household: latest visit, count, due dates."""
    for visit in visits:
        if state.last_visited_at is None or visit.visited_at >= state.last_visited_at:
            state.last_visited_at, state.last_visit = visit.visited_at, visit
    path = visits[0].path
    _set_dues(state, pick_rule(rules, path) if rules is not None else rule_for(path))
    state.visit_count = F("visit_count") + len(visits)


def _check_members(visits: list[Visit]) -> None:
    for visit in visits:
        if visit.vulnerable_member_id is None:
            continue
        member = VulnerableMember.objects.select_for_update().get(pk=visit.vulnerable_member_id)
        if member.last_checked_at is None or visit.visited_at >= member.last_checked_at:
            member.last_checked_at = visit.visited_at
            member.next_check_on = timezone.localdate(visit.visited_at) + dt.timedelta(days=member.check_every_days)
            member.save(update_fields=["last_checked_at", "next_check_on", "updated_at"])


def _after_visit(visit: Visit, rules: list[VisitRule] | None = None) -> None:
    state = _locked_state(visit.household_id)
    _advance(state, [visit], rules)
    state.save(update_fields=STATE_FIELDS)
    _check_members([visit])


def _after_visits(visits: list[Visit], rules: list[VisitRule]) -> None:
    """The states of every household in a synced queue: locked, moved and saved with one query each way."""
    by_household: dict[int, list[Visit]] = {}
    for visit in visits:
        by_household.setdefault(visit.household_id, []).append(visit)
    ids = sorted(by_household)
    HouseholdVisitState.objects.bulk_create([HouseholdVisitState(household_id=pk) for pk in ids], ignore_conflicts=True)
    states = list(HouseholdVisitState.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for state in states:
        _advance(state, by_household[state.pk], rules)
    HouseholdVisitState.objects.bulk_update(states, STATE_FIELDS)
    _check_members(visits)


@dataclass
class Outcome:
    """What became of one record of an uploaded queue."""

    visit: Visit | None
    created: bool = False
    error: Exception | None = None


def record_visits(user, items: list[VisitInput]) -> list[Outcome]:
    """登记一批离线走访: the same checks as `record_visit`, idempotent per ``client_uuid``, in one transaction.

    A refused or invalid record is reported in its `Outcome` and does not stop the others. The
    queue costs about two queries per new visit (the visit and its audit row) plus a fixed few.
    """
    outcomes: list[Outcome | None] = [None] * len(items)
    keys = [data.client_uuid for data in items if data.client_uuid is not None]
    existing = {v.client_uuid: v for v in Visit.objects.filter(client_uuid__in=keys)} if keys else {}
    first_of: dict[uuid.UUID, int] = {}
    fresh: list[tuple[int, VisitInput, Visit, list]] = []
    now = timezone.now()
    for n, data in enumerate(items):
        key = data.client_uuid
        if key is not None and key in existing:
            found = existing[key]
            refused = None if in_scope(user, found.path) else ActionRefused("该记录ID已被其他记录使用")
            outcomes[n] = Outcome(None if refused else found, False, refused)
            continue
        if key is not None and key in first_of:
            continue  # the same record twice in one queue: answered below from its first copy
        try:
            can_record_visit(user, data.household)
            visitors = _validate_visit(user, data, now)
        except (ActionRefused, ValidationError) as exc:
            outcomes[n] = Outcome(None, False, exc)
            continue
        if key is not None:
            first_of[key] = n
        fresh.append((n, data, _new_visit(user, data), visitors))
    if fresh:
        rules = rules_covering(scope_prefix(user) or "")
        try:
            with transaction.atomic():
                through = Visit.visitors.through
                links = []
                for n, _data, visit, visitors in fresh:
                    visit.save()
                    links += [through(visit_id=visit.pk, user_id=v.pk) for v in visitors]
                    visit.visitor_list = visitors
                    outcomes[n] = Outcome(visit, True)
                through.objects.bulk_create(links)
                _after_visits([visit for _, _, visit, _ in fresh], rules)
        except IntegrityError:
            # Some of these records were uploaded concurrently: take them one by one (each is idempotent).
            for n, data, _visit, _visitors in fresh:
                try:
                    outcomes[n] = Outcome(*record_visit(user, data, rules=rules))
                except (ActionRefused, ValidationError) as exc:
                    outcomes[n] = Outcome(None, False, exc)
    for n, data in enumerate(items):
        if outcomes[n] is None:  # a repeat within the queue
            first = outcomes[first_of[data.client_uuid]]
            outcomes[n] = Outcome(first.visit, False, first.error)
    return outcomes


EDITABLE_FIELDS = ("mode", "people_met", "findings", "companions")


def update_visit(
    user, visit: Visit, changes: dict, *, base_updated_at: dt.datetime | None = None
) -> tuple[Visit, bool]:
    """修改走访记录 (mode, people met, findings, companions). Returns (visit, applied).

    ``base_updated_at`` is the ``updated_at`` of the copy the edit was made on (an offline phone's
    copy): when the record changed on the server since, nothing is written and the current server
    copy comes back with ``applied=False``, so the caller can show both and let the user choose.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "该项不能修改" for name in sorted(unknown)})
    with transaction.atomic():
        visit = Visit.objects.select_for_update().select_related("household").get(pk=visit.pk)
        if not in_scope(user, visit.path):
            raise ActionRefused("该走访记录不在您的管辖范围内")
        can_record_visit(user, visit.household)
        if base_updated_at is not None and visit.updated_at != base_updated_at:
            return visit, False
        errors: dict[str, str] = {}
        if "mode" in changes and changes["mode"] not in VisitMode.values:
            errors["mode"] = "走访方式无效"
        limits = {"people_met": ("见到的人", 200), "companions": ("其他同行人员", 200), "findings": ("走访情况", 5000)}
        for name, (label, limit) in limits.items():
            if name in changes and len(str(changes[name] or "")) > limit:
                errors[name] = f"“{label}”不能超过{limit}字"
        if errors:
            raise ValidationError(errors)
        fields = []
        for name in EDITABLE_FIELDS:
            if name in changes:
                value = changes[name] if name == "mode" else str(changes[name] or "").strip()
                if getattr(visit, name) != value:
                    setattr(visit, name, value)
                    fields.append(name)
        if fields:
            visit.save(update_fields=[*fields, "updated_at"])
    return visit, True


# ---------------------------------------------------------------- vulnerable members


def register_vulnerable(
    user,
    resident: Resident,
    *,
    category: str,
    check_every_days: int | None = None,
    notes: str = "",
    since: dt.date | None = None,
) -> VulnerableMember:
    """纳入关爱对象: the first check is due on the day of registration."""
    can_manage_vulnerable(user, resident.path)
    errors = {}
    if category not in VulnerableCategory.values:
        errors["category"] = "类别无效"
    if resident.household_id is None:
        errors["resident"] = "该居民未落户，请先落户再登记"
    days = check_every_days or DEFAULT_CHECK_DAYS.get(category, 30)
    if not 1 <= days <= 365:
        errors["check_every_days"] = "探访周期应在 1 至 365 天之间"
    if len(notes) > 500:
        errors["notes"] = "情况说明不能超过500字"
    today = timezone.localdate()
    since = since or today
    if since > today:
        errors["since"] = "纳入日期不能晚于今天"
    if errors:
        raise ValidationError(errors)
    member = VulnerableMember(
        path=resident.path,
        resident=resident,
        household_id=resident.household_id,
        category=category,
        check_every_days=days,
        notes=notes.strip(),
        since=since,
        next_check_on=today,
        registered_by=user,
    )
    with transaction.atomic():
        if VulnerableMember.objects.filter(resident=resident, category=category, active=True).exists():
            raise ValidationError({"category": "该居民已在此类关爱对象中"})
        member.save()
        refresh_household_flags(resident.household_id)
    return member


def change_check_cadence(user, member: VulnerableMember, *, check_every_days: int) -> VulnerableMember:
    can_manage_vulnerable(user, member.path)
    if not 1 <= check_every_days <= 365:
        raise ValidationError({"check_every_days": "探访周期应在 1 至 365 天之间"})
    with transaction.atomic():
        member = VulnerableMember.objects.select_for_update().get(pk=member.pk)
        member.check_every_days = check_every_days
        if member.last_checked_at is not None:
            member.next_check_on = timezone.localdate(member.last_checked_at) + dt.timedelta(days=check_every_days)
        member.save(update_fields=["check_every_days", "next_check_on", "updated_at"])
    return member


def end_vulnerable(user, member: VulnerableMember, *, reason: str) -> VulnerableMember:
    """移出关爱对象 (e.g. moved in with children, no longer in difficulty, deceased)."""
    can_manage_vulnerable(user, member.path)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请填写移出原因"})
    if len(reason) > 200:
        raise ValidationError({"reason": "移出原因不能超过200字"})
    with transaction.atomic():
        member = VulnerableMember.objects.select_for_update().get(pk=member.pk)
        if not member.active:
            raise ActionRefused("该关爱对象已移出")
        member.active, member.ended_on, member.end_reason = False, timezone.localdate(), reason
        member.save(update_fields=["active", "ended_on", "end_reason", "updated_at"])
        refresh_household_flags(member.household_id)
    return member


def follow_resident_move(resident: Resident) -> None:
    """Keep a resident's active vulnerable records where the resident now lives (Resident post_save).

    A resident who leaves every household keeps the record at the last household until it is ended.
    """
    members = VulnerableMember.objects.filter(resident=resident, active=True)
    moved = list(members.exclude(path=resident.path).values_list("household_id", flat=True))
    if resident.household_id is not None:
        moved += members.exclude(household_id=resident.household_id).values_list("household_id", flat=True)
        members.update(path=resident.path, household_id=resident.household_id)
    else:
        members.update(path=resident.path)
    if moved:
        for household_id in sorted({*moved, resident.household_id} - {None}):
            refresh_household_flags(household_id)


# ---------------------------------------------------------------- findings to matters


def record_matter_from_visit(user, visit: Visit, data):
    """转为事项: record a matter (``data``: a `gridgov.matters.actions.MatterInput`) and link it to the visit.

    The matter engine's own action records it (its guards, its timeline); the link is written in
    the same transaction, so a matter from a visit never lacks its visit.
    """
    from gridgov.matters.actions import record_matter

    if not in_scope(user, visit.path):
        raise ActionRefused("该走访记录不在您的管辖范围内")
    with transaction.atomic():
        matter = record_matter(user, data)
        VisitMatter.objects.create(visit=visit, matter=matter)
    return matter
