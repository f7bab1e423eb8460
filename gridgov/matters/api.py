"""/api/v1/matters: matters in the caller's scope, their timeline, and one POST per action.

Reads go through `Matter.objects.for_user(request.user)` (out of scope: 404). Every change is one
function of `gridgov.matters.actions`, so the API allows exactly what the pages allow:
a refusal comes back as 403 ``{"detail": message}`` (409 when the matter's state is what forbids it),
invalid input as 422 with messages per field. Reporter phones are only ever given masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from gridgov.accounts.choices import BUSINESS_ROLES, Role
from gridgov.core.access import roles
from gridgov.core.actions import ActionRefused as CoreActionRefused
from gridgov.core.schemas import ErrorOut, PageOut
from gridgov.households.models import Household, Resident
from gridgov.matters import actions, policy, queries
from gridgov.matters.choices import (
    LEVEL_CODE_LENGTH,
    AnswerType,
    CardColor,
    FeedbackMethod,
    FeedbackVerdict,
    Level,
    MatterKind,
    MatterState,
    MediationOutcome,
    Recurrence,
    ReporterType,
    RiskColor,
    SourceChannel,
)
from gridgov.matters.models import (
    Attachment,
    Category,
    Department,
    Feedback,
    Matter,
    MatterEvent,
    MediationAgreement,
    MediationSession,
    Supervision,
)
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place

router = Router(tags=["事项"])

# The matter pages' marker: the business roles and the departments' liaisons (who reply to matters routed to them).
matter_roles = roles(*sorted(BUSINESS_ROLES), Role.DEPARTMENT_LIAISON)

MAX_LIMIT = 200
REFUSALS = (actions.ActionRefused, CoreActionRefused)


# ---------------------------------------------------------------- schemas


class UnitOut(Schema):
    code: str = Field(description="单位（地域）代码")
    name: str = Field(description="名称")


class MatterOut(Schema):
    id: int = Field(description="事项ID")
    reference: str = Field(description="受理编号，如 JF-2026-000123")
    kind: MatterKind = Field(description="事项类型代码")
    kind_label: str = Field(description="事项类型")
    category_id: int = Field(description="分类ID")
    category_name: str = Field(description="分类")
    title: str = Field(description="标题")
    color: RiskColor = Field(description="风险等级代码：red、yellow、blue")
    state: MatterState = Field(description="状态代码")
    state_label: str = Field(description="状态")
    level: Level = Field(description="所在层级")
    holder: UnitOut = Field(description="承办单位")
    holder_department: str | None = Field(description="承办部门（交办时）")
    path: str = Field(description="发生地代码")
    place_name: str = Field(description="发生地")
    deadline_at: dt.datetime | None = Field(description="本级办理时限")
    overdue: bool = Field(description="是否超期")
    card: str = Field(description="本级督办：yellow 黄牌、red 红牌，空为无")
    possible_duplicate: bool = Field(description="疑似重复")
    created_at: dt.datetime = Field(description="登记时间")


class MatterPage(PageOut):
    items: list[MatterOut] = Field(description="本页事项")


class EventOut(Schema):
    id: int
    at: dt.datetime = Field(description="时间")
    actor_name: str = Field(description="操作人")
    action: str = Field(description="动作代码")
    action_label: str = Field(description="动作")
    from_state: str = Field(description="原状态代码")
    to_state: str = Field(description="新状态代码")
    from_level: str = Field(description="原层级代码")
    to_level: str = Field(description="新层级代码")
    to_unit: str | None = Field(description="新承办单位")
    to_department: str | None = Field(description="新承办部门")
    note: str = Field(description="说明")
    data: dict = Field(description="数据")


class MediationOut(Schema):
    id: int
    scheduled_for: dt.datetime = Field(description="调解时间")
    venue: str = Field(description="调解地点")
    parties: str = Field(description="当事人")
    mediators: list[str] = Field(description="调解人员")
    outcome: str = Field(description="调解结果代码：success、failure，空为待调解")
    held_at: dt.datetime | None = Field(description="实际调解时间")
    summary: str = Field(description="调解情况")
    level: str = Field(description="组织层级")


class AgreementOut(Schema):
    id: int
    number: str = Field(description="协议书编号")
    organisation: str = Field(description="调解组织")
    signed_on: dt.date = Field(description="签订日期")
    terms: str = Field(description="协议内容")
    mediator_names: str = Field(description="调解员")


class FeedbackOut(Schema):
    id: int
    method: str = Field(description="回访方式代码")
    contacted_at: dt.datetime = Field(description="回访时间")
    said: str = Field(description="反映人意见")
    satisfaction: int | None = Field(description="满意度 1-5")
    verdict: str = Field(description="是否认可：accepted、rejected")


class AttachmentOut(Schema):
    id: int
    kind: str = Field(description="类别：photo 照片、document 文件（按文件内容判定）")
    content_type: str = Field(description="文件类型（按文件内容判定）")
    original_name: str = Field(description="文件名（扩展名按实际类型）")
    size: int = Field(description="大小（字节）")
    sha256: str = Field(description="SHA-256")
    caption: str = Field(description="说明")
    created_at: dt.datetime = Field(description="上传时间")
    download: str = Field(description="下载地址（需登录且在账号范围内）")


class SupervisionOut(Schema):
    id: int
    color: str = Field(description="督办等级：yellow 黄牌、red 红牌")
    level: str = Field(description="被督办层级")
    holder: str = Field(description="被督办单位或部门")
    reason: str = Field(description="督办事由")
    issued_at: dt.datetime = Field(description="督办时间")
    manual: bool = Field(description="人工督办（否则为超期自动督办）")
    issued_by: str | None = Field(description="督办人")


class MatterDetail(MatterOut):
    description: str = Field(description="情况描述")
    extra: dict = Field(description="附加信息（按分类的附加字段）")
    channel: SourceChannel = Field(description="来源渠道")
    reporter_type: ReporterType = Field(description="反映人类型")
    reporter_name: str = Field(description="反映人（匿名时为“匿名”）")
    reporter_phone_masked: str = Field(description="反映人电话（脱敏）")
    household_id: int | None = Field(description="涉及户ID")
    point: dict | None = Field(description="位置（GeoJSON Point）")
    result: str = Field(description="办理结果")
    resolved_at: dt.datetime | None = Field(description="办结时间")
    closed_at: dt.datetime | None = Field(description="结案时间")
    answer_type: str = Field(description="诉求类型：answer 解答类、handling 办理类")
    recurrence: str = Field(description="环境问题整治方式")
    next_recurrence: dt.date | None = Field(description="下次整治日期")
    duplicate_of_id: int | None = Field(description="合并到的事项ID")
    available_actions: list[str] = Field(description="当前账号现在可做的动作")
    events: list[EventOut] = Field(description="流转记录（时间顺序）")
    mediations: list[MediationOut] = Field(description="调解记录")
    agreements: list[AgreementOut] = Field(description="调解协议")
    feedbacks: list[FeedbackOut] = Field(description="回访记录")
    attachments: list[AttachmentOut] = Field(description="附件")
    supervisions: list[SupervisionOut] = Field(description="督办（新的在前）")


class MatterQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")
    kind: MatterKind | None = Field(None, description="事项类型")
    category: int | None = Field(None, ge=1, description="分类ID")
    color: RiskColor | None = Field(None, description="风险等级")
    state: MatterState | None = Field(None, description="状态")
    open: bool | None = Field(None, description="true 只列未结，false 只列已结")
    place: str | None = Field(None, pattern=r"^\d{2,24}$", description="发生地（代码）及其下级")
    since: dt.date | None = Field(None, description="登记日期不早于")
    until: dt.date | None = Field(None, description="登记日期不晚于")
    q: str | None = Field(None, max_length=100, description="在标题和描述中检索（中文按词，两个字也可）")
    queue: bool = Field(False, description="只列出本人待办（我的工作队列，超期的在前）")


class ReporterIn(Schema):
    type: ReporterType = Field(ReporterType.ANONYMOUS, description="反映人类型")
    resident_id: int | None = Field(None, ge=1, description="本地居民的居民ID（type=resident）")
    name: str = Field("", max_length=50, description="其他人员的姓名（type=outsider）")
    phone: str = Field("", max_length=20, description="其他人员的电话（只保存密文和脱敏值）")


class MatterIn(Schema):
    kind: MatterKind = Field(description="事项类型")
    category_id: int = Field(ge=1, description="分类ID（须为该类型下可选用的分类）")
    title: str = Field(max_length=200, description="标题")
    description: str = Field("", max_length=5000, description="情况描述")
    channel: SourceChannel = Field(description="来源渠道")
    color: RiskColor = Field(description="风险等级")
    reporter: ReporterIn = Field(default_factory=ReporterIn, description="反映人")
    household_id: int | None = Field(None, ge=1, description="涉及户ID")
    place: str | None = Field(None, pattern=r"^\d{6,24}$", description="发生地代码（无涉及户时必填）")
    point: dict | None = Field(None, description="位置（GeoJSON Point）")
    extra: dict[str, Any] = Field(default_factory=dict, description="附加字段")
    answer_type: AnswerType | None = Field(None, description="诉求：解答类或办理类")
    recurrence: Recurrence | None = Field(None, description="环境问题：整治方式")
    report_up: bool = Field(False, description="登记并上报：登记后即上报上一级，两步同时生效或都不生效")
    report_reason: str = Field("", max_length=2000, description="上报理由；不填则记为“登记时即上报”")


class NoteIn(Schema):
    note: str = Field("", max_length=2000, description="说明")


class ReasonIn(Schema):
    reason: str = Field(max_length=2000, description="理由")


class ResolveIn(Schema):
    result: str = Field(max_length=5000, description="处置情况")
    succeeded: bool = Field(True, description="是否化解；false 记为一次未成功的处置，事项继续办理")
    recurrence: Recurrence | None = Field(None, description="环境问题的整治方式")
    next_recurrence: dt.date | None = Field(None, description="常态化整治的下次日期")


class ReportUpIn(Schema):
    reason: str = Field(max_length=2000, description="上报理由")
    to_level: Level | None = Field(None, description="上报到的层级；默认上一级，红色事项可越级")


class RouteIn(Schema):
    department_id: int = Field(ge=1, description="部门ID")
    note: str = Field("", max_length=2000, description="交办说明")


class ResultIn(Schema):
    result: str = Field(max_length=5000, description="办理结果")


class SendBackIn(Schema):
    result: str = Field("", max_length=5000, description="办理结果；空时用已有结果")
    to_level: Level | None = Field(None, description="下发到的层级；默认最基层单位")


class MergeIn(Schema):
    original_id: int = Field(ge=1, description="原事项ID")
    note: str = Field("", max_length=2000, description="说明")


class ScheduleIn(Schema):
    scheduled_for: dt.datetime = Field(description="调解时间")
    mediator_ids: list[int] = Field(min_length=1, max_length=20, description="调解人员（任职记录ID）")
    venue: str = Field("", max_length=200, description="调解地点")
    parties: str = Field("", max_length=2000, description="当事人")


class MediationIn(Schema):
    outcome: MediationOutcome = Field(description="调解结果")
    session_id: int | None = Field(None, ge=1, description="已安排的调解ID；空时记一次未安排的调解（须给调解人员）")
    summary: str = Field("", max_length=5000, description="调解情况")
    agreement_text: str = Field("", max_length=5000, description="达成协议内容")
    parties: str = Field("", max_length=2000, description="当事人")
    held_at: dt.datetime | None = Field(None, description="实际调解时间")
    mediator_ids: list[int] = Field(default_factory=list, max_length=20, description="调解人员（未安排时）")


class AgreementIn(Schema):
    number: str = Field(max_length=64, description="协议书编号")
    organisation: str = Field(max_length=100, description="调解组织")
    parties: list[dict[str, str]] = Field(description="当事人 [{name, role, address, contact}]")
    facts: str = Field(max_length=5000, description="纠纷主要事实、争议事项")
    terms: str = Field(max_length=5000, description="协议内容")
    signed_on: dt.date = Field(description="签订日期")
    performance: str = Field("", max_length=2000, description="履行方式、时限")
    mediator_names: str = Field("", max_length=200, description="调解员")
    session_id: int | None = Field(None, ge=1, description="对应的调解ID")


class AnswerIn(Schema):
    answer_type: AnswerType = Field(description="解答类或办理类")
    text: str = Field(max_length=5000, description="答复内容")


class RectifyIn(Schema):
    measures: str = Field(max_length=5000, description="整改措施")


class ReinspectIn(Schema):
    passed: bool = Field(description="复查是否通过")
    note: str = Field(max_length=5000, description="复查情况")


class ProxyIn(Schema):
    steward_id: int = Field(ge=1, description="红管家（任职记录ID）")
    result: str = Field(max_length=5000, description="代办结果")


class FeedbackIn(Schema):
    method: FeedbackMethod = Field(description="回访方式")
    contacted_at: dt.datetime = Field(description="回访时间")
    said: str = Field(max_length=5000, description="反映人意见")
    verdict: FeedbackVerdict = Field(description="是否认可")
    satisfaction: int | None = Field(None, ge=1, le=5, description="满意度 1-5")


# ---------------------------------------------------------------- helpers

LIST_RELATED = ("category", "holder_place", "holder_department", "place")


def _error(exc: Exception) -> dict:
    if isinstance(exc, ValidationError):
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
        return {"detail": "；".join(exc.messages), "errors": errors}
    return {"detail": str(exc), "errors": {}}


def _invalid(field: str, message: str) -> tuple[int, dict]:
    return 422, {"detail": message, "errors": {field: [message]}}


def _refused(exc: Exception) -> tuple[int, dict]:
    status = 409 if isinstance(exc, actions.StateRefused) else 403
    return status, _error(exc)


def _scoped(request):
    return Matter.objects.for_user(request.user)


def _matter(request, pk: int) -> Matter:
    return get_object_or_404(_scoped(request).select_related("holder_place", "holder_department"), pk=pk)


def _detail(user, pk: int) -> Matter:
    matter = get_object_or_404(
        Matter.objects.for_user(user)
        .select_related(*LIST_RELATED, "reporter_resident")
        .prefetch_related(
            Prefetch("events", MatterEvent.objects.select_related("to_unit", "to_department").order_by("at", "id")),
            Prefetch(
                "mediations",
                MediationSession.objects.prefetch_related("mediators").order_by("scheduled_for", "id"),
            ),
            Prefetch("agreements", MediationAgreement.objects.order_by("signed_on", "id")),
            Prefetch("feedbacks", Feedback.objects.order_by("contacted_at", "id")),
            Prefetch("attachments", Attachment.objects.order_by("id")),
            Prefetch(
                "supervisions",
                Supervision.objects.select_related("holder_place", "holder_department", "issued_by").order_by(
                    "-issued_at", "-id"
                ),
            ),
        ),
        pk=pk,
    )
    return matter


def _summary(m: Matter) -> dict:
    return {
        "id": m.pk,
        "reference": m.reference,
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "category_id": m.category_id,
        "category_name": m.category.name,
        "title": m.title,
        "color": m.color,
        "state": m.state,
        "state_label": m.get_state_display(),
        "level": m.level,
        "holder": {"code": m.holder_place.code, "name": m.holder_place.name},
        "holder_department": m.holder_department.name if m.holder_department_id else None,
        "path": m.path,
        "place_name": m.place.name,
        "deadline_at": m.deadline_at,
        "overdue": m.overdue,
        "card": m.card,
        "possible_duplicate": m.possible_duplicate,
        "created_at": m.created_at,
    }


def _detail_out(user, matter: Matter) -> dict:
    out = _summary(matter)
    if matter.reporter_type == ReporterType.RESIDENT and matter.reporter_resident_id:
        reporter_name, phone = matter.reporter_resident.name, matter.reporter_resident.phone_masked
    else:
        reporter_name, phone = matter.reporter_display, matter.reporter_phone_masked
    out.update(
        description=matter.description,
        extra=matter.extra or {},
        channel=matter.channel,
        reporter_type=matter.reporter_type,
        reporter_name=reporter_name,
        reporter_phone_masked=phone,
        household_id=matter.household_id,
        point=matter.point,
        result=matter.result,
        resolved_at=matter.resolved_at,
        closed_at=matter.closed_at,
        answer_type=matter.answer_type,
        recurrence=matter.recurrence,
        next_recurrence=matter.next_recurrence,
        duplicate_of_id=matter.duplicate_of_id,
        available_actions=policy.available_actions(user, matter),
        events=[
            {
                "id": e.pk,
                "at": e.at,
                "actor_name": e.actor_name,
                "action": e.action,
                "action_label": e.get_action_display(),
                "from_state": e.from_state,
                "to_state": e.to_state,
                "from_level": e.from_level,
                "to_level": e.to_level,
                "to_unit": e.to_unit.name if e.to_unit_id else None,
                "to_department": e.to_department.name if e.to_department_id else None,
                "note": e.note,
                "data": e.data or {},
            }
            for e in matter.events.all()
        ],
        mediations=[
            {
                "id": s.pk,
                "scheduled_for": s.scheduled_for,
                "venue": s.venue,
                "parties": s.parties,
                "mediators": [p.person_name for p in s.mediators.all()],
                "outcome": s.outcome,
                "held_at": s.held_at,
                "summary": s.summary,
                "level": s.level,
            }
            for s in matter.mediations.all()
        ],
        agreements=[
            {
                "id": a.pk,
                "number": a.number,
                "organisation": a.organisation,
                "signed_on": a.signed_on,
                "terms": a.terms,
                "mediator_names": a.mediator_names,
            }
            for a in matter.agreements.all()
        ],
        feedbacks=[
            {
                "id": f.pk,
                "method": f.method,
                "contacted_at": f.contacted_at,
                "said": f.said,
                "satisfaction": f.satisfaction,
                "verdict": f.verdict,
            }
            for f in matter.feedbacks.all()
        ],
        attachments=[_attachment_out(a) for a in matter.attachments.all()],
        supervisions=[
            {
                "id": sv.pk,
                "color": sv.color,
                "level": sv.level,
                "holder": sv.holder_department.name if sv.holder_department_id else sv.holder_place.name,
                "reason": sv.reason,
                "issued_at": sv.issued_at,
                "manual": sv.issued_by_id is not None,
                "issued_by": (sv.issued_by.display_name or sv.issued_by.username) if sv.issued_by_id else None,
            }
            for sv in matter.supervisions.all()
        ],
    )
    return out


def _attachment_out(a: Attachment) -> dict:
    return {
        "id": a.pk,
        "kind": a.kind,
        "content_type": a.content_type,
        "original_name": a.original_name,
        "size": a.size,
        "sha256": a.sha256,
        "caption": a.caption,
        "created_at": a.created_at,
        "download": reverse("api:matter_attachment_file", args=[a.pk]),
    }


def _appointments(matter: Matter, ids: list[int]) -> list[Appointment] | None:
    """Appointments serving where the matter is (the matter's place or above it); None if any id is not one."""
    prefixes = {matter.path[:n] for n in LEVEL_CODE_LENGTH.values() if n <= len(matter.path)} | {matter.path}
    people = list(Appointment.objects.filter(pk__in=ids, path__in=prefixes).order_by("id"))
    return people if len(people) == len(set(ids)) else None


def _act(request, pk: int, call: Callable[[Matter], Any]):
    """Run one action on a matter in scope and answer with the matter as it is now."""
    matter = _matter(request, pk)
    try:
        outcome = call(matter)
    except REFUSALS as exc:
        return _refused(exc)
    except ValidationError as exc:
        return 422, _error(exc)
    if isinstance(outcome, tuple):  # a helper's own error answer
        return outcome
    return 200, _detail_out(request.user, _detail(request.user, pk))


ACTION_RESPONSES = {200: MatterDetail, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------- reads


@router.get("/", response=MatterPage, summary="事项列表", description="账号范围内的事项，新的在前；分页不计总数。")
@matter_roles
def list_matters(request, params: Query[MatterQuery]):
    if params.queue:
        qs = queries.work_queue(request.user)
    else:
        qs = _scoped(request).order_by("-id")
    if params.q:
        match = queries.search_predicate(params.q)
        qs = qs.none() if match is None else qs.filter(match)
    if params.kind:
        qs = qs.filter(kind=params.kind)
    if params.category:
        qs = qs.filter(category_id=params.category)
    if params.color:
        qs = qs.filter(color=params.color)
    if params.state:
        qs = qs.filter(state=params.state)
    if params.open is not None:
        qs = qs.filter(is_open=params.open)
    if params.place:
        qs = qs.filter(path__within=params.place)
    if params.since:
        qs = qs.filter(created_at__date__gte=params.since)
    if params.until:
        qs = qs.filter(created_at__date__lte=params.until)
    rows = list(qs.select_related(*LIST_RELATED)[params.offset : params.offset + params.limit + 1])
    more = len(rows) > params.limit
    return {
        "items": [_summary(m) for m in rows[: params.limit]],
        "limit": params.limit,
        "offset": params.offset,
        "next_offset": params.offset + params.limit if more else None,
    }


@router.get(
    "/{int:pk}",
    response=MatterDetail,
    summary="事项详情",
    description="含流转记录、调解、协议、回访和当前账号可做的动作；不在账号范围内时返回 404。",
)
@matter_roles
def get_matter(request, pk: int):
    return _detail_out(request.user, _detail(request.user, pk))


# ---------------------------------------------------------------- create


@router.post(
    "/",
    response={201: MatterDetail, 403: ErrorOut, 422: ErrorOut},
    summary="登记事项",
    description=(
        "事项落在发生地的最基层单位；登记人就是该单位的人员时直接受理。report_up=true 时登记并上报上一级"
        "（只有该单位的人员可以）。发生地不存在或不在账号范围内时返回 404。"
    ),
)
@matter_roles
def create_matter(request, body: MatterIn):
    user = request.user
    category = Category.objects.filter(pk=body.category_id).first()
    if category is None:
        return _invalid("category", "分类不存在")
    household = None
    if body.household_id is not None:
        household = Household.objects.for_user(user).filter(pk=body.household_id).first()
        if household is None:
            return _invalid("household", "涉及户不存在")
    place = None
    if body.place:
        # A place out of the account's scope answers as one that does not exist: 404, naming nothing.
        place = Place.objects.for_user(user).filter(code=body.place).first()
        if place is None:
            raise Http404("place out of scope")
    resident = None
    if body.reporter.type == ReporterType.RESIDENT and body.reporter.resident_id is not None:
        resident = Resident.objects.for_user(user).filter(pk=body.reporter.resident_id).first()
        if resident is None:
            return _invalid("reporter", "反映人不存在")
    data = actions.MatterInput(
        kind=body.kind,
        category=category,
        title=body.title,
        description=body.description,
        channel=body.channel,
        color=body.color,
        reporter=actions.Reporter(
            type=body.reporter.type, resident=resident, name=body.reporter.name, phone=body.reporter.phone
        ),
        household=household,
        place=place,
        point=body.point,
        extra=body.extra,
        answer_type=body.answer_type or "",
        recurrence=body.recurrence or "",
    )
    try:
        if body.report_up:
            matter = actions.record_and_report_up(user, data, reason=body.report_reason)
        else:
            matter = actions.record_matter(user, data)
    except REFUSALS as exc:
        return 403, _error(exc)
    except ValidationError as exc:
        return 422, _error(exc)
    return 201, _detail_out(user, _detail(user, matter.pk))


# ---------------------------------------------------------------- actions


def _post(path: str, summary: str, description: str = ""):
    return router.post(
        f"/{{int:pk}}/{path}", response=ACTION_RESPONSES, summary=summary, description=description or summary
    )


@_post("accept", "受理")
@matter_roles
def accept(request, pk: int, body: NoteIn):
    return _act(request, pk, lambda m: actions.accept(request.user, m, note=body.note))


@_post("resolve-on-spot", "现场处置", "化解则办结待回访；未化解记一次处置，事项继续办理。")
@matter_roles
def resolve_on_spot(request, pk: int, body: ResolveIn):
    return _act(
        request,
        pk,
        lambda m: actions.resolve_on_spot(
            request.user,
            m,
            result=body.result,
            succeeded=body.succeeded,
            recurrence=body.recurrence or "",
            next_recurrence=body.next_recurrence,
        ),
    )


@_post("report-up", "上报", "上报一级；红色事项按设置可越级。")
@matter_roles
def report_up(request, pk: int, body: ReportUpIn):
    return _act(request, pk, lambda m: actions.report_up(request.user, m, reason=body.reason, to_level=body.to_level))


@_post("route", "交办部门")
@matter_roles
def route(request, pk: int, body: RouteIn):
    def call(m: Matter):
        department = Department.objects.filter(pk=body.department_id).first()
        if department is None:
            return _invalid("department", "部门不存在")
        return actions.route_to_department(request.user, m, department, note=body.note)

    return _act(request, pk, call)


@_post("reply", "部门反馈", "承办部门的联络人反馈办理结果，事项回到交办单位。")
@matter_roles
def reply(request, pk: int, body: ResultIn):
    return _act(request, pk, lambda m: actions.department_reply(request.user, m, result=body.result))


@_post("send-back", "结果下发")
@matter_roles
def send_back(request, pk: int, body: SendBackIn):
    return _act(request, pk, lambda m: actions.send_back(request.user, m, result=body.result, to_level=body.to_level))


@_post("return", "回退")
@matter_roles
def return_with_reason(request, pk: int, body: ReasonIn):
    return _act(request, pk, lambda m: actions.return_with_reason(request.user, m, reason=body.reason))


@_post("merge", "合并重复事项")
@matter_roles
def merge(request, pk: int, body: MergeIn):
    def call(m: Matter):
        original = _scoped(request).filter(pk=body.original_id).first()
        if original is None:
            return _invalid("original", "原事项不存在")
        return actions.merge_as_duplicate(request.user, m, original, note=body.note)

    return _act(request, pk, call)


@_post("reopen", "重新办理")
@matter_roles
def reopen(request, pk: int, body: ReasonIn):
    return _act(request, pk, lambda m: actions.reopen(request.user, m, reason=body.reason))


@_post("mediations", "安排调解")
@matter_roles
def schedule_mediation(request, pk: int, body: ScheduleIn):
    def call(m: Matter):
        people = _appointments(m, body.mediator_ids)
        if people is None:
            return _invalid("mediators", "调解人员不存在或不在事项所在地任职")
        return actions.schedule_mediation(
            request.user, m, scheduled_for=body.scheduled_for, mediators=people, venue=body.venue, parties=body.parties
        )

    return _act(request, pk, call)


@_post("mediation-results", "记录调解", "记录已安排调解的结果，或一次未安排的调解。")
@matter_roles
def record_mediation(request, pk: int, body: MediationIn):
    def call(m: Matter):
        session = None
        if body.session_id is not None:
            session = MediationSession.objects.filter(matter=m, pk=body.session_id).first()
            if session is None:
                return _invalid("session", "该调解不属于此事项")
        people = _appointments(m, body.mediator_ids) if body.mediator_ids else []
        if people is None:
            return _invalid("mediators", "调解人员不存在或不在事项所在地任职")
        return actions.record_mediation(
            request.user,
            m,
            outcome=body.outcome,
            session=session,
            summary=body.summary,
            agreement_text=body.agreement_text,
            parties=body.parties,
            held_at=body.held_at,
            mediators=people,
        )

    return _act(request, pk, call)


@_post("agreement", "登记调解协议")
@matter_roles
def record_agreement(request, pk: int, body: AgreementIn):
    def call(m: Matter):
        session = None
        if body.session_id is not None:
            session = MediationSession.objects.filter(matter=m, pk=body.session_id).first()
            if session is None:
                return _invalid("session", "该调解不属于此事项")
        data = actions.AgreementInput(
            number=body.number,
            organisation=body.organisation,
            parties=body.parties,
            facts=body.facts,
            terms=body.terms,
            signed_on=body.signed_on,
            performance=body.performance,
            mediator_names=body.mediator_names,
            session=session,
        )
        return actions.record_agreement(request.user, m, data)

    return _act(request, pk, call)


@_post("answer", "诉求答复", "解答类答复后办结待回访；办理类标记后继续办理。")
@matter_roles
def answer(request, pk: int, body: AnswerIn):
    return _act(request, pk, lambda m: actions.answer(request.user, m, answer_type=body.answer_type, text=body.text))


@_post("rectify", "隐患整改")
@matter_roles
def rectify(request, pk: int, body: RectifyIn):
    return _act(request, pk, lambda m: actions.rectify(request.user, m, measures=body.measures))


@_post("reinspect", "整改复查")
@matter_roles
def reinspect(request, pk: int, body: ReinspectIn):
    return _act(request, pk, lambda m: actions.reinspect(request.user, m, passed=body.passed, note=body.note))


@_post("proxy-handle", "代办", "红管家代办，办结待回访。")
@matter_roles
def proxy_handle(request, pk: int, body: ProxyIn):
    def call(m: Matter):
        people = _appointments(m, [body.steward_id])
        if people is None:
            return _invalid("steward", "红管家不存在或不在事项所在地任职")
        return actions.proxy_handle(request.user, m, steward=people[0], result=body.result)

    return _act(request, pk, call)


@_post("feedback", "回访", "记录回访；反映人不认可时事项重新办理。")
@matter_roles
def feedback(request, pk: int, body: FeedbackIn):
    data = actions.FeedbackInput(
        method=body.method,
        contacted_at=body.contacted_at,
        said=body.said,
        verdict=body.verdict,
        satisfaction=body.satisfaction,
    )
    return _act(request, pk, lambda m: actions.record_feedback(request.user, m, data))


@_post("close", "结案", "反映人已知时，须先回访并获认可。")
@matter_roles
def close(request, pk: int, body: NoteIn):
    return _act(request, pk, lambda m: actions.close(request.user, m, note=body.note))


# ---------------------------------------------------------------- attachments, supervision, edits


class SuperviseIn(Schema):
    color: CardColor = Field(description="督办等级：yellow 黄牌、red 红牌")
    reason: str = Field(description="督办事由")


class EditIn(Schema):
    title: str | None = Field(None, description="标题；不传则不变")
    description: str | None = Field(None, description="情况描述；不传则不变")
    color: RiskColor | None = Field(None, description="风险等级；改变时须填写理由")
    category_id: int | None = Field(None, description="分类ID（同一事项类型）；不传则不变")
    extra: dict | None = Field(None, description="附加信息；不传时分类不变则保留，分类改变则清空")
    reason: str = Field("", description="修改理由（修改风险等级时必填）")


@_post("supervise", "督办", "县、乡镇（街道）综治中心对下级承办的事项发出黄牌或红牌督办，通知承办单位。")
@matter_roles
def supervise(request, pk: int, body: SuperviseIn):
    return _act(request, pk, lambda m: actions.supervise(request.user, m, color=body.color, reason=body.reason))


@_post("edit", "修改事项", "承办方修改标题、描述、风险等级、分类；流转记录保留修改前后的内容。")
@matter_roles
def edit_matter(request, pk: int, body: EditIn):
    def call(m: Matter):
        if body.category_id is None or body.category_id == m.category_id:
            category = Category.objects.get(pk=m.category_id)
        else:
            category = Category.objects.filter(pk=body.category_id).first()
            if category is None:
                return _invalid("category_id", "分类不存在")
        data = actions.MatterEdit(
            title=m.title if body.title is None else body.title,
            description=m.description if body.description is None else body.description,
            color=m.color if body.color is None else body.color,
            category=category,
            extra=body.extra,
            reason=body.reason,
        )
        return actions.edit_matter(request.user, m, data)

    return _act(request, pk, call)


@router.get(
    "/{int:pk}/attachments",
    response=list[AttachmentOut],
    summary="附件列表",
    description="事项的照片和文件；不在账号范围内时返回 404。",
)
@matter_roles
def list_attachments(request, pk: int):
    matter = _matter(request, pk)
    return [_attachment_out(a) for a in Attachment.objects.filter(matter=matter).order_by("id")]


@router.post(
    "/{int:pk}/attachments",
    response={201: AttachmentOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="添加附件",
    description="multipart/form-data：file（照片 JPG/PNG/WebP，文件 PDF/DOCX/XLSX，按内容判定类型，有大小上限），"
    "caption（说明，可选）。",
)
@matter_roles
def add_attachment(request, pk: int, file: File[UploadedFile], caption: Form[str] = ""):
    matter = _matter(request, pk)
    try:
        attachment = actions.add_attachment(request.user, matter, file, caption=caption)
    except REFUSALS as exc:
        return _refused(exc)
    except ValidationError as exc:
        return 422, _error(exc)
    return 201, _attachment_out(attachment)


@router.get(
    "/attachments/{int:attachment_id}",
    summary="下载附件",
    description="附件文件本身（照片、PDF 直接显示，Office 文件下载）；不在账号范围内时返回 404。",
    url_name="matter_attachment_file",
)
@matter_roles
def attachment_file(request, attachment_id: int):
    from gridgov.matters.views import attachment_response

    return attachment_response(get_object_or_404(Attachment.objects.for_user(request.user), pk=attachment_id))
