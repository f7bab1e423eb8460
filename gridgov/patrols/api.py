"""/api/v1/patrols: patrol logs within the caller's scope; recording one is idempotent by ``client_uuid``."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from gridgov.core.access import scoped
from gridgov.core.actions import ActionRefused
from gridgov.core.schemas import ErrorOut, PageOut, PeriodQuery, error_body, page
from gridgov.households.queries import slice_of
from gridgov.patrols import actions, queries
from gridgov.patrols.choices import Shift
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place

router = Router(tags=["巡逻日志"])


class PatrolRouteGridOut(Schema):
    code: str = Field(description="网格代码")
    name: str = Field(description="网格名称")


class PatrolOut(Schema):
    id: int = Field(description="巡逻记录ID")
    path: str = Field(description="包含整条巡逻路线的最下级地域代码")
    team_id: int = Field(description="巡逻队ID")
    team_name: str = Field(description="巡逻队")
    date: dt.date = Field(description="巡逻日期")
    shift: Shift = Field(description="时段代码：night 夜间，day 白天")
    shift_label: str = Field(description="时段")
    duration_minutes: int = Field(description="时长（分钟）")
    route: list[PatrolRouteGridOut] = Field(description="巡逻网格")
    member_ids: list[int] = Field(description="参加队员（任职记录ID）")
    member_names: list[str] = Field(description="参加队员姓名")
    others: str = Field(description="其他参加人员")
    headcount: int = Field(description="参加人数")
    findings: str = Field(description="发现情况")
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")
    recorded_by_id: int | None = Field(description="录入人账号ID")

    @staticmethod
    def resolve_team_name(obj) -> str:
        return obj.team.name

    @staticmethod
    def resolve_shift_label(obj) -> str:
        return str(obj.get_shift_display())

    @staticmethod
    def resolve_route(obj) -> list:
        return [{"code": g.code, "name": g.name} for g in obj.route_list]

    @staticmethod
    def resolve_member_ids(obj) -> list[int]:
        return obj.member_ids

    @staticmethod
    def resolve_member_names(obj) -> list[str]:
        return obj.member_list


class PatrolPage(PageOut):
    items: list[PatrolOut] = Field(description="本页的巡逻记录，新的在前")


class PatrolQuery(PeriodQuery):
    team: int | None = Field(None, ge=1, description="巡逻队ID")
    shift: Shift | None = Field(None, description="时段")
    findings: bool = Field(False, description="只列出有发现情况的巡逻")


class PatrolIn(Schema):
    team_id: int = Field(ge=1, description="巡逻队ID（本级、下级或所在村、镇的巡逻队）")
    date: dt.date = Field(description="巡逻日期")
    shift: Shift = Field(Shift.NIGHT, description="时段")
    duration_minutes: int = Field(ge=1, le=1440, description="时长（分钟）")
    route: list[str] = Field(min_length=1, max_length=100, description="巡逻网格代码（须在巡逻队和账号范围内）")
    member_ids: list[int] = Field(default_factory=list, max_length=100, description="参加队员（任职记录ID）")
    others: str = Field("", max_length=200, description="其他参加人员")
    headcount: int | None = Field(None, ge=1, le=999, description="参加人数；不填则按参加队员计")
    findings: str = Field("", max_length=5000, description="发现情况")
    client_uuid: uuid.UUID | None = Field(
        None, description="客户端生成的记录ID；同一ID重复提交只创建一条记录，重复提交时返回 200 与原记录"
    )


def _filled(patrols: list) -> list:
    queries.route_names(patrols)
    queries.member_names(patrols)
    return patrols


@router.get(
    "/", response=PatrolPage, summary="巡逻记录列表", description="账号范围内的巡逻记录，新的在前；分页不计总数。"
)
@scoped
def list_patrols(request, params: Query[PatrolQuery]):
    filters = queries.PatrolFilters(
        place=params.place or "",
        team=params.team,
        shift=params.shift or "",
        since=params.since,
        until=params.until,
        findings=params.findings,
    )
    rows, next_offset = slice_of(queries.patrols_for(request.user, filters), limit=params.limit, offset=params.offset)
    return page(_filled(rows), params, next_offset)


@router.get("/{int:pk}", response=PatrolOut, summary="巡逻记录详情", description="不在账号范围内时返回 404。")
@scoped
def get_patrol(request, pk: int):
    return _filled([queries.patrol_for(request.user, pk)])[0]


@router.post(
    "/",
    response={201: PatrolOut, 200: PatrolOut, 400: ErrorOut, 403: ErrorOut},
    summary="登记巡逻",
    description="按 client_uuid 幂等：首次创建返回 201，同一 client_uuid 再次提交返回 200 与原记录，不重复创建。",
)
@scoped
def create_patrol(request, body: PatrolIn):
    team = queries.team_for(request.user, body.team_id)
    codes = set(body.route)
    route = list(Place.objects.for_user(request.user).filter(code__in=codes))
    if len(route) != len(codes):
        return 400, {"detail": "巡逻网格不存在或不在您的管辖范围内", "errors": {"route": ["网格不存在"]}}
    members = list(Appointment.objects.filter(pk__in=set(body.member_ids), patrol_team=team))
    if len(members) != len(set(body.member_ids)):
        return 400, {"detail": "队员不属于该巡逻队", "errors": {"members": ["队员不属于该巡逻队"]}}
    data = actions.PatrolInput(
        team=team,
        date=body.date,
        shift=body.shift,
        duration_minutes=body.duration_minutes,
        route=route,
        members=members,
        others=body.others,
        headcount=body.headcount,
        findings=body.findings,
        client_uuid=body.client_uuid,
    )
    try:
        patrol, created = actions.record_patrol(request.user, data)
    except ActionRefused as exc:
        return 403, error_body(exc)
    except ValidationError as exc:
        return 400, error_body(exc)
    return (201 if created else 200), _filled([queries.patrol_for(request.user, patrol.pk)])[0]
