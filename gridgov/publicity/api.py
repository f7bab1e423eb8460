"""/api/v1/publicity: publicity events within the caller's scope; creating one is idempotent by ``client_uuid``."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile

from gridgov.core.access import scoped
from gridgov.core.actions import ActionRefused
from gridgov.core.schemas import ErrorOut, PageOut, PeriodQuery, error_body, page
from gridgov.households.queries import slice_of
from gridgov.publicity import actions, queries
from gridgov.publicity.choices import EVENT_PLACE_KINDS, Channel, Topic
from gridgov.publicity.common import Filters, place_in_scope
from gridgov.publicity.models import PublicityPhoto

router = Router(tags=["宣讲活动"])


class PhotoOut(Schema):
    id: int = Field(description="照片ID")
    url: str = Field(description="照片地址（须登录，按地域限定）")
    content_type: str = Field(description="图片类型")
    width: int = Field(description="宽（像素）")
    height: int = Field(description="高（像素）")

    @staticmethod
    def resolve_url(obj: PublicityPhoto) -> str:
        return reverse("publicity:photo", kwargs={"pk": obj.event_id, "photo": obj.pk})


class PublicityEventOut(Schema):
    id: int = Field(description="宣讲活动ID")
    path: str = Field(description="地点代码")
    place_name: str = Field(description="地点")
    held_on: dt.date = Field(description="日期")
    topic: Topic = Field(description="宣讲内容代码")
    topic_label: str = Field(description="宣讲内容")
    title: str = Field(description="主题")
    channel: Channel = Field(description="宣讲方式代码")
    channel_label: str = Field(description="宣讲方式")
    speaker: str = Field(description="宣讲人")
    attendance: int = Field(description="受众人次")
    summary: str = Field(description="活动情况")
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")

    @staticmethod
    def resolve_place_name(obj) -> str:
        return obj.place.name

    @staticmethod
    def resolve_topic_label(obj) -> str:
        return str(obj.get_topic_display())

    @staticmethod
    def resolve_channel_label(obj) -> str:
        return str(obj.get_channel_display())


class PublicityEventDetailOut(PublicityEventOut):
    photos: list[PhotoOut] = Field(description="照片")

    @staticmethod
    def resolve_photos(obj) -> list:
        return obj.photos_list


class EventPage(PageOut):
    items: list[PublicityEventOut] = Field(description="本页的宣讲活动，新的在前")


class EventQuery(PeriodQuery):
    topic: Topic | None = Field(None, description="宣讲内容")
    channel: Channel | None = Field(None, description="宣讲方式")


class EventIn(Schema):
    place_code: str = Field(pattern=r"^\d{12,16}$", description="地点代码：村（社区）、村民小组或网格，须在账号范围内")
    held_on: dt.date = Field(description="日期")
    topic: Topic = Field(description="宣讲内容")
    title: str = Field(min_length=1, max_length=200, description="主题")
    channel: Channel = Field(description="宣讲方式")
    speaker: str = Field(min_length=1, max_length=100, description="宣讲人")
    attendance: int = Field(0, ge=0, le=100_000, description="受众人次")
    summary: str = Field("", max_length=5000, description="活动情况")
    client_uuid: uuid.UUID | None = Field(
        None, description="客户端生成的记录ID；同一ID重复提交只创建一条记录，重复提交时返回 200 与原记录"
    )


def _detail(event):
    event.photos_list = queries.photos_of(event)
    return event


@router.get("/", response=EventPage, summary="宣讲活动列表", description="账号范围内的宣讲活动，新的在前。")
@scoped
def list_events(request, params: Query[EventQuery]):
    filters = Filters(
        place=params.place or "",
        since=params.since,
        until=params.until,
        extra={k: v for k, v in (("topic", params.topic), ("channel", params.channel)) if v},
    )
    rows, next_offset = slice_of(queries.events_for(request.user, filters), limit=params.limit, offset=params.offset)
    return page(rows, params, next_offset)


@router.get(
    "/{int:pk}", response=PublicityEventDetailOut, summary="宣讲活动详情", description="不在账号范围内时返回 404。"
)
@scoped
def get_event(request, pk: int):
    return _detail(queries.event_for(request.user, pk))


@router.post(
    "/",
    response={201: PublicityEventDetailOut, 200: PublicityEventDetailOut, 400: ErrorOut, 403: ErrorOut},
    summary="登记宣讲活动",
    description="按 client_uuid 幂等：首次创建返回 201，同一 client_uuid 再次提交返回 200 与原记录。",
)
@scoped
def create_event(request, body: EventIn):
    place = place_in_scope(request.user, body.place_code, EVENT_PLACE_KINDS)
    if place is None:
        return 400, {"detail": "地点不存在或不在您的管辖范围内", "errors": {"place": ["地点不存在"]}}
    data = actions.EventInput(
        place=place,
        held_on=body.held_on,
        topic=body.topic,
        title=body.title,
        channel=body.channel,
        speaker=body.speaker,
        attendance=body.attendance,
        summary=body.summary,
        client_uuid=body.client_uuid,
    )
    try:
        event, created = actions.record_event(request.user, data)
    except ActionRefused as exc:
        return 403, error_body(exc)
    except ValidationError as exc:
        return 400, error_body(exc)
    return (201 if created else 200), _detail(queries.event_for(request.user, event.pk))


@router.post(
    "/{int:pk}/photos",
    response={201: list[PhotoOut], 400: ErrorOut, 403: ErrorOut},
    summary="上传活动照片",
    description="multipart 表单字段 photos，可多张；只接受 JPEG、PNG、WebP 图片（按内容检查），每场最多 9 张。",
)
@scoped
def add_photos(request, pk: int, photos: File[list[UploadedFile]]):
    event = queries.event_for(request.user, pk)
    try:
        made = actions.add_photos(request.user, event, list(photos))
    except ActionRefused as exc:
        return 403, error_body(exc)
    except ValidationError as exc:
        return 400, error_body(exc)
    return 201, made
