"""/api/v1/places: the place tree within the caller's scope."""

from __future__ import annotations

from django.db.models import F
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from gridgov.core.access import scoped
from gridgov.core.schemas import PageOut
from gridgov.places import queries
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place

router = Router(tags=["地域"])

MAX_LIMIT = 200


class PlaceRef(Schema):
    """A place as other resources refer to it."""

    code: str = Field(description="地域代码")
    name: str = Field(description="名称")


class PlaceOut(Schema):
    code: str = Field(description="地域代码（统计用区划代码，村级以下每级加两位）")
    name: str = Field(description="名称")
    kind: str = Field(
        description="层级：county 县/区、town 乡镇/街道、village 村/社区、group 村民小组、grid 网格、cluster 联户"
    )
    kind_label: str = Field(description="层级的中文名称")
    parent_code: str | None = Field(description="上级地域代码；账号范围的最上级也会给出")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(PlaceKind(obj.kind).label)

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return getattr(obj, "parent_code", None)


class Totals(Schema):
    households: int = Field(description="户数")
    residents: int = Field(description="居民人数")
    grids: int = Field(description="网格数")
    clusters: int = Field(description="联户数")


class PlaceDetail(PlaceOut):
    boundary: dict | None = Field(description="边界（GeoJSON Polygon/MultiPolygon，经纬度）")
    centre: dict | None = Field(description="中心点（GeoJSON Point）")
    totals: Totals = Field(description="本地域（含全部下级）的合计")


class PlacePage(PageOut):
    items: list[PlaceOut] = Field(description="本页地域，按代码排序")


class PlaceQuery(Schema):
    parent: str | None = Field(None, description="只列出该地域的直接下级（代码）", pattern=r"^\d{2,24}$")
    within: str | None = Field(None, description="只列出该地域及其全部下级（代码）", pattern=r"^\d{2,24}$")
    kind: PlaceKind | None = Field(None, description="只列出该层级")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")


@router.get("/", response=PlacePage, summary="地域列表", description="账号范围内的地域，按代码排序，分页不计总数。")
@scoped
def list_places(request, params: Query[PlaceQuery]):
    qs = Place.objects.for_user(request.user).annotate(parent_code=F("parent__code")).order_by("code")
    if params.within:
        qs = qs.within(params.within)
    if params.parent:
        qs = qs.filter(parent__code=params.parent)
    if params.kind:
        qs = qs.filter(kind=params.kind)
    rows = list(qs[params.offset : params.offset + params.limit + 1])
    next_offset = params.offset + params.limit if len(rows) > params.limit else None
    return {"items": rows[: params.limit], "limit": params.limit, "offset": params.offset, "next_offset": next_offset}


@router.get(
    "/{code}",
    response=PlaceDetail,
    summary="地域详情",
    description="一个地域及其合计（户、居民、网格、联户）；不在账号范围内时返回 404。",
)
@scoped
def get_place(request, code: str):
    place = get_object_or_404(Place.objects.for_user(request.user).annotate(parent_code=F("parent__code")), code=code)
    place.totals = queries.totals(request.user, place)
    return place
