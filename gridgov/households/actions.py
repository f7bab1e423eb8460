"""State changes of households and residents. Views, forms, the API and imports call these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.core.actions import ActionRefused
from gridgov.core.models import scope_prefix
from gridgov.households.choices import Relation
from gridgov.households.models import Household, Resident, id_number_index
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place
from gridgov.utils.idnumber import InvalidIdNumber, InvalidPhone, normalize_phone, parse_id_number


def household_path(grid: Place | None, cluster: Place | None, fallback: Place | None = None) -> str:
    if cluster is not None:
        return cluster.code
    if grid is not None:
        return grid.code
    if fallback is not None:
        return fallback.code
    raise ValidationError(gettext("户必须属于一个网格"))


def _check_in_scope(user, *places: Place | None) -> None:
    prefix = scope_prefix(user)
    for place in places:
        if place is not None and (prefix is None or not place.code.startswith(prefix)):
            raise ActionRefused(gettext("%(place)s 不在您的管辖范围内") % {"place": place.name})


def _check_placement(grid: Place | None, cluster: Place | None) -> None:
    if grid is not None and grid.kind != PlaceKind.GRID:
        raise ValidationError({"grid": gettext("%(grid)s 不是网格") % {"grid": grid.name}})
    if cluster is not None:
        if cluster.kind != PlaceKind.CLUSTER:
            raise ValidationError({"cluster": gettext("%(cluster)s 不是联户") % {"cluster": cluster.name}})
        if grid is not None and not cluster.code.startswith(grid.code):
            message = gettext("联户 %(cluster)s 不在网格 %(grid)s 内") % {"cluster": cluster.name, "grid": grid.name}
            raise ValidationError({"cluster": message})


def create_household(
    user, *, number: str, grid: Place, cluster: Place | None, address: str, house_type: str, point=None
) -> Household:
    _check_in_scope(user, grid, cluster)
    _check_placement(grid, cluster)
    household = Household(
        number=number.strip(),
        grid=grid,
        cluster=cluster,
        address=address.strip(),
        house_type=house_type,
        point=point,
        path=household_path(grid, cluster),
    )
    household.full_clean(exclude=["householder"])
    with transaction.atomic():
        household.save()
    return household


def move_household(user, household: Household, *, grid: Place, cluster: Place | None) -> Household:
    """Move a household (and its members' scope) to another grid or cluster."""
    _check_in_scope(user, household.grid, grid, cluster)
    _check_placement(grid, cluster)
    with transaction.atomic():
        household.grid, household.cluster = grid, cluster
        household.path = household_path(grid, cluster)
        household.save(update_fields=["grid", "cluster", "path", "updated_at"])
        for member in Resident.objects.filter(household=household).select_for_update():
            member.path = household.path
            member.place = cluster or grid
            member.save(update_fields=["path", "place", "updated_at"])
    return household


@dataclass
class ResidentInput:
    name: str
    id_number: str
    phone: str = ""
    relation: str = Relation.OTHER
    ethnicity: str = "汉族"
    is_party_member: bool = False
    residence_type: str = "registered"
    works_away: bool = False
    works_away_place: str = ""


def validate_resident_input(data: ResidentInput) -> tuple[str, str, dt.date, str]:
    """Returns (id_number, sex, birth_date, phone) or raises ValidationError with Chinese messages."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = gettext("姓名不能为空")
    try:
        parsed = parse_id_number(data.id_number)
    except InvalidIdNumber as exc:
        errors["id_number"] = str(exc)
        parsed = None
    phone = ""
    if data.phone.strip():
        try:
            phone = normalize_phone(data.phone)
        except InvalidPhone as exc:
            errors["phone"] = str(exc)
    if data.relation not in Relation.values:
        errors["relation"] = gettext("与户主关系无效")
    if errors:
        raise ValidationError(errors)
    assert parsed is not None
    return parsed.value, parsed.sex, parsed.birth_date, phone


def add_resident(user, data: ResidentInput, *, household: Household | None, place: Place | None = None) -> Resident:
    """Register a resident in a household (or, without one, at a place: a coverage gap to fix)."""
    if household is not None:
        place = household.cluster or household.grid
    if place is None:
        raise ValidationError(gettext("居民必须属于一户或一个地域"))
    _check_in_scope(user, place)
    id_number, sex, birth_date, phone = validate_resident_input(data)
    if Resident.objects.filter(id_number_index=id_number_index(id_number)).exists():
        raise ValidationError({"id_number": gettext("该身份证号已登记")})
    resident = Resident(
        path=place.code,
        place=place,
        household=household,
        name=data.name.strip(),
        sex=sex,
        birth_date=birth_date,
        relation=data.relation,
        ethnicity=data.ethnicity,
        is_party_member=data.is_party_member,
        residence_type=data.residence_type,
        works_away=data.works_away,
        works_away_place=data.works_away_place.strip(),
    )
    resident.set_id_number(id_number)
    resident.set_phone(phone)
    with transaction.atomic():
        resident.save()
        if household is not None:
            Household.objects.filter(pk=household.pk).update(member_count=F("member_count") + 1)
            if data.relation == Relation.HOUSEHOLDER:
                household.householder = resident
                household.save(update_fields=["householder", "updated_at"])
    return resident


def update_resident_contact(user, resident: Resident, *, phone: str) -> Resident:
    _check_in_scope(user, resident.place)
    try:
        value = normalize_phone(phone) if phone.strip() else ""
    except InvalidPhone as exc:
        raise ValidationError({"phone": str(exc)}) from None
    with transaction.atomic():
        resident.set_phone(value)
        resident.save(update_fields=["phone_sealed", "phone_index", "phone_masked", "updated_at"])
    return resident


REVEALABLE = {"id_number": "身份证号", "phone": "联系电话"}


def reveal(user, resident: Resident, field: str, reason: str) -> str:
    """Show one masked value in clear: needs the permission and a stated reason; always audited."""
    if field not in REVEALABLE:
        raise ActionRefused(gettext("该字段不可查看"))
    if not getattr(user, "may_reveal_pii", False):
        raise ActionRefused(gettext("您没有查看完整敏感信息的权限"))
    _check_in_scope(user, resident.place)
    reason = reason.strip()
    if len(reason) < 4:
        raise ValidationError({"reason": gettext("请说明查看理由（至少4个字）")})
    value = resident.reveal_id_number() if field == "id_number" else resident.reveal_phone()
    record(AuditAction.REVEAL, resident, detail={"field": field, "reason": reason[:500]})
    return value
