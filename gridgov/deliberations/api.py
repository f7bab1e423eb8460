"""/api/v1/deliberations: villager-group deliberation meetings within the caller's scope.

Creating a meeting is idempotent by ``client_uuid``; a follow-up matter is recorded by the matter engine
and linked to the meeting.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from gridgov.core.access import scoped
from gridgov.core.actions import ActionRefused
from gridgov.core.schemas import ErrorOut, PageOut, PeriodQuery, error_body, page
from gridgov.deliberations import actions, queries
from gridgov.deliberations.choices import Subject
from gridgov.households.models import Household
from gridgov.households.queries import slice_of
from gridgov.matters.choices import MatterKind, RiskColor, SourceChannel
from gridgov.publicity.common import Filters, place_in_scope

router = Router(tags=["议事协商"])


class MatterRefOut(Schema):
    id: int = Field(description="事项ID")
    reference: str = Field(description="受理编号")
    kind: str = Field(description="事项类型")
    title: str = Field(description="标题")
    state: str = Field(description="状态")


class DeliberationOut(Schema):
    id: int = Field(description="议事协商ID")
    path: str = Field(description="村民小组代码")
    group_name: str = Field(description="村民小组")
    held_on: dt.date = Field(description="日期")
    subject: Subject = Field(description="议事内容代码")
    subject_label: str = Field(description="议事内容")
    topic: str = Field(description="议题")
    host: str = Field(description="主持人")
    participants: str = Field(description="参加人员")
    participant_count: int = Field(description="参加人数")
    discussion: str = Field(description="协商情况")
    decisions: str = Field(description="议定事项")
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")

    @staticmethod
    def resolve_group_name(obj) -> str:
        return obj.group.name

    @staticmethod
    def resolve_subject_label(obj) -> str:
        return str(obj.get_subject_display())


class DeliberationDetailOut(DeliberationOut):
    matters: list[MatterRefOut] = Field(description="后续事项（账号可见的）")

    @staticmethod
    def resolve_matters(obj) -> list:
        return obj.matter_list


class DeliberationPage(PageOut):
    items: list[DeliberationOut] = Field(description="本页的议事协商，新的在前")


class DeliberationQuery(PeriodQuery):
    subject: Subject | None = Field(None, description="议事内容")


class DeliberationIn(Schema):
    group_code: str = Field(pattern=r"^\d{14}$", description="村民小组代码，须在账号范围内")
    held_on: dt.date = Field(description="日期")
    subject: Subject = Field(description="议事内容")
    topic: str = Field(min_length=1, max_length=200, description="议题")
    host: str = Field(min_length=1, max_length=100, description="主持人")
    participant_count: int = Field(ge=1, le=10_000, description="参加人数")
    participants: str = Field("", max_length=1000, description="参加人员")
    discussion: str = Field("", max_length=5000, description="协商情况")
    decisions: str = Field(min_length=1, max_length=5000, description="议定事项")
    client_uuid: uuid.UUID | None = Field(
        None, description="客户端生成的记录ID；同一ID重复提交只创建一条记录，重复提交时返回 200 与原记录"
    )


class DeliberationMatterIn(Schema):
    kind: MatterKind = Field(description="事项类型")
    category_code: str = Field(max_length=64, description="事项分类代码（该类型下可选用的分类）")
    title: str = Field(min_length=1, max_length=200, description="标题")
    description: str = Field("", max_length=5000, description="情况描述")
    color: RiskColor = Field(RiskColor.BLUE, description="风险等级")
    channel: SourceChannel = Field(SourceChannel.WALK_IN, description="来源渠道")
    place_code: str | None = Field(None, pattern=r"^\d{14,18}$", description="发生地（本组或其下网格、联户），默认本组")
    household_id: int | None = Field(None, ge=1, description="涉及户ID（须在本组内）")
    recurrence: str = Field("", description="环境问题的整治方式：one_off / recurring / needs_help")


def _detail(user, meeting):
    meeting.matter_list = queries.matters_of(user, meeting)
    return meeting


@router.get("/", response=DeliberationPage, summary="议事协商列表", description="账号范围内的议事协商，新的在前。")
@scoped
def list_deliberations(request, params: Query[DeliberationQuery]):
    filters = Filters(
        place=params.place or "",
        since=params.since,
        until=params.until,
        extra={"subject": params.subject} if params.subject else {},
    )
    rows, next_offset = slice_of(
        queries.deliberations_for(request.user, filters), limit=params.limit, offset=params.offset
    )
    return page(rows, params, next_offset)


@router.get(
    "/{int:pk}", response=DeliberationDetailOut, summary="议事协商详情", description="不在账号范围内时返回 404。"
)
@scoped
def get_deliberation(request, pk: int):
    return _detail(request.user, queries.deliberation_for(request.user, pk))


@router.post(
    "/",
    response={201: DeliberationDetailOut, 200: DeliberationDetailOut, 400: ErrorOut, 403: ErrorOut},
    summary="登记议事协商",
    description="按 client_uuid 幂等：首次创建返回 201，同一 client_uuid 再次提交返回 200 与原记录。",
)
@scoped
def create_deliberation(request, body: DeliberationIn):
    group = place_in_scope(request.user, body.group_code, actions.GROUP_ONLY)
    if group is None:
        return 400, {"detail": "村民小组不存在或不在您的管辖范围内", "errors": {"group": ["村民小组不存在"]}}
    data = actions.DeliberationInput(
        group=group,
        held_on=body.held_on,
        subject=body.subject,
        topic=body.topic,
        host=body.host,
        participant_count=body.participant_count,
        participants=body.participants,
        discussion=body.discussion,
        decisions=body.decisions,
        client_uuid=body.client_uuid,
    )
    try:
        meeting, created = actions.record_deliberation(request.user, data)
    except ActionRefused as exc:
        return 403, error_body(exc)
    except ValidationError as exc:
        return 400, error_body(exc)
    return (201 if created else 200), _detail(request.user, queries.deliberation_for(request.user, meeting.pk))


@router.post(
    "/{int:pk}/matters",
    response={201: MatterRefOut, 400: ErrorOut, 403: ErrorOut},
    summary="议定事项转办",
    description="由事项引擎登记一件位于本组内的事项，并关联到该议事协商。",
)
@scoped
def create_follow_up(request, pk: int, body: DeliberationMatterIn):
    from gridgov.matters.actions import MatterInput
    from gridgov.matters.models import Category

    meeting = queries.deliberation_for(request.user, pk)
    category = Category.objects.filter(code=body.category_code, kind=body.kind, selectable=True, active=True).first()
    if category is None:
        return 400, {"detail": "分类无效", "errors": {"category": ["请选择该类事项下可用的分类"]}}
    place = household = None
    if body.place_code:
        place = place_in_scope(request.user, body.place_code, ("group", "grid", "cluster"))
        if place is None:
            return 400, {"detail": "发生地不存在", "errors": {"place": ["发生地不存在"]}}
    if body.household_id:
        household = Household.objects.for_user(request.user).filter(pk=body.household_id).first()
        if household is None:
            return 400, {"detail": "户不存在", "errors": {"household": ["户不存在"]}}
    data = MatterInput(
        kind=body.kind,
        category=category,
        title=body.title,
        description=body.description,
        channel=body.channel,
        color=body.color,
        household=household,
        place=place,
        recurrence=body.recurrence,
    )
    try:
        matter = actions.record_follow_up_matter(request.user, meeting, data)
    except ActionRefused as exc:
        return 403, error_body(exc)
    except ValidationError as exc:
        return 400, error_body(exc)
    return 201, {
        "id": matter.pk,
        "reference": matter.reference,
        "kind": matter.kind,
        "title": matter.title,
        "state": matter.state,
    }
