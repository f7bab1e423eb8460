"""State changes of practical deeds: record a deed (idempotent by client id)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gridgov.core.actions import ActionRefused
from gridgov.core.models import in_scope
from gridgov.deeds.choices import DEED_PLACE_KINDS, DeedCategory
from gridgov.deeds.models import Deed
from gridgov.households.models import Household, Resident
from gridgov.places.models import Place
from gridgov.publicity.common import can_record_at, check_date, create_once, text


@dataclass
class DeedInput:
    done_on: dt.date
    category: str
    title: str
    done_by: str
    place: Place | None = None
    household: Household | None = None
    resident: Resident | None = None
    beneficiary: str = ""
    description: str = ""
    client_uuid: uuid.UUID | None = None


def _location(user, data: DeedInput) -> tuple[str, Place]:
    """(path, place): the household's own lowest place when a household is named, else the chosen place."""
    if data.resident is not None:
        if data.household is None:
            data.household = data.resident.household
        elif data.resident.household_id != data.household.pk:
            raise ValidationError({"resident": _("受益人不是该户成员")})
    if data.household is not None:
        if not in_scope(user, data.household.path):
            raise ActionRefused(_("该户不在您的管辖范围内"))
        place = data.household.cluster or data.household.grid
        if place is None:
            raise ValidationError({"household": _("该户未划入网格")})
        if data.place is not None and not place.code.startswith(data.place.code):
            raise ValidationError({"place": _("地点与受益户不一致")})
        return data.household.path, place
    if data.place is None:
        raise ValidationError({"place": _("请选择地点或受益户")})
    return data.place.code, data.place


def record_deed(user, data: DeedInput) -> tuple[Deed, bool]:
    """登记办实事. Returns (deed, created); the same ``client_uuid`` again returns the first deed."""
    path, place = _location(user, data)
    kinds = (*DEED_PLACE_KINDS, "cluster") if data.household is not None else DEED_PLACE_KINDS
    can_record_at(user, place, kinds, _("办实事"))
    if data.category not in DeedCategory.values:
        raise ValidationError({"category": _("类别无效")})
    check_date(data.done_on, "done_on")
    title = text(data.title, "title", _("实事内容"))
    done_by = text(data.done_by, "done_by", _("办理人"))
    beneficiary = data.beneficiary.strip()
    if not beneficiary and data.resident is None and data.household is None:
        raise ValidationError({"beneficiary": _("请填写受益对象或选择受益户")})

    def make() -> Deed:
        return Deed.objects.create(
            path=path,
            place=place,
            done_on=data.done_on,
            category=data.category,
            title=title[:200],
            description=data.description.strip(),
            household=data.household,
            resident=data.resident,
            beneficiary=beneficiary[:200],
            done_by=done_by[:200],
            client_uuid=data.client_uuid,
            recorded_by=user,
        )

    return create_once(Deed, user, data.client_uuid, make)
