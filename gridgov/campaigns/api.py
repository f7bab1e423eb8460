"""/api/v1/campaigns: campaigns in scope, their checklists, households to check, checks and offline sync.

Checks are idempotent: a record is identified by its ``client_uuid`` and a household has one check
per campaign. Uploading the same content again changes nothing. To change a check, send the
``version`` you edited as ``base_version``; if the server copy changed meanwhile, the answer is 409
with both copies, and nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from gridgov.campaigns import actions, queries
from gridgov.campaigns.choices import CampaignStatus, QuestionKind
from gridgov.campaigns.models import Campaign, HouseholdCheck
from gridgov.core.access import scoped
from gridgov.core.actions import ActionRefused
from gridgov.core.schemas import ErrorOut, PageOut, error_body
from gridgov.households.queries import slice_of
from gridgov.places.api import PlaceRef

router = Router(tags=["摸排"])

MAX_LIMIT = 200
SYNC_MAX = 500


class CampaignQuestionOut(Schema):
    key: str = Field(description="标识：答案以此为键")
    order: int = Field(description="顺序")
    text: str = Field(description="问题")
    kind: QuestionKind = Field(
        description="题型：text 文本，number 数字，date 日期，yes_no 是否，single 单选，multi 多选"
    )
    required: bool = Field(description="是否必答")
    options: list[str] = Field(description="选项（单选、多选）")
    help_text: str = Field(description="填写说明")


class CampaignOut(Schema):
    id: int = Field(description="摸排ID")
    title: str = Field(description="名称")
    status: CampaignStatus = Field(description="状态：draft 草稿，running 进行中，closed 已结束")
    status_label: str = Field(description="状态")
    starts_on: dt.date = Field(description="开始日期")
    ends_on: dt.date = Field(description="结束日期")
    path: str = Field(description="范围的最近共同上级地域代码")
    scope: list[str] = Field(description="范围：地域代码，其下所有户为摸排对象")
    checked: int = Field(description="账号范围内已摸排户数")

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_scope(obj) -> list[str]:
        return actions.scope_codes(obj)


class CampaignProgressRowOut(Schema):
    code: str = Field(description="网格代码（或网格员所在网格）")
    label: str = Field(description="名称")
    target: int = Field(description="目标户数")
    checked: int = Field(description="已摸排户数")
    left: int = Field(description="未摸排户数")
    rate: float = Field(description="完成率（%）")
    recorded: int = Field(description="本人登记的户数（按网格员）")


class CampaignProgressOut(Schema):
    total: CampaignProgressRowOut
    grids: list[CampaignProgressRowOut] = Field(description="按网格")
    workers: list[CampaignProgressRowOut] = Field(description="按网格员")


class CampaignDetailOut(CampaignOut):
    description: str = Field(description="说明")
    scope_places: list[PlaceRef] = Field(description="范围地域")
    questions: list[CampaignQuestionOut] = Field(description="摸排项，按顺序")
    target: int = Field(description="账号范围内目标户数")


class HouseholdCheckOut(Schema):
    id: int = Field(description="摸排记录ID")
    campaign_id: int = Field(description="摸排ID")
    household_id: int = Field(description="户ID")
    checked_by_id: int | None = Field(description="摸排人账号ID")
    checker_name: str = Field(description="摸排人")
    checked_at: dt.datetime = Field(description="摸排时间")
    answers: dict[str, Any] = Field(description="答案，以摸排项标识为键")
    notes: str = Field(description="备注")
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")
    version: int = Field(description="版本：修改时作为 base_version 提交")
    updated_at: dt.datetime = Field(description="最后修改时间")


class HouseholdToCheckOut(Schema):
    household_id: int = Field(description="户ID")
    number: str = Field(description="户编号")
    address: str = Field(description="住址")
    householder: str = Field(description="户主")
    check: HouseholdCheckOut | None = Field(description="已有的摸排记录（未摸排时为 null）")


class CampaignHouseholdPage(PageOut):
    items: list[HouseholdToCheckOut]


class HouseholdCheckIn(Schema):
    household_id: int = Field(ge=1, description="户ID（须在摸排范围和账号范围内）")
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="答案，以摸排项标识为键：文本、数字、日期（YYYY-MM-DD）、true/false、选项或选项列表",
    )
    notes: str = Field("", max_length=1000, description="备注")
    checked_at: dt.datetime | None = Field(None, description="摸排时间（带时区）；为空时为服务器当前时间")
    client_uuid: uuid.UUID | None = Field(None, description="客户端生成的记录ID；重复提交不重复创建")
    base_version: int | None = Field(
        None, ge=1, description="修改已有记录时：所依据的记录版本。与服务器当前版本不符时返回 409 与双方内容"
    )


class CheckConflictOut(Schema):
    detail: str = Field(description="冲突说明")
    server: HouseholdCheckOut = Field(description="服务器上的当前记录")
    client: HouseholdCheckIn = Field(description="本次提交的内容（未保存）")


class CheckSyncItemIn(HouseholdCheckIn):
    campaign_id: int = Field(ge=1, description="摸排ID")


class CheckSyncIn(Schema):
    items: list[CheckSyncItemIn] = Field(
        max_length=SYNC_MAX, description=f"离线记录，每条须有 client_uuid；最多 {SYNC_MAX} 条"
    )


class CheckSyncResult(Schema):
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")
    status: str = Field(
        description=(
            "created 新建，updated 已修改，existing 内容与服务器一致（此前已上传），conflict 冲突，rejected 未接受"
        )
    )
    id: int | None = Field(description="摸排记录ID")
    version: int | None = Field(description="服务器上的记录版本")
    detail: str = Field("", description="未接受或冲突的原因")
    errors: dict[str, list[str]] = Field(default_factory=dict, description="按字段的错误")
    server: HouseholdCheckOut | None = Field(None, description="冲突时服务器上的当前记录")


class CheckSyncOut(Schema):
    results: list[CheckSyncResult] = Field(description="与提交顺序一致的逐条结果")
    created: int
    updated: int
    existing: int
    conflict: int
    rejected: int


class CampaignListQuery(Schema):
    status: CampaignStatus | None = Field(None, description="状态")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=1_000_000, description="跳过的条数")


class CampaignPage(Schema):
    items: list[CampaignOut]
    limit: int
    offset: int
    next_offset: int | None


@router.get("/", response=CampaignPage, summary="摸排列表", description="范围与账号所属地域有交集的摸排，新的在前。")
@scoped
def list_campaigns(request, params: Query[CampaignListQuery]):
    rows, next_offset = slice_of(
        queries.campaigns_for(request.user, status=params.status or ""), limit=params.limit, offset=params.offset
    )
    queries.with_scope(rows)
    return {"items": rows, "limit": params.limit, "offset": params.offset, "next_offset": next_offset}


@router.get("/{int:pk}", response=CampaignDetailOut, summary="摸排详情", description="含摸排项。不在范围内时 404。")
@scoped
def get_campaign(request, pk: int):
    campaign = queries.campaign_for(request.user, pk)
    campaign.checked = queries.checks_for(request.user, campaign).count()
    campaign.target = queries.targets(request.user, campaign).count()
    campaign.scope_places = queries.scope_places(campaign)
    return campaign


@router.get(
    "/{int:pk}/progress",
    response=CampaignProgressOut,
    summary="摸排进度",
    description="目标户数与已摸排户数，按网格和网格员。",
)
@scoped
def get_progress(request, pk: int):
    report = queries.progress(request.user, queries.campaign_for(request.user, pk))

    def row(r):
        return {**{k: getattr(r, k) for k in CampaignProgressRowOut.model_fields}}

    return {
        "total": row(report.total),
        "grids": [row(r) for r in report.grids],
        "workers": [row(r) for r in report.workers],
    }


@router.get(
    "/{int:pk}/households",
    response=CampaignHouseholdPage,
    summary="待摸排户",
    description=(
        "账号范围内的摸排对象户，按地域顺序；unchecked=true 只列出尚未摸排的户。已摸排的户带上当前记录（含版本）。"
    ),
)
@scoped
def list_households(
    request,
    pk: int,
    unchecked: bool = Query(True, description="只列出未摸排的户"),
    limit: int = Query(100, ge=1, le=MAX_LIMIT, description="每页条数"),
    offset: int = Query(0, ge=0, le=10_000_000, description="跳过的条数"),
):
    campaign = queries.campaign_for(request.user, pk)
    if unchecked:
        qs = queries.unchecked(request.user, campaign)
    else:
        qs = (
            queries.targets(request.user, campaign)
            .select_related("householder")
            .only(*queries.HOUSEHOLD_FIELDS)
            .order_by("path", "id")
        )
    rows, next_offset = slice_of(qs, limit=limit, offset=offset)
    checks = {}
    if not unchecked and rows:
        checks = {
            c.household_id: c
            for c in HouseholdCheck.objects.for_user(request.user).filter(campaign=campaign, household__in=rows)
        }
    items = [
        {
            "household_id": h.pk,
            "number": h.number,
            "address": h.address,
            "householder": h.householder.name if h.householder_id else "",
            "check": checks.get(h.pk),
        }
        for h in rows
    ]
    return {"items": items, "limit": limit, "offset": offset, "next_offset": next_offset}


def _input(user, campaign: Campaign, body: HouseholdCheckIn, households: dict | None = None):
    household = (
        households.get(body.household_id)
        if households is not None
        else queries.targets(user, campaign).filter(pk=body.household_id).first()
    )
    if household is None:
        return {"detail": "户不存在或不在摸排范围内", "errors": {"household_id": ["户不存在或不在摸排范围内"]}}
    return actions.CheckInput(
        campaign=campaign,
        household=household,
        answers=body.answers,
        notes=body.notes,
        checked_at=body.checked_at,
        client_uuid=body.client_uuid,
        base_version=body.base_version,
    )


@router.post(
    "/{int:pk}/checks",
    response={
        201: HouseholdCheckOut,
        200: HouseholdCheckOut,
        400: ErrorOut,
        403: ErrorOut,
        409: CheckConflictOut,
    },
    summary="登记摸排",
    description=(
        "首次登记返回 201；内容与服务器一致（重复提交）返回 200 与原记录；修改已有记录须带 base_version，"
        "与服务器当前版本一致则更新并返回 200，不一致返回 409 与双方内容，不覆盖。"
    ),
)
@scoped
def create_check(request, pk: int, body: HouseholdCheckIn):
    campaign = queries.campaign_for(request.user, pk)
    data = _input(request.user, campaign, body)
    if isinstance(data, dict):
        return 400, data
    try:
        check, status = actions.record_check(request.user, data)
    except actions.CheckConflict as exc:
        return 409, {"detail": str(exc), "server": exc.server, "client": body}
    except ActionRefused as exc:
        return 403, error_body(exc)
    except ValidationError as exc:
        return 400, error_body(exc)
    return (201 if status == "created" else 200), check


@router.get("/checks/{int:pk}", response=HouseholdCheckOut, summary="摸排记录", description="不在账号范围内时 404。")
@scoped
def get_check(request, pk: int):
    return queries.check_for(request.user, pk)


@router.post(
    "/sync",
    response=CheckSyncOut,
    summary="批量上传离线摸排",
    description=(
        "一次上传离线队列（可跨多个摸排）：逐条处理，结果与提交顺序一致；重复上传不增加任何记录（existing）；"
        "修改冲突的返回 conflict 与服务器当前记录；单条被拒不影响其他各条。"
    ),
)
@scoped
def sync_checks(request, body: CheckSyncIn):
    user = request.user
    campaigns = {
        c.pk: c
        for c in queries.with_scope(
            list(Campaign.objects.for_user(user).filter(pk__in={i.campaign_id for i in body.items}))
        )
    }
    households_by_campaign: dict[int, dict] = {}
    for campaign in campaigns.values():
        ids = {i.household_id for i in body.items if i.campaign_id == campaign.pk}
        households_by_campaign[campaign.pk] = {h.pk: h for h in queries.targets(user, campaign).filter(pk__in=ids)}
    inputs: list = []
    for item in body.items:
        campaign = campaigns.get(item.campaign_id)
        if item.client_uuid is None:
            inputs.append({"detail": "缺少 client_uuid", "errors": {"client_uuid": ["离线记录须有 client_uuid"]}})
        elif campaign is None:
            inputs.append({"detail": "摸排不存在或不在您的管辖范围内", "errors": {"campaign_id": ["摸排不存在"]}})
        else:
            inputs.append(_input(user, campaign, item, households_by_campaign[campaign.pk]))
    valid = [d for d in inputs if isinstance(d, actions.CheckInput)]
    outcomes = iter(actions.record_checks(user, valid))
    results = []
    for item, data in zip(body.items, inputs, strict=True):
        result = {"client_uuid": item.client_uuid, "status": "rejected", "id": None, "version": None, "server": None}
        if not isinstance(data, actions.CheckInput):
            results.append({**result, **data})
            continue
        outcome = next(outcomes)
        if outcome.status == "rejected":
            results.append({**result, **error_body(outcome.error)})
        elif outcome.status == "conflict":
            check = outcome.check
            results.append(
                {**result, "status": "conflict", "id": check.pk, "version": check.version, "server": check}
                | {"detail": str(outcome.error)}
            )
        else:
            check = outcome.check
            results.append({**result, "status": outcome.status, "id": check.pk, "version": check.version})
    statuses = ("created", "updated", "existing", "conflict", "rejected")
    return {"results": results, **{s: sum(r["status"] == s for r in results) for s in statuses}}
