"""/api/v1/households: households and residents within the caller's scope, masked values only.

ID numbers are never accepted in a URL: exact lookup by ID number is a POST with a body.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from gridgov.core.access import scoped
from gridgov.core.schemas import PageOut
from gridgov.households import queries
from gridgov.households.choices import HouseType
from gridgov.places.api import PlaceRef

router = Router(tags=["户籍与居民"])

MAX_LIMIT = 200


class HouseholdOut(Schema):
    id: int = Field(description="户ID")
    number: str = Field(description="户编号")
    address: str = Field(description="住址")
    house_type: HouseType = Field(description="房屋类型代码")
    house_type_label: str = Field(description="房屋类型")
    path: str = Field(description="所在最下级地域的代码（联户，或未分联户时的网格）")
    grid: PlaceRef | None = Field(description="网格")
    cluster: PlaceRef | None = Field(description="联户")
    householder_id: int | None = Field(description="户主的居民ID")
    householder_name: str | None = Field(description="户主姓名")
    member_count: int = Field(description="人数")
    point: dict | None = Field(description="位置（GeoJSON Point，经纬度）")

    @staticmethod
    def resolve_house_type_label(obj) -> str:
        return obj.get_house_type_display()

    @staticmethod
    def resolve_householder_name(obj) -> str | None:
        return obj.householder.name if obj.householder_id else None


class ResidentOut(Schema):
    id: int = Field(description="居民ID")
    name: str = Field(description="姓名")
    sex: str = Field(description="性别代码：M 男，F 女")
    sex_label: str = Field(description="性别")
    birth_date: dt.date = Field(description="出生日期（由身份证号得出）")
    age: int = Field(description="周岁")
    id_number_masked: str = Field(description="身份证号（脱敏，如 520330********1236）")
    phone_masked: str = Field(description="联系电话（脱敏，如 138****8000）；未登记时为空")
    relation: str = Field(description="与户主关系代码")
    relation_label: str = Field(description="与户主关系")
    ethnicity: str = Field(description="民族")
    is_party_member: bool = Field(description="是否中共党员")
    residence_type: str = Field(description="人口类型代码：registered 户籍人口，floating 流动人口")
    works_away: bool = Field(description="是否外出务工")
    works_away_place: str = Field(description="务工地")
    path: str = Field(description="所在最下级地域的代码")
    household_id: int | None = Field(description="所属户ID；未落户时为 null")
    household_number: str | None = Field(description="所属户编号")

    @staticmethod
    def resolve_sex_label(obj) -> str:
        return obj.get_sex_display()

    @staticmethod
    def resolve_relation_label(obj) -> str:
        return obj.get_relation_display()

    @staticmethod
    def resolve_household_number(obj) -> str | None:
        return obj.household.number if obj.household_id else None


class HouseholdDetail(HouseholdOut):
    members: list[ResidentOut] = Field(description="家庭成员（脱敏）")

    @staticmethod
    def resolve_members(obj) -> list:
        return obj.members_list


class HouseholdPage(PageOut):
    items: list[HouseholdOut] = Field(description="本页的户，按地域代码排序")


class ResidentPage(PageOut):
    items: list[ResidentOut] = Field(description="本页的居民，按地域代码排序")


class Paging(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")


class HouseholdQuery(Paging):
    place: str | None = Field(None, pattern=r"^\d{2,24}$", description="只列出该地域（代码）及其下级的户")
    house_type: HouseType | None = Field(None, description="房屋类型")
    q: str | None = Field(None, max_length=100, description="住址包含该文字，或有成员姓名以该文字开头")


class ResidentQuery(Paging):
    place: str | None = Field(None, pattern=r"^\d{2,24}$", description="只列出该地域（代码）及其下级的居民")
    household: int | None = Field(None, ge=1, description="只列出该户的成员（户ID）")
    q: str | None = Field(None, max_length=100, description="姓名以该文字开头")


class IdNumberLookup(Schema):
    id_number: str = Field(max_length=32, description="完整身份证号（18位，精确匹配；不区分全角半角与 x 大小写）")


def _filters(params) -> queries.Filters:
    return queries.Filters.from_query(
        {
            "place": params.place or "",
            "house_type": getattr(params, "house_type", None) or "",
            "q": params.q or "",
            "household": str(getattr(params, "household", None) or ""),
        }
    )


def _page(rows: list, next_offset: int | None, params: Paging) -> dict:
    return {"items": rows, "limit": params.limit, "offset": params.offset, "next_offset": next_offset}


@router.get("/", response=HouseholdPage, summary="户列表", description="账号范围内的户，分页不计总数。")
@scoped
def list_households(request, params: Query[HouseholdQuery]):
    qs = queries.households_for(request.user, _filters(params))
    return _page(*queries.slice_of(qs, limit=params.limit, offset=params.offset), params)


@router.get("/residents/", response=ResidentPage, summary="居民列表", description="账号范围内的居民（脱敏）。")
@scoped
def list_residents(request, params: Query[ResidentQuery]):
    qs = queries.residents_for(request.user, _filters(params))
    return _page(*queries.slice_of(qs, limit=params.limit, offset=params.offset), params)


@router.post(
    "/residents/lookup",
    response=list[ResidentOut],
    summary="按身份证号查找居民",
    description="精确匹配（经密钥化索引，库中不存明文）；格式错误或范围外均返回空列表。",
)
@scoped
def lookup_resident(request, body: IdNumberLookup):
    index = queries.id_index_of(body.id_number)
    if not index or index == queries.INVALID_ID:
        return []
    return list(queries.residents_for(request.user, queries.Filters(id_index=index)))


@router.get(
    "/residents/{int:pk}", response=ResidentOut, summary="居民详情", description="脱敏；不在账号范围内时返回 404。"
)
@scoped
def get_resident(request, pk: int):
    return queries.resident_for(request.user, pk)


@router.get(
    "/{int:pk}",
    response=HouseholdDetail,
    summary="户详情",
    description="含家庭成员（脱敏）；不在账号范围内时返回 404。",
)
@scoped
def get_household(request, pk: int):
    household = queries.household_for(request.user, pk)
    household.members_list = queries.members_of(request.user, household)
    for member in household.members_list:
        member.household = household
    return household
