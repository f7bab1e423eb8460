"""State changes of personnel and organisation. Views, forms and the API call these; nothing else.

群众提、两委评: a nomination (by residents, a grid leader, the village committee or center staff) is
reviewed by the village committee of its village or by center staff above it, then appointed for a
term or rejected with a reason; an appointed person's term ends with a date and a reason.
Each function checks a predicate (``can_…``), runs in one transaction, re-reads the row under lock
to check its state, and saves with ``update_fields``; the audit log records every change itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.accounts.choices import BUSINESS_ROLES, Role
from gridgov.core.actions import ActionRefused
from gridgov.core.models import in_scope
from gridgov.households.models import Resident
from gridgov.personnel.choices import ROLE_PLACE_KINDS, AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment, ChatGroup, PartyGroup, PatrolTeam
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place

# Who may put a name forward, and who evaluates (两委评) and appoints.
NOMINATING_ROLES = frozenset({Role.VILLAGE_COMMITTEE, Role.GRID_LEADER, Role.CENTER_STAFF})
REVIEWING_ROLES = frozenset({Role.VILLAGE_COMMITTEE, Role.CENTER_STAFF})
ORGANISING_ROLES = REVIEWING_ROLES  # register party groups and patrol teams
CHAT_GROUP_ROLES = frozenset({Role.VILLAGE_COMMITTEE, Role.CENTER_STAFF, Role.GRID_LEADER, Role.GRID_WORKER})

OPEN_STATUSES = (AppointmentStatus.NOMINATED, AppointmentStatus.REVIEWED, AppointmentStatus.APPOINTED)


# ---------------------------------------------------------------- predicates


def _has_role(user, roles: Iterable[str]) -> bool:
    return bool(user is not None and user.is_authenticated and user.role in roles and user.role in BUSINESS_ROLES)


def can_nominate(user, place: Place) -> bool:
    return _has_role(user, NOMINATING_ROLES) and in_scope(user, place.code)


def can_review(user, appointment: Appointment) -> bool:
    """The village committee of the appointment's village, or center staff whose area contains it."""
    return _has_role(user, REVIEWING_ROLES) and in_scope(user, appointment.path)


can_appoint = can_review
can_end_term = can_review


def can_organise(user, place: Place) -> bool:
    return _has_role(user, ORGANISING_ROLES) and in_scope(user, place.code)


def can_register_chat_group(user, grid: Place) -> bool:
    return _has_role(user, CHAT_GROUP_ROLES) and in_scope(user, grid.code)


def allowed_transitions(user, appointment: Appointment) -> set[str]:
    """The actions this user may take on this appointment now (for showing forms)."""
    if not can_review(user, appointment):
        return set()
    return {
        AppointmentStatus.NOMINATED: {"review", "reject"},
        AppointmentStatus.REVIEWED: {"appoint", "reject"},
        AppointmentStatus.APPOINTED: {"end"},
    }.get(appointment.status, set())


# ---------------------------------------------------------------- helpers


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise ActionRefused(message)


def _role_label(role: str) -> str:
    return str(AppointmentRole(role).label)


def _check_scope(user, place: Place) -> None:
    _refuse_unless(in_scope(user, place.code), gettext("%(place)s 不在您的管辖范围内") % {"place": place.name})


def _locked(appointment: Appointment, states: Iterable[str], doing: str) -> Appointment:
    """The appointment re-read under a row lock, refusing if it is not in one of ``states``."""
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if current.status not in set(states):
        message = gettext("该任职当前状态为“%(status)s”，不能%(doing)s")
        raise ActionRefused(message % {"status": current.get_status_display(), "doing": doing})
    return current


def _today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------- appointments


def nominate(
    user,
    *,
    place: Place,
    role: str,
    nominated_by: str,
    person_name: str = "",
    resident: Resident | None = None,
    nominated_on: dt.date | None = None,
    patrol_team: PatrolTeam | None = None,
) -> Appointment:
    """提名: put a resident or a named person forward for a role at a place."""
    _refuse_unless(_has_role(user, NOMINATING_ROLES), gettext("只有村（居）委会、网格长或综治中心工作人员可以提名"))
    _check_scope(user, place)
    errors: dict[str, str] = {}
    if role not in AppointmentRole.values:
        raise ValidationError({"role": gettext("职务无效")})
    kinds = ROLE_PLACE_KINDS[AppointmentRole(role)]
    if place.kind not in kinds:
        allowed = "、".join(str(PlaceKind(k).label) for k in sorted(kinds))
        errors["place"] = gettext("%(role)s只能任职于：%(allowed)s（%(place)s是%(kind)s）") % {
            "role": _role_label(role),
            "allowed": allowed,
            "place": place.name,
            "kind": place.get_kind_display(),
        }
    if resident is not None:
        _refuse_unless(in_scope(user, resident.path), gettext("该居民不在您的管辖范围内"))
        person_name = resident.name
    person_name = person_name.strip()
    if not person_name:
        errors["person_name"] = gettext("请填写被提名人姓名或选择居民")
    nominated_by = nominated_by.strip()
    if not nominated_by:
        errors["nominated_by"] = gettext("请填写提名人或提名方式（如：群众推荐、网格长提名）")
    nominated_on = nominated_on or _today()
    if nominated_on > _today():
        errors["nominated_on"] = gettext("提名日期不能晚于今天")
    if patrol_team is not None:
        if role != AppointmentRole.PATROL_MEMBER:
            errors["patrol_team"] = gettext("只有巡逻队员可以编入巡逻队")
        elif patrol_team.place_id != place.pk:
            errors["patrol_team"] = gettext("巡逻队员的任职地域应为巡逻队所属地域")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if resident is not None:
            duplicate = Appointment.objects.filter(
                resident=resident, role=role, place=place, status__in=OPEN_STATUSES
            ).exists()
            if duplicate:
                raise ValidationError(
                    {"resident": gettext("%(name)s 已有该职务的提名或任职") % {"name": resident.name}}
                )
        appointment = Appointment(
            path=place.code,
            place=place,
            role=role,
            resident=resident,
            person_name=person_name[:50],
            patrol_team=patrol_team,
            status=AppointmentStatus.NOMINATED,
            nominated_by=nominated_by[:100],
            nominated_on=nominated_on,
        )
        appointment.save()
    return appointment


def review(user, appointment: Appointment, *, note: str = "", reviewed_on: dt.date | None = None) -> Appointment:
    """两委评议通过: the nomination is approved and awaits appointment."""
    _refuse_unless(can_review(user, appointment), gettext("只有该村（居）委会或上级综治中心可以评议"))
    reviewed_on = reviewed_on or _today()
    with transaction.atomic():
        current = _locked(appointment, [AppointmentStatus.NOMINATED], gettext("评议"))
        if reviewed_on < current.nominated_on:
            raise ValidationError({"reviewed_on": gettext("评议日期不能早于提名日期")})
        current.status = AppointmentStatus.REVIEWED
        current.review_note = note.strip()[:500]
        current.reviewed_on = reviewed_on
        current.reviewed_by = user
        current.save(update_fields=["status", "review_note", "reviewed_on", "reviewed_by", "updated_at"])
    return current


def reject(user, appointment: Appointment, *, reason: str, rejected_on: dt.date | None = None) -> Appointment:
    """未通过: a nomination (or a reviewed one not appointed) is turned down, with a stated reason."""
    _refuse_unless(can_review(user, appointment), gettext("只有该村（居）委会或上级综治中心可以作出不予通过的决定"))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": gettext("不予通过必须说明理由")})
    rejected_on = rejected_on or _today()
    with transaction.atomic():
        current = _locked(
            appointment, [AppointmentStatus.NOMINATED, AppointmentStatus.REVIEWED], gettext("作出不予通过的决定")
        )
        if rejected_on < current.nominated_on:
            raise ValidationError({"rejected_on": gettext("日期不能早于提名日期")})
        current.status = AppointmentStatus.REJECTED
        current.review_note = reason[:500]
        current.reviewed_on = rejected_on
        current.reviewed_by = user
        current.save(update_fields=["status", "review_note", "reviewed_on", "reviewed_by", "updated_at"])
    return current


def appoint(
    user,
    appointment: Appointment,
    *,
    term_start: dt.date,
    term_end: dt.date | None = None,
    account=None,
) -> Appointment:
    """任命: a reviewed nomination takes office for a term, optionally linked to a system account."""
    _refuse_unless(can_appoint(user, appointment), gettext("只有该村（居）委会或上级综治中心可以任命"))
    errors: dict[str, str] = {}
    if term_end is not None and term_end <= term_start:
        errors["term_end"] = gettext("任期结束应晚于任期开始")
    if account is not None:
        if not account.is_active or account.role not in BUSINESS_ROLES or account.place_id is None:
            errors["account"] = gettext("只能关联在用的业务账号")
        elif not in_scope(user, account.place.code):
            raise ActionRefused(gettext("该账号不在您的管辖范围内"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(appointment, [AppointmentStatus.REVIEWED], gettext("任命（需先经两委评议）"))
        current.status = AppointmentStatus.APPOINTED
        current.term_start = term_start
        current.term_end = term_end
        fields = ["status", "term_start", "term_end", "updated_at"]
        if account is not None:
            current.user = account
            fields.append("user")
        current.save(update_fields=fields)
    return current


def end_term(user, appointment: Appointment, *, ended_on: dt.date, reason: str) -> Appointment:
    """离任: an appointed person leaves office on a date, for a stated reason."""
    _refuse_unless(can_end_term(user, appointment), gettext("只有该村（居）委会或上级综治中心可以办理离任"))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": gettext("请填写离任原因")})
    with transaction.atomic():
        current = _locked(appointment, [AppointmentStatus.APPOINTED], gettext("办理离任"))
        if current.term_start is not None and ended_on < current.term_start:
            raise ValidationError({"ended_on": gettext("离任日期不能早于任期开始")})
        current.status = AppointmentStatus.ENDED
        current.ended_on = ended_on
        current.end_reason = reason[:200]
        current.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    return current


# ---------------------------------------------------------------- organisations


def _check_grids(user, grids: Iterable[Place], within: Place) -> list[Place]:
    grids = list({g.pk: g for g in grids}.values())
    if not grids:
        raise ValidationError({"grids": gettext("请至少选择一个网格")})
    for grid in grids:
        _check_scope(user, grid)
        if grid.kind != PlaceKind.GRID:
            raise ValidationError({"grids": gettext("%(grid)s 不是网格") % {"grid": grid.name}})
        if not grid.code.startswith(within.code):
            message = gettext("%(grid)s 不在%(within)s内") % {"grid": grid.name, "within": within.name}
            raise ValidationError({"grids": message})
    return sorted(grids, key=lambda g: g.code)


def register_party_group(
    user, *, village: Place, name: str, grids: Iterable[Place], leader_name: str = ""
) -> PartyGroup:
    """网格党小组: one per grid or one for several grids of one village; a grid joins at most one."""
    _refuse_unless(can_organise(user, village), gettext("只有该村（居）委会或上级综治中心可以登记党小组"))
    if village.kind != PlaceKind.VILLAGE:
        raise ValidationError({"village": gettext("党小组应登记在村（社区）")})
    name = name.strip()
    if not name:
        raise ValidationError({"name": gettext("请填写党小组名称")})
    grids = _check_grids(user, grids, village)
    with transaction.atomic():
        # Lock the grids so that two registrations cannot both claim one grid.
        list(Place.objects.select_for_update().filter(pk__in=[g.pk for g in grids]).order_by("pk"))
        taken = list(
            PartyGroup.grids.through.objects.filter(place_id__in=[g.pk for g in grids])
            .select_related("place", "partygroup")
            .order_by("place__code")
        )
        if taken:
            names = "、".join(f"{t.place.name}（{t.partygroup.name}）" for t in taken)
            raise ValidationError({"grids": gettext("以下网格已属于其他党小组：%(names)s") % {"names": names}})
        group = PartyGroup(path=village.code, village=village, name=name[:100], leader_name=leader_name.strip()[:50])
        group.save()
        group.grids.set(grids)
    return group


def register_patrol_team(user, *, place: Place, name: str, grids: Iterable[Place] = ()) -> PatrolTeam:
    """治安巡逻队: registered to a village or a town, patrolling some of its grids."""
    _refuse_unless(can_organise(user, place), gettext("只有该村（居）委会或上级综治中心可以登记巡逻队"))
    if place.kind not in (PlaceKind.VILLAGE, PlaceKind.TOWN):
        raise ValidationError({"place": gettext("巡逻队应登记在乡镇或村（社区）")})
    name = name.strip()
    if not name:
        raise ValidationError({"name": gettext("请填写巡逻队名称")})
    grids = list(grids)
    grids = _check_grids(user, grids, place) if grids else []
    with transaction.atomic():
        team = PatrolTeam(path=place.code, place=place, name=name[:100])
        team.save()
        if grids:
            team.grids.set(grids)
    return team


def add_patrol_member(
    user,
    team: PatrolTeam,
    *,
    nominated_by: str,
    person_name: str = "",
    resident: Resident | None = None,
    nominated_on: dt.date | None = None,
) -> Appointment:
    """巡逻队员: nominated into a team like any other role, then reviewed and appointed."""
    return nominate(
        user,
        place=team.place,
        role=AppointmentRole.PATROL_MEMBER,
        nominated_by=nominated_by,
        person_name=person_name,
        resident=resident,
        nominated_on=nominated_on,
        patrol_team=team,
    )


def register_chat_group(user, *, grid: Place, name: str, owner_name: str = "", member_count: int = 0) -> ChatGroup:
    """ "好邻居"微信群: registered per grid."""
    _refuse_unless(can_register_chat_group(user, grid), gettext("您不能为该网格登记微信群"))
    errors: dict[str, str] = {}
    if grid.kind != PlaceKind.GRID:
        errors["grid"] = gettext("微信群应登记在网格")
    name = name.strip()
    if not name:
        errors["name"] = gettext("请填写群名称")
    if member_count < 0:
        errors["member_count"] = gettext("群成员数不能为负数")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        group = ChatGroup(
            path=grid.code, grid=grid, name=name[:100], owner_name=owner_name.strip()[:50], member_count=member_count
        )
        group.save()
    return group
