"""/api/v1/keypersons: key persons, their follow-ups and alerts — only for holders of the key-population grant.

Every operation is `@key_population`: without the grant it answers 404, exactly as for an id that
does not exist, so no route confirms that anyone is on the list. Every answer that shows records
writes an audit row. Creating a follow-up is idempotent by ``client_uuid``.
"""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from gridgov.core.actions import ActionRefused
from gridgov.core.schemas import ErrorOut, PageOut
from gridgov.households.queries import slice_of
from gridgov.keypersons import actions, queries
from gridgov.keypersons.access import key_population
from gridgov.keypersons.actions import audit_view
from gridgov.keypersons.choices import (
    AlertKind,
    FollowUpMode,
    KeyPersonStatus,
    PersonState,
    RiskColor,
    Whereabouts,
)
from gridgov.visits.api import _error

router = Router(tags=["重点人群"])

MAX_LIMIT = 200


class CategoryOut(Schema):
    id: int = Field(description="类别ID")
    code: str = Field(description="类别代码")
    name: str = Field(description="名称")
    red_days: int = Field(description="红色稳控周期（天）")
    yellow_days: int = Field(description="黄色稳控周期（天）")
    blue_days: int = Field(description="蓝色稳控周期（天）")
    active: bool = Field(description="是否启用")


class KeyPersonOut(Schema):
    id: int = Field(description="重点人员ID")
    resident_id: int = Field(description="居民ID")
    name: str = Field(description="姓名")
    path: str = Field(description="所在最下级地域的代码")
    category_id: int = Field(description="类别ID")
    category_name: str = Field(description="类别")
    color: RiskColor = Field(description="风险等级：red 红，yellow 黄，blue 蓝")
    status: KeyPersonStatus = Field(description="状态")
    responsible_id: int | None = Field(description="包保责任人账号ID")
    enlisted_on: dt.date = Field(description="列管日期")
    last_follow_up_on: dt.date | None = Field(description="最近稳控日期")
    next_follow_up_due: dt.date = Field(description="下次稳控期限")
    out_of_contact_since: dt.date | None = Field(description="失联日期")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.resident.name

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.category.name


class FollowUpOut(Schema):
    id: int = Field(description="稳控记录ID")
    key_person_id: int = Field(description="重点人员ID")
    followed_up_at: dt.datetime = Field(description="稳控时间")
    mode: FollowUpMode = Field(description="方式")
    whereabouts: Whereabouts = Field(description="去向")
    whereabouts_detail: str = Field(description="去向说明")
    state: PersonState = Field(description="现实表现")
    notes: str = Field(description="稳控情况")
    color_before: RiskColor = Field(description="原风险等级")
    color_after: RiskColor = Field(description="稳控后风险等级")
    color_reason: str = Field(description="调整理由")
    by_id: int | None = Field(description="稳控人账号ID")
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")


class KeyPersonDetail(KeyPersonOut):
    control_measures: str = Field(description="稳控措施")
    follow_ups: list[FollowUpOut] = Field(description="稳控记录，新的在前（最多100条）")

    @staticmethod
    def resolve_follow_ups(obj) -> list:
        return obj.follow_up_list


class KeyPersonPage(PageOut):
    items: list[KeyPersonOut] = Field(description="本页的重点人员，按地域代码排序")


class KeyPersonQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")
    place: str | None = Field(None, pattern=r"^\d{2,24}$", description="只列出该地域（代码）及其下级")
    category: int | None = Field(None, ge=1, description="类别ID")
    color: RiskColor | None = Field(None, description="风险等级")
    status: KeyPersonStatus | None = Field(None, description="状态；默认为在册（稳控中和失联）")
    mine: bool = Field(False, description="只列出本人包保的")
    overdue: bool = Field(False, description="只列出稳控逾期的")


class FollowUpIn(Schema):
    followed_up_at: dt.datetime = Field(description="稳控时间（带时区）")
    mode: FollowUpMode = Field(FollowUpMode.DOOR, description="方式")
    whereabouts: Whereabouts = Field(description="去向；unknown（下落不明）使该人员转为失联")
    whereabouts_detail: str = Field("", max_length=200, description="去向说明")
    state: PersonState = Field(PersonState.STABLE, description="现实表现")
    notes: str = Field("", max_length=5000, description="稳控情况")
    color: RiskColor | None = Field(None, description="稳控后的风险等级；不填则不变")
    color_reason: str = Field("", max_length=300, description="调整理由（风险等级变化时必填）")
    client_uuid: uuid.UUID | None = Field(None, description="客户端生成的记录ID；重复提交返回 200 与原记录")


class AlertOut(Schema):
    id: int = Field(description="预警ID")
    key_person_id: int = Field(description="重点人员ID")
    kind: AlertKind = Field(description="类型：overdue 稳控逾期，out_of_contact 失联")
    reference_on: dt.date = Field(description="逾期的稳控期限或失联日期")
    color: RiskColor = Field(description="风险等级")
    responsible_id: int | None = Field(description="包保责任人账号ID")
    raised_at: dt.datetime = Field(description="预警时间")
    acknowledged_at: dt.datetime | None = Field(description="签收时间")
    closed_at: dt.datetime | None = Field(description="解除时间")


@router.get("/categories", response=list[CategoryOut], summary="重点人员类别")
@key_population
def list_categories(request):
    return queries.categories()


@router.get("/", response=KeyPersonPage, summary="重点人员列表", description="需重点人群权限；查看记入审计日志。")
@key_population
def list_key_persons(request, params: Query[KeyPersonQuery]):
    filters = queries.Filters(
        place=params.place or "",
        category=params.category,
        color=params.color or "",
        status=params.status or "",
        mine=params.mine,
        overdue=params.overdue,
    )
    rows, next_offset = slice_of(
        queries.key_persons_for(request.user, filters), limit=params.limit, offset=params.offset
    )
    audit_view("api_key_person_list", ids=[p.pk for p in rows], filters=filters.as_query())
    return {"items": rows, "limit": params.limit, "offset": params.offset, "next_offset": next_offset}


@router.get("/alerts", response=list[AlertOut], summary="未解除的预警", description="需重点人群权限。")
@key_population
def list_alerts(request, mine: bool = False):
    rows = list(queries.alerts_for(request.user, queries.AlertFilters(mine=mine))[:MAX_LIMIT])
    audit_view("api_key_person_alerts", ids=[a.key_person_id for a in rows])
    return rows


@router.get("/{int:pk}", response=KeyPersonDetail, summary="重点人员详情", description="含稳控记录；查看记入审计日志。")
@key_population
def get_key_person(request, pk: int):
    person = queries.key_person_for(request.user, pk)
    audit_view("api_key_person_detail", person)
    person.follow_up_list = queries.follow_ups_of(request.user, person)
    return person


@router.post(
    "/{int:pk}/follow-ups",
    response={201: FollowUpOut, 200: FollowUpOut, 400: ErrorOut, 403: ErrorOut},
    summary="登记稳控记录",
    description="按 client_uuid 幂等：首次创建返回 201，再次提交返回 200 与原记录。风险等级变化须填写理由。",
)
@key_population
def create_follow_up(request, pk: int, body: FollowUpIn):
    person = queries.key_person_for(request.user, pk)
    data = actions.FollowUpInput(
        followed_up_at=body.followed_up_at,
        mode=body.mode,
        whereabouts=body.whereabouts,
        whereabouts_detail=body.whereabouts_detail,
        state=body.state,
        notes=body.notes,
        color=body.color or "",
        color_reason=body.color_reason,
        client_uuid=body.client_uuid,
    )
    try:
        follow_up, created = actions.record_follow_up(request.user, person, data)
    except ActionRefused as exc:
        return 403, _error(exc)
    except ValidationError as exc:
        return 400, _error(exc)
    if follow_up.key_person_id != person.pk:
        return 400, {"detail": "该记录ID已用于另一名人员", "errors": {"client_uuid": ["该记录ID已用于另一名人员"]}}
    follow_up.refresh_from_db()  # the same representation (UTC) on the first answer and on a replay
    return (201 if created else 200), follow_up
