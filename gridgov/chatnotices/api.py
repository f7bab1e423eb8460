"""/api/v1/chatnotices: notices to the chat groups and their delivery per group, within the caller's scope.

Sending is idempotent by ``client_uuid``. Each group's delivery carries its method (group robot or by
hand), status, attempts, last error and time sent; deliveries waiting to be forwarded by hand are
marked done with ``POST /deliveries/{id}/sent-by-hand``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from gridgov.chatnotices import actions, queries
from gridgov.chatnotices.choices import DeliveryMethod, DeliveryStatus, NoticeFormat
from gridgov.core.access import scoped
from gridgov.core.actions import ActionRefused
from gridgov.core.schemas import ErrorOut, PageOut, error_body
from gridgov.households.queries import slice_of
from gridgov.places.models import Place

router = Router(tags=["微信群通知"])

MAX_LIMIT = 200


class ChatNoticeOut(Schema):
    id: int = Field(description="通知ID")
    path: str = Field(description="发布单位的地域代码")
    place_name: str = Field(description="发布单位")
    title: str = Field(description="标题")
    body: str = Field(description="正文")
    format: NoticeFormat = Field(description="格式：markdown 或 text")
    copy_text: str = Field(description="手工转发用的文本")
    group_count: int = Field(description="发送群数")
    created_at: dt.datetime = Field(description="发布时间")
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")
    counts: dict[str, int] = Field(description="按状态的送达记录数：pending sending sent awaiting_hand sent_by_hand")

    @staticmethod
    def resolve_place_name(obj) -> str:
        return obj.place.name

    @staticmethod
    def resolve_counts(obj) -> dict[str, int]:
        return {s: getattr(obj, f"n_{s}", 0) for s in queries.STATUS_KEYS}


class ChatNoticePage(PageOut):
    items: list[ChatNoticeOut] = Field(description="本页的群通知，新的在前")


class ChatDeliveryOut(Schema):
    id: int = Field(description="送达记录ID")
    notice_id: int = Field(description="通知ID")
    group_id: int = Field(description="微信群ID")
    group_name: str = Field(description="群名称")
    path: str = Field(description="微信群所在网格代码")
    method: DeliveryMethod = Field(description="方式：robot 群机器人，hand 手工转发")
    status: DeliveryStatus = Field(description="状态")
    status_label: str = Field(description="状态说明")
    attempts: int = Field(description="群机器人已尝试次数")
    next_attempt_at: dt.datetime | None = Field(description="下次尝试时间")
    last_error: str = Field(description="最近一次失败的原因")
    sent_at: dt.datetime | None = Field(description="送达或手工转发时间")
    sent_by_id: int | None = Field(description="手工转发人账号ID")

    @staticmethod
    def resolve_group_name(obj) -> str:
        return obj.group.name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class ChatDeliveryPage(PageOut):
    items: list[ChatDeliveryOut] = Field(description="本页的送达记录（按网格）")


class ChatNoticePaging(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")


class ChatDeliveryQuery(ChatNoticePaging):
    status: str = Field("", pattern=r"^(|pending|sending|sent|awaiting_hand|sent_by_hand|failing)$", description="状态")


class ChatNoticeIn(Schema):
    title: str = Field(min_length=1, max_length=100, description="标题")
    body: str = Field(min_length=1, max_length=4000, description="正文")
    format: NoticeFormat = Field(NoticeFormat.MARKDOWN, description="格式")
    places: list[str] = Field(
        default_factory=list, max_length=200, description="发送范围（村或网格代码）；为空时发送到账号范围内的全部微信群"
    )
    client_uuid: uuid.UUID | None = Field(None, description="客户端生成的记录ID；重复提交返回 200 与原通知，不重复发送")


@router.get("/", response=ChatNoticePage, summary="群通知列表", description="账号范围内发布的群通知，新的在前。")
@scoped
def list_notices(request, params: Query[ChatNoticePaging]):
    rows, next_offset = slice_of(queries.notices_for(request.user), limit=params.limit, offset=params.offset)
    return {"items": rows, "limit": params.limit, "offset": params.offset, "next_offset": next_offset}


@router.get("/{int:pk}", response=ChatNoticeOut, summary="群通知详情", description="不在账号范围内时返回 404。")
@scoped
def get_notice(request, pk: int):
    return queries.notice_for(request.user, pk)


@router.get(
    "/{int:pk}/deliveries",
    response=ChatDeliveryPage,
    summary="群通知的逐群送达记录",
    description="账号范围内各群的送达情况；status=failing 列出群机器人发送失败、等待重试的群。",
)
@scoped
def list_deliveries(request, pk: int, params: Query[ChatDeliveryQuery]):
    notice = queries.notice_for(request.user, pk)
    qs = queries.deliveries_for(request.user, notice, params.status)
    rows, next_offset = slice_of(qs, limit=params.limit, offset=params.offset)
    return {"items": rows, "limit": params.limit, "offset": params.offset, "next_offset": next_offset}


@router.post(
    "/",
    response={201: ChatNoticeOut, 200: ChatNoticeOut, 400: ErrorOut, 403: ErrorOut},
    summary="发布群通知",
    description="发送到所选范围内的全部微信群：接入群机器人的群自动发送（失败自动重试），其余待手工转发。"
    "按 client_uuid 幂等。",
)
@scoped
def send_notice(request, body: ChatNoticeIn):
    codes = set(body.places)
    places = list(Place.objects.for_user(request.user).filter(code__in=codes))
    if len(places) != len(codes):
        return 400, {"detail": "发送范围不存在或不在您的管辖范围内", "errors": {"places": ["地域不存在"]}}
    data = actions.NoticeInput(
        title=body.title, body=body.body, format=body.format, places=places, client_uuid=body.client_uuid
    )
    try:
        notice, created = actions.send_notice(request.user, data)
    except ActionRefused as exc:
        return 403, error_body(exc)
    except ValidationError as exc:
        return 400, error_body(exc)
    return (201 if created else 200), queries.notice_for(request.user, notice.pk)


@router.post(
    "/deliveries/{int:pk}/sent-by-hand",
    response={200: ChatDeliveryOut, 403: ErrorOut},
    summary="标记已手工转发",
    description="群主已把通知文本发到群里。已送达的群返回 403。",
)
@scoped
def sent_by_hand(request, pk: int):
    delivery = queries.delivery_for(request.user, pk)
    try:
        actions.mark_sent_by_hand(request.user, delivery)
    except ActionRefused as exc:
        return 403, error_body(exc)
    return 200, queries.delivery_for(request.user, pk)
