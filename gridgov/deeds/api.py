"""/api/v1/deeds: practical deeds within the caller's scope; creating one is idempotent by ``client_uuid``."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from gridgov.core.access import scoped
from gridgov.core.actions import ActionRefused
from gridgov.core.schemas import ErrorOut, PageOut, PeriodQuery, error_body, page
from gridgov.deeds import actions, queries
from gridgov.deeds.choices import DEED_PLACE_KINDS, DeedCategory
from gridgov.households.models import Household, Resident
from gridgov.households.queries import slice_of
from gridgov.publicity.common import Filters, place_in_scope

router = Router(tags=["办实事"])


class DeedOut(Schema):
    id: int = Field(description="办实事记录ID")
    path: str = Field(description="地点代码")
    place_name: str = Field(description="地点")
    done_on: dt.date = Field(description="日期")
    category: DeedCategory = Field(description="类别代码")
    category_label: str = Field(description="类别")
    title: str = Field(description="实事内容")
    description: str = Field(description="办理情况")
    household_id: int | None = Field(description="受益户ID")
    household_number: str | None = Field(description="受益户编号")
    resident_id: int | None = Field(description="受益人ID")
    for_whom: str = Field(description="受益对象")
    done_by: str = Field(description="办理人")
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")

    @staticmethod
    def resolve_place_name(obj) -> str:
        return obj.place.name

    @staticmethod
    def resolve_category_label(obj) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_household_number(obj) -> str | None:
        return obj.household.number if obj.household_id else None


class DeedPage(PageOut):
    items: list[DeedOut] = Field(description="本页的办实事记录，新的在前")


class DeedQuery(PeriodQuery):
    category: DeedCategory | None = Field(None, description="类别")


class DeedIn(Schema):
    done_on: dt.date = Field(description="日期")
    category: DeedCategory = Field(description="类别")
    title: str = Field(min_length=1, max_length=200, description="实事内容")
    done_by: str = Field(min_length=1, max_length=200, description="办理人")
    place_code: str | None = Field(None, pattern=r"^\d{12,16}$", description="地点（村、组或网格）；填受益户时可不填")
    household_id: int | None = Field(None, ge=1, description="受益户ID（须在账号范围内）")
    resident_id: int | None = Field(None, ge=1, description="受益人ID（须在账号范围内）")
    beneficiary: str = Field("", max_length=200, description="受益对象（如：五组 12 户村民）")
    description: str = Field("", max_length=5000, description="办理情况")
    client_uuid: uuid.UUID | None = Field(
        None, description="客户端生成的记录ID；同一ID重复提交只创建一条记录，重复提交时返回 200 与原记录"
    )


@router.get("/", response=DeedPage, summary="办实事列表", description="账号范围内的办实事记录，新的在前。")
@scoped
def list_deeds(request, params: Query[DeedQuery]):
    filters = Filters(
        place=params.place or "",
        since=params.since,
        until=params.until,
        extra={"category": params.category} if params.category else {},
    )
    rows, next_offset = slice_of(queries.deeds_for(request.user, filters), limit=params.limit, offset=params.offset)
    return page(rows, params, next_offset)


@router.get("/{int:pk}", response=DeedOut, summary="办实事详情", description="不在账号范围内时返回 404。")
@scoped
def get_deed(request, pk: int):
    return queries.deed_for(request.user, pk)


@router.post(
    "/",
    response={201: DeedOut, 200: DeedOut, 400: ErrorOut, 403: ErrorOut},
    summary="登记办实事",
    description="按 client_uuid 幂等：首次创建返回 201，同一 client_uuid 再次提交返回 200 与原记录。",
)
@scoped
def create_deed(request, body: DeedIn):
    user = request.user
    place = household = resident = None
    if body.place_code:
        place = place_in_scope(user, body.place_code, DEED_PLACE_KINDS)
        if place is None:
            return 400, {"detail": "地点不存在或不在您的管辖范围内", "errors": {"place": ["地点不存在"]}}
    if body.household_id:
        household = Household.objects.for_user(user).select_related("grid", "cluster").filter(pk=body.household_id)
        household = household.first()
        if household is None:
            return 400, {"detail": "户不存在或不在您的管辖范围内", "errors": {"household": ["户不存在"]}}
    if body.resident_id:
        resident = Resident.objects.for_user(user).select_related("household").filter(pk=body.resident_id).first()
        if resident is None:
            return 400, {"detail": "居民不存在或不在您的管辖范围内", "errors": {"resident": ["居民不存在"]}}
    data = actions.DeedInput(
        done_on=body.done_on,
        category=body.category,
        title=body.title,
        done_by=body.done_by,
        place=place,
        household=household,
        resident=resident,
        beneficiary=body.beneficiary,
        description=body.description,
        client_uuid=body.client_uuid,
    )
    try:
        deed, created = actions.record_deed(user, data)
    except ActionRefused as exc:
        return 403, error_body(exc)
    except ValidationError as exc:
        return 400, error_body(exc)
    return (201 if created else 200), queries.deed_for(user, deed.pk)
