"""/api/v1/cleanups: responsibility areas and clean-up rounds within the caller's scope.

Recording a round (with the problems it found) and recording a problem are idempotent by ``client_uuid``;
every problem becomes an environment matter recorded by the matter engine.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Field, Query, Router, Schema

from gridgov.cleanups import actions, queries
from gridgov.cleanups.models import ResponsibilityArea
from gridgov.core.access import scoped
from gridgov.core.actions import ActionRefused
from gridgov.core.schemas import ErrorOut, PageOut, PeriodQuery, error_body, page
from gridgov.households.queries import slice_of
from gridgov.matters.choices import Recurrence, RiskColor
from gridgov.matters.models import Category
from gridgov.publicity.common import Filters, place_in_scope

router = Router(tags=["环境整治"])


class AreaOut(Schema):
    id: int = Field(description="责任区ID")
    path: str = Field(description="所属地域代码")
    place_name: str = Field(description="所属")
    name: str = Field(description="责任区名称")
    responsible: str = Field(description="责任人")
    members: str = Field(description="责任人员")
    covers: list[str] = Field(description="包含村庄（村、组）")
    active: bool = Field(description="启用")
    round_count: int = Field(description="整治轮次")
    last_round: dt.date | None = Field(description="最近整治日期")

    @staticmethod
    def resolve_place_name(obj) -> str:
        return obj.place.name

    @staticmethod
    def resolve_covers(obj) -> list[str]:
        return obj.cover_names


class ProblemOut(Schema):
    id: int = Field(description="问题ID")
    path: str = Field(description="地点代码")
    place_name: str = Field(description="地点")
    category_code: str = Field(description="问题类别代码")
    category_name: str = Field(description="问题类别")
    description: str = Field(description="问题描述")
    recurrence: Recurrence = Field(
        description="整治方式：one_off 一次性解决，recurring 常态化整治，needs_help 需上级帮助"
    )
    matter_id: int | None = Field(description="环境事项ID")
    matter_reference: str | None = Field(description="事项受理编号")
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")

    @staticmethod
    def resolve_place_name(obj) -> str:
        return obj.place.name

    @staticmethod
    def resolve_category_code(obj) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.category.name

    @staticmethod
    def resolve_matter_reference(obj) -> str | None:
        return obj.matter.reference if obj.matter_id else None


class RoundOut(Schema):
    id: int = Field(description="整治记录ID")
    path: str = Field(description="责任区所属地域代码")
    area_id: int = Field(description="责任区ID")
    area_name: str = Field(description="责任区")
    held_on: dt.date = Field(description="日期")
    participant_count: int = Field(description="参与人数")
    participants: str = Field(description="参与人员")
    summary: str = Field(description="整治情况")
    client_uuid: uuid.UUID | None = Field(description="客户端记录ID")

    @staticmethod
    def resolve_area_name(obj) -> str:
        return obj.area.name


class RoundDetailOut(RoundOut):
    problems: list[ProblemOut] = Field(description="发现的问题")

    @staticmethod
    def resolve_problems(obj) -> list:
        return obj.problem_list


class RoundPage(PageOut):
    items: list[RoundOut] = Field(description="本页的整治记录，新的在前")


class RoundQuery(PeriodQuery):
    area: int | None = Field(None, ge=1, description="责任区ID")


class ProblemIn(Schema):
    place_code: str = Field(pattern=r"^\d{12,18}$", description="地点（责任区内的村、组、网格或联户）")
    category_code: str = Field(max_length=64, description="环境问题分类代码，如 environment.rubbish")
    description: str = Field(min_length=1, max_length=500, description="问题描述")
    recurrence: Recurrence = Field(description="整治方式")
    color: RiskColor = Field(RiskColor.BLUE, description="风险等级")
    client_uuid: uuid.UUID | None = Field(None, description="客户端生成的记录ID；重复提交不重复登记")


class RoundIn(Schema):
    area_id: int = Field(ge=1, description="责任区ID（须在账号范围内）")
    held_on: dt.date = Field(description="日期")
    participant_count: int = Field(ge=1, le=10_000, description="参与人数")
    participants: str = Field("", max_length=1000, description="参与人员")
    summary: str = Field("", max_length=5000, description="整治情况")
    problems: list[ProblemIn] = Field(default_factory=list, max_length=actions.MAX_PROBLEMS, description="发现的问题")
    client_uuid: uuid.UUID | None = Field(
        None, description="客户端生成的记录ID；同一ID重复提交只创建一条记录，重复提交时返回 200 与原记录"
    )


class _Refused(Exception):
    def __init__(self, body: dict):
        self.body = body


def _problem_input(user, body: ProblemIn) -> actions.ProblemInput:
    place = place_in_scope(user, body.place_code, actions.PROBLEM_PLACE_KINDS)
    if place is None:
        raise _Refused({"detail": "地点不存在或不在您的管辖范围内", "errors": {"place": ["地点不存在"]}})
    category = Category.objects.filter(code=body.category_code, kind="environment").first()
    if category is None:
        raise _Refused({"detail": "问题类别无效", "errors": {"category": ["请选择环境问题的分类"]}})
    return actions.ProblemInput(
        place=place,
        category=category,
        description=body.description,
        recurrence=body.recurrence,
        color=body.color,
        client_uuid=body.client_uuid,
    )


def _detail(user, pk: int):
    found = queries.round_for(user, pk)
    found.problem_list = queries.problems_of(user, found)
    return found


@router.get("/areas", response=list[AreaOut], summary="环境卫生责任区", description="账号范围内的责任区。")
@scoped
def list_areas(request):
    areas = list(queries.areas_for(request.user))
    queries.covers_of(areas)
    return areas


@router.get("/", response=RoundPage, summary="环境整治列表", description="账号范围内的整治记录，新的在前。")
@scoped
def list_rounds(request, params: Query[RoundQuery]):
    filters = Filters(place=params.place or "", since=params.since, until=params.until)
    if params.area:
        filters.extra["area_id"] = params.area
    rows = queries.round_rows(queries.rounds_for(request.user, filters))
    items, next_offset = slice_of(rows, limit=params.limit, offset=params.offset)
    return page(items, params, next_offset)


@router.get("/{int:pk}", response=RoundDetailOut, summary="环境整治详情", description="不在账号范围内时返回 404。")
@scoped
def get_round(request, pk: int):
    return _detail(request.user, pk)


@router.post(
    "/",
    response={201: RoundDetailOut, 200: RoundDetailOut, 400: ErrorOut, 403: ErrorOut},
    summary="登记环境整治",
    description=(
        "连同发现的问题一并登记，每个问题登记为一件环境事项（整治方式即事项的整治方式）。"
        "按 client_uuid 幂等：首次创建返回 201，同一 client_uuid 再次提交返回 200 与原记录，不重复登记问题。"
    ),
)
@scoped
def create_round(request, body: RoundIn):
    user = request.user
    area = ResponsibilityArea.objects.for_user(user).filter(pk=body.area_id).select_related("place").first()
    if area is None:
        return 400, {"detail": "责任区不存在或不在您的管辖范围内", "errors": {"area": ["责任区不存在"]}}
    try:
        problems = [_problem_input(user, p) for p in body.problems]
    except _Refused as exc:
        return 400, exc.body
    data = actions.RoundInput(
        area=area,
        held_on=body.held_on,
        participant_count=body.participant_count,
        participants=body.participants,
        summary=body.summary,
        problems=problems,
        client_uuid=body.client_uuid,
    )
    try:
        made, created = actions.record_round(user, data)
    except ActionRefused as exc:
        return 403, error_body(exc)
    except ValidationError as exc:
        return 400, error_body(exc)
    return (201 if created else 200), _detail(user, made.pk)


@router.post(
    "/{int:pk}/problems",
    response={201: ProblemOut, 200: ProblemOut, 400: ErrorOut, 403: ErrorOut},
    summary="登记整治发现的问题",
    description="登记为一件环境事项并关联到该次整治；按 client_uuid 幂等。",
)
@scoped
def create_problem(request, pk: int, body: ProblemIn):
    found = queries.round_for(request.user, pk)
    try:
        data = _problem_input(request.user, body)
        with transaction.atomic():
            problem, created = actions.record_problem(request.user, found, data)
    except _Refused as exc:
        return 400, exc.body
    except ActionRefused as exc:
        return 403, error_body(exc)
    except ValidationError as exc:
        return 400, error_body(exc)
    problem = next(p for p in queries.problems_of(request.user, found) if p.pk == problem.pk)
    return (201 if created else 200), problem
