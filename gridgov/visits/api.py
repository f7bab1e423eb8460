"""/api/v1/visits: the visits ledger within the caller's scope; creating a visit is idempotent by ``client_uuid``.

An offline phone gives every record a UUID when it is made; uploading the same record again
(a retry after a lost answer, a second sync of the same queue) returns the first visit with
status 200 instead of creating another one.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from gridgov.accounts.models import User
from gridgov.core.access import scoped
from gridgov.core.actions import ActionRefused
from gridgov.core.schemas import ErrorOut, PageOut
from gridgov.households.models import Household
from gridgov.households.queries import slice_of
from gridgov.visits import actions, queries
from gridgov.visits.choices import VisitMode, VisitStatus
from gridgov.visits.models import VulnerableMember

router = Router(tags=["走访台账"])

MAX_LIMIT = 200
SYNC_MAX = 500


class VisitOut(Schema):
    id: int = Field(description="走访记录ID")
    household_id: int = Field(description="户ID")
    household_number: str = Field(description="户编号")
    path: str = Field(description="走访时该户所在最下级地域的代码")
    visited_at: dt.datetime = Field(description="走访时间")
    mode: VisitMode = Field(description="方式代码：door 入户，phone 电话，video 视频")
    mode_label: str = Field(description="方式")
    visitor_ids: list[int] = Field(description="走访人账号ID")
    visitor_names: list[str] = Field(description="走访人")
    companions: str = Field(description="其他同行人员")
    people_met: str = Field(description="见到的人")
    findings: str = Field(description="走访情况")
    point: dict | None = Field(description="位置（GeoJSON Point）")
    vulnerable_member_id: int | None = Field(description="探访的关爱对象ID")
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")
    recorded_by_id: int | None = Field(description="录入人账号ID")

    @staticmethod
    def resolve_household_number(obj) -> str:
        return obj.household.number

    @staticmethod
    def resolve_mode_label(obj) -> str:
        return obj.get_mode_display()

    @staticmethod
    def resolve_visitor_ids(obj) -> list[int]:
        return obj.visitor_ids

    @staticmethod
    def resolve_visitor_names(obj) -> list[str]:
        return obj.visitor_names


class VisitPage(PageOut):
    items: list[VisitOut] = Field(description="本页的走访记录，新的在前")


class VisitQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")
    place: str | None = Field(None, pattern=r"^\d{2,24}$", description="只列出该地域（代码）及其下级的走访")
    household: int | None = Field(None, ge=1, description="只列出该户的走访（户ID）")
    mode: VisitMode | None = Field(None, description="方式")
    since: dt.date | None = Field(None, description="走访日期不早于")
    until: dt.date | None = Field(None, description="走访日期不晚于")
    mine: bool = Field(False, description="只列出本人参与的走访")


class VisitIn(Schema):
    household_id: int = Field(ge=1, description="户ID（须在账号范围内）")
    visited_at: dt.datetime = Field(description="走访时间（带时区，如 2026-03-01T09:30:00+08:00）")
    mode: VisitMode = Field(VisitMode.DOOR, description="方式")
    visitor_ids: list[int] = Field(
        default_factory=list, max_length=20, description="走访人账号ID；为空时为本人。工作范围须包括该户"
    )
    companions: str = Field("", max_length=200, description="其他同行人员（无账号者）")
    people_met: str = Field("", max_length=200, description="见到的人")
    findings: str = Field("", max_length=5000, description="走访情况")
    point: dict | None = Field(None, description="位置（GeoJSON Point，经纬度）")
    vulnerable_member_id: int | None = Field(None, ge=1, description="本次探访的关爱对象ID（须属于该户）")
    client_uuid: uuid.UUID | None = Field(
        None, description="客户端生成的记录ID；同一ID重复提交只创建一条记录，重复提交时返回 200 与原记录"
    )


class DueHouseholdOut(Schema):
    household_id: int = Field(description="户ID")
    number: str = Field(description="户编号")
    address: str = Field(description="住址")
    status: VisitStatus = Field(description="状态：never 从未走访，overdue 逾期，due 即将到期")
    due_on: dt.date | None = Field(description="应走访日期")
    last_visited_at: dt.datetime | None = Field(description="最近走访时间")


class DueCheckOut(Schema):
    vulnerable_member_id: int = Field(description="关爱对象ID")
    household_id: int = Field(description="户ID")
    name: str = Field(description="姓名")
    category: str = Field(description="类别代码")
    category_label: str = Field(description="类别")
    next_check_on: dt.date = Field(description="应探访日期")


class TodayOut(Schema):
    today: dt.date = Field(description="日期")
    horizon: dt.date = Field(description="列出在此日期前到期的事项")
    households: list[DueHouseholdOut] = Field(description="待走访户，从未走访和逾期最久的在前")
    households_more: bool = Field(description="是否还有更多待走访户")
    checks: list[DueCheckOut] = Field(description="待探访的关爱对象，逾期的在前")
    checks_more: bool = Field(description="是否还有更多")


class CoverageRowOut(Schema):
    code: str = Field(description="地域代码（网格，或网格员所在地域）")
    label: str = Field(description="名称")
    households: int = Field(description="户数")
    current: int = Field(description="周期内已走访的户数")
    due: int = Field(description="即将到期的户数")
    overdue: int = Field(description="逾期未走访的户数")
    never: int = Field(description="从未走访的户数")
    visits: int = Field(description="统计期内的走访次数")
    visited_households: int = Field(description="统计期内走访过的户数")
    rate: float = Field(description="覆盖率（%）")


class CoverageOut(Schema):
    place_code: str = Field(description="地域代码")
    place_name: str = Field(description="地域名称")
    since: dt.date = Field(description="走访次数统计起始日")
    total: CoverageRowOut
    grids: list[CoverageRowOut] = Field(description="按网格")
    workers: list[CoverageRowOut] = Field(description="按网格员")


def _error(exc: Exception) -> dict:
    if isinstance(exc, ValidationError):
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
        return {"detail": "；".join(exc.messages), "errors": errors}
    return {"detail": str(exc), "errors": {}}


def _with_visitors(visits: list) -> list:
    queries.visitors_of(visits)
    through = actions.Visit.visitors.through
    ids: dict[int, list[int]] = {}
    for visit_id, user_id in (
        through.objects.filter(visit_id__in=[v.pk for v in visits])
        .values_list("visit_id", "user_id")
        .order_by("visit_id", "user_id")
    ):
        ids.setdefault(visit_id, []).append(user_id)
    for visit in visits:
        visit.visitor_ids = ids.get(visit.pk, [])
    return visits


@router.get(
    "/", response=VisitPage, summary="走访记录列表", description="账号范围内的走访记录，新的在前；分页不计总数。"
)
@scoped
def list_visits(request, params: Query[VisitQuery]):
    filters = queries.VisitFilters(
        place=params.place or "",
        mode=params.mode or "",
        household=params.household,
        since=params.since,
        until=params.until,
        mine=params.mine,
    )
    rows, next_offset = slice_of(queries.visits_for(request.user, filters), limit=params.limit, offset=params.offset)
    return {"items": _with_visitors(rows), "limit": params.limit, "offset": params.offset, "next_offset": next_offset}


@router.get("/today", response=TodayOut, summary="今日计划", description="待走访户和待探访的关爱对象，逾期的在前。")
@scoped
def today(request):
    plan = queries.today_plan(request.user)
    return {
        "today": plan.today,
        "horizon": plan.horizon,
        "households": [
            {
                "household_id": row.household.pk,
                "number": row.household.number,
                "address": row.household.address,
                "status": row.status,
                "due_on": row.due_on,
                "last_visited_at": row.last_visited_at,
            }
            for row in plan.households
        ],
        "households_more": plan.households_more,
        "checks": [
            {
                "vulnerable_member_id": m.pk,
                "household_id": m.household_id,
                "name": m.resident.name,
                "category": m.category,
                "category_label": m.get_category_display(),
                "next_check_on": m.next_check_on,
            }
            for m in plan.checks
        ],
        "checks_more": plan.checks_more,
    }


@router.get(
    "/coverage",
    response=CoverageOut,
    summary="走访覆盖",
    description="按网格和网格员：户数、周期内已走访、到期、逾期。",
)
@scoped
def coverage(
    request, place: str | None = Query(None, pattern=r"^\d{2,24}$", description="地域代码，默认为账号所属地域")
):
    report = queries.coverage(request.user, queries.coverage_place(request.user, place))

    def row(r):
        return {**{k: getattr(r, k) for k in CoverageRowOut.model_fields if k != "rate"}, "rate": r.rate}

    return {
        "place_code": report.place.code,
        "place_name": report.place.name,
        "since": report.since,
        "total": row(report.total),
        "grids": [row(r) for r in report.grids],
        "workers": [row(r) for r in report.workers],
    }


@router.get("/{int:pk}", response=VisitOut, summary="走访记录详情", description="不在账号范围内时返回 404。")
@scoped
def get_visit(request, pk: int):
    return _with_visitors([queries.visit_for(request.user, pk)])[0]


@router.post(
    "/",
    response={201: VisitOut, 200: VisitOut, 400: ErrorOut, 403: ErrorOut},
    summary="登记走访",
    description="按 client_uuid 幂等：首次创建返回 201，同一 client_uuid 再次提交返回 200 与原记录，不重复创建。",
)
@scoped
def create_visit(request, body: VisitIn):
    household = queries.household_for(request.user, body.household_id)
    member = None
    if body.vulnerable_member_id is not None:
        member = VulnerableMember.objects.for_user(request.user).filter(pk=body.vulnerable_member_id).first()
        if member is None:
            return 400, {"detail": "关爱对象不存在", "errors": {"vulnerable_member": ["关爱对象不存在"]}}
    visitors = list(User.objects.select_related("place").filter(pk__in=body.visitor_ids))
    if len(visitors) != len(set(body.visitor_ids)):
        return 400, {"detail": "走访人不存在", "errors": {"visitors": ["走访人不存在"]}}
    data = actions.VisitInput(
        household=household,
        visited_at=body.visited_at,
        mode=body.mode,
        people_met=body.people_met,
        findings=body.findings,
        companions=body.companions,
        visitors=visitors or [request.user],
        point=body.point,
        vulnerable_member=member,
        client_uuid=body.client_uuid,
    )
    try:
        visit, created = actions.record_visit(request.user, data)
    except ActionRefused as exc:
        return 403, _error(exc)
    except ValidationError as exc:
        return 400, _error(exc)
    if created:
        return 201, _created(visit)
    visit = get_object_or_404(queries.visits_for(request.user, queries.VisitFilters()), pk=visit.pk)
    return 200, _with_visitors([visit])[0]


def _created(visit):
    """A visit just made carries its visitors already: answer without reading it back."""
    visit.visitor_ids = [v.pk for v in visit.visitor_list]
    visit.visitor_names = [v.display_name or v.username for v in visit.visitor_list]
    visit.refresh_from_db(fields=["visited_at"])  # the same representation (UTC) as a replay's answer
    return visit


class SyncIn(Schema):
    items: list[VisitIn] = Field(max_length=SYNC_MAX, description=f"离线记录，每条须有 client_uuid；最多 {SYNC_MAX} 条")


class SyncResult(Schema):
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")
    status: str = Field(description="created 新建，existing 已存在（此前已上传），rejected 未接受")
    id: int | None = Field(description="走访记录ID（created 或 existing 时）")
    detail: str = Field("", description="未接受的原因")
    errors: dict[str, list[str]] = Field(default_factory=dict, description="按字段的错误")


class SyncOut(Schema):
    results: list[SyncResult] = Field(description="与提交顺序一致的逐条结果")
    created: int = Field(description="新建条数")
    existing: int = Field(description="此前已上传的条数")
    rejected: int = Field(description="未接受的条数")


def _sync_input(user, body: VisitIn, households: dict, members: dict, accounts: dict):
    """The action's input for one queued record, or the reason it is rejected before the action."""
    if body.client_uuid is None:
        return {"detail": "缺少 client_uuid", "errors": {"client_uuid": ["离线记录须有 client_uuid"]}}
    household = households.get(body.household_id)
    if household is None:
        return {"detail": "户不存在或不在您的管辖范围内", "errors": {"household": ["户不存在"]}}
    member = members.get(body.vulnerable_member_id) if body.vulnerable_member_id else None
    if body.vulnerable_member_id and member is None:
        return {"detail": "关爱对象不存在", "errors": {"vulnerable_member": ["关爱对象不存在"]}}
    visitors = [accounts[pk] for pk in body.visitor_ids if pk in accounts]
    if len(visitors) != len(set(body.visitor_ids)):
        return {"detail": "走访人不存在", "errors": {"visitors": ["走访人不存在"]}}
    return actions.VisitInput(
        household=household,
        visited_at=body.visited_at,
        mode=body.mode,
        people_met=body.people_met,
        findings=body.findings,
        companions=body.companions,
        visitors=visitors or [user],
        point=body.point,
        vulnerable_member=member,
        client_uuid=body.client_uuid,
    )


@router.post(
    "/sync",
    response=SyncOut,
    summary="批量上传离线走访",
    description=(
        "一次上传离线队列：逐条按 client_uuid 幂等，已上传过的返回 existing，不会重复创建；"
        "单条被拒不影响其他各条。重复上传同一队列不增加任何记录。"
    ),
)
@scoped
def sync_visits(request, body: SyncIn):
    user = request.user
    items = body.items
    households = {h.pk: h for h in Household.objects.for_user(user).filter(pk__in={i.household_id for i in items})}
    member_ids = {i.vulnerable_member_id for i in items if i.vulnerable_member_id}
    members = {m.pk: m for m in VulnerableMember.objects.for_user(user).filter(pk__in=member_ids)}
    account_ids = {pk for i in items for pk in i.visitor_ids}
    accounts = {u.pk: u for u in User.objects.select_related("place").filter(pk__in=account_ids)}
    inputs = [_sync_input(user, item, households, members, accounts) for item in body.items]
    valid = [data for data in inputs if isinstance(data, actions.VisitInput)]
    outcomes = iter(actions.record_visits(user, valid))
    results = []
    for item, data in zip(body.items, inputs, strict=True):
        result = {"client_uuid": item.client_uuid, "status": "rejected", "id": None, "detail": "", "errors": {}}
        if not isinstance(data, actions.VisitInput):
            results.append({**result, **data})
            continue
        outcome = next(outcomes)
        if outcome.error is not None:
            results.append({**result, **_error(outcome.error)})
        else:
            results.append({**result, "status": "created" if outcome.created else "existing", "id": outcome.visit.pk})
    counts = {status: sum(r["status"] == status for r in results) for status in ("created", "existing", "rejected")}
    return {"results": results, **counts}
