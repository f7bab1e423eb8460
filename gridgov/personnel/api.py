"""/api/v1/personnel: appointments, party groups, patrol teams and chat groups within the caller's scope.

Read-only; people are shown by name with masked contact data only.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from gridgov.core.access import scoped
from gridgov.core.schemas import PageOut
from gridgov.personnel import queries
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.places.api import PlaceRef

router = Router(tags=["人员与组织"])

MAX_LIMIT = 200


class AppointmentOut(Schema):
    id: int = Field(description="任职ID")
    person_name: str = Field(description="姓名")
    role: AppointmentRole = Field(description="职务代码")
    role_label: str = Field(description="职务")
    status: AppointmentStatus = Field(
        description="状态代码：nominated 已提名，reviewed 两委已评议，appointed 在任，rejected 未通过，ended 已离任"
    )
    status_label: str = Field(description="状态")
    place: PlaceRef = Field(description="任职地域")
    resident_id: int | None = Field(description="关联的居民ID（未关联时为 null）")
    phone_masked: str = Field(description="联系电话（脱敏，取自关联居民）；未登记时为空")
    has_account: bool = Field(description="是否已关联系统账号")
    patrol_team_id: int | None = Field(description="所属巡逻队ID（巡逻队员）")
    nominated_by: str = Field(description="提名人/提名方式")
    nominated_on: dt.date = Field(description="提名日期")
    review_note: str = Field(description="两委评议意见，或不予通过的理由")
    reviewed_on: dt.date | None = Field(description="评议（或不予通过）日期")
    term_start: dt.date | None = Field(description="任期开始")
    term_end: dt.date | None = Field(description="任期结束")
    ended_on: dt.date | None = Field(description="离任日期")
    end_reason: str = Field(description="离任原因")

    @staticmethod
    def resolve_role_label(obj) -> str:
        return obj.get_role_display()

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        return obj.resident.phone_masked if obj.resident_id else ""

    @staticmethod
    def resolve_has_account(obj) -> bool:
        return obj.user_id is not None


class AppointmentPage(PageOut):
    items: list[AppointmentOut] = Field(description="本页的任职记录，按地域代码、职务排序")


class PartyGroupOut(Schema):
    id: int = Field(description="党小组ID")
    name: str = Field(description="名称")
    leader_name: str = Field(description="党小组长")
    village: PlaceRef = Field(description="所属村/社区")
    grids: list[PlaceRef] = Field(description="覆盖网格")

    @staticmethod
    def resolve_grids(obj) -> list:
        return list(obj.grids.all())


class MemberOut(Schema):
    id: int = Field(description="任职ID")
    person_name: str = Field(description="姓名")


class PatrolTeamOut(Schema):
    id: int = Field(description="巡逻队ID")
    name: str = Field(description="名称")
    place: PlaceRef = Field(description="所属乡镇或村/社区")
    grids: list[PlaceRef] = Field(description="巡逻网格")
    members: list[MemberOut] = Field(description="在任巡逻队员")

    @staticmethod
    def resolve_grids(obj) -> list:
        return list(obj.grids.all())

    @staticmethod
    def resolve_members(obj) -> list:
        return obj.current_members


class ChatGroupOut(Schema):
    id: int = Field(description="微信群ID")
    name: str = Field(description="群名称")
    owner_name: str = Field(description="群主")
    member_count: int = Field(description="群成员数")
    grid: PlaceRef = Field(description="网格")


class PersonnelPaging(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")


class AppointmentQuery(PersonnelPaging):
    place: str | None = Field(None, pattern=r"^\d{2,24}$", description="只列出该地域（代码）及其下级的任职")
    role: AppointmentRole | None = Field(None, description="职务")
    status: AppointmentStatus | None = Field(None, description="状态")


class PartyGroupPage(PageOut):
    items: list[PartyGroupOut] = Field(description="本页的党小组")


class PatrolTeamPage(PageOut):
    items: list[PatrolTeamOut] = Field(description="本页的巡逻队")


class ChatGroupPage(PageOut):
    items: list[ChatGroupOut] = Field(description="本页的微信群")


def _page(queryset, params: PersonnelPaging) -> dict:
    rows, next_offset = queries.slice_of(queryset, limit=params.limit, offset=params.offset)
    return {"items": rows, "limit": params.limit, "offset": params.offset, "next_offset": next_offset}


class PersonnelPlaceQuery(PersonnelPaging):
    place: str | None = Field(None, pattern=r"^\d{2,24}$", description="只列出该地域（代码）及其下级的记录")


@router.get(
    "/appointments/",
    response=AppointmentPage,
    summary="任职列表",
    description="账号范围内的任职记录（提名、评议、在任、离任），分页不计总数。",
)
@scoped
def list_appointments(request, params: Query[AppointmentQuery]):
    filters = queries.Filters.from_query(
        {"place": params.place or "", "role": params.role or "", "status": params.status or ""}
    )
    return _page(queries.appointments_for(request.user, filters), params)


@router.get(
    "/appointments/{int:pk}",
    response=AppointmentOut,
    summary="任职详情",
    description="不在账号范围内时返回 404。",
)
@scoped
def get_appointment(request, pk: int):
    return queries.appointment_for(request.user, pk)


@router.get(
    "/party-groups/",
    response=PartyGroupPage,
    summary="网格党小组",
    description="账号范围内登记的党小组，以及覆盖账号范围内网格的党小组。",
)
@scoped
def list_party_groups(request, params: Query[PersonnelPlaceQuery]):
    return _page(queries.party_groups_for(request.user, params.place or ""), params)


@router.get(
    "/patrol-teams/",
    response=PatrolTeamPage,
    summary="治安巡逻队",
    description="账号范围内登记的巡逻队，以及巡逻账号范围内网格的巡逻队；含在任队员姓名。",
)
@scoped
def list_patrol_teams(request, params: Query[PersonnelPlaceQuery]):
    return _page(queries.patrol_teams_for(request.user, params.place or ""), params)


@router.get(
    "/chat-groups/",
    response=ChatGroupPage,
    summary="“好邻居”微信群",
    description="账号范围内各网格登记的微信群。",
)
@scoped
def list_chat_groups(request, params: Query[PersonnelPlaceQuery]):
    return _page(queries.chat_groups_for(request.user, params.place or ""), params)
