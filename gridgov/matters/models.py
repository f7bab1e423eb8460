"""The matter engine's records: matters, their timeline, mediation, feedback, deadlines, supervision."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import IsNull
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel, ScopedQuerySet
from gridgov.core.pii import sealer
from gridgov.matters.choices import (
    AnswerType,
    AttachmentKind,
    CardColor,
    DeadlineLevel,
    DepartmentKind,
    FeedbackMethod,
    FeedbackVerdict,
    FieldType,
    Level,
    MatterAction,
    MatterKind,
    MatterState,
    MediationOutcome,
    Recurrence,
    ReporterType,
    RiskColor,
    SourceChannel,
)
from gridgov.matters.search import bigram_tokens
from gridgov.utils.masking import mask_phone

REPORTER_PHONE_CONTEXT = b"matter.reporter_phone"
FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Category(models.Model):
    """事项分类: an administrator-editable taxonomy per kind, with typed extra fields.

    Group nodes (e.g. 安全隐患 / 治安隐患 under hazards) have ``selectable=False``;
    matters take a selectable category. ``extra_fields`` is a list of
    ``{"name", "label", "type", "required", "options"}`` (see `FieldType`).
    """

    kind = models.CharField(_("事项类型"), max_length=16, choices=MatterKind.choices)
    code = models.CharField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分组"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    selectable = models.BooleanField(_("可选用"), default=True, help_text=_("分组节点不可直接选用"))
    department_kind = models.CharField(_("通常承办部门"), max_length=32, choices=DepartmentKind.choices, blank=True)
    extra_fields = models.JSONField(_("附加字段"), default=list, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("事项分类")
        verbose_name_plural = _("事项分类")
        ordering = ["kind", "sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent is not None and self.parent.kind != self.kind:
            raise ValidationError({"parent": "上级分组必须属于同一事项类型"})
        validate_field_schema(self.extra_fields)

    def clean_extra(self, values: dict[str, Any] | None) -> dict[str, Any]:
        """Values for this category's extra fields, typed; ValidationError (Chinese) on bad input."""
        return clean_extra_values(self.extra_fields, values or {})


def validate_field_schema(schema: Any) -> None:
    if not isinstance(schema, list):
        raise ValidationError({"extra_fields": "附加字段应为列表"})
    seen: set[str] = set()
    for i, spec in enumerate(schema, 1):
        if not isinstance(spec, dict):
            raise ValidationError({"extra_fields": f"第{i}个附加字段格式错误"})
        name = spec.get("name", "")
        if not isinstance(name, str) or not FIELD_NAME_RE.match(name):
            raise ValidationError({"extra_fields": f"第{i}个附加字段的标识应为小写字母开头的英文标识"})
        if name in seen:
            raise ValidationError({"extra_fields": f"附加字段标识重复：{name}"})
        seen.add(name)
        if not spec.get("label"):
            raise ValidationError({"extra_fields": f"附加字段 {name} 缺少名称"})
        if spec.get("type") not in FieldType.values:
            raise ValidationError({"extra_fields": f"附加字段 {name} 的类型无效"})
        if not isinstance(spec.get("required", False), bool):
            raise ValidationError({"extra_fields": f"附加字段 {name} 的“必填”应为是/否"})
        if spec["type"] in (FieldType.SINGLE, FieldType.MULTI):
            options = spec.get("options")
            if not isinstance(options, list) or not options or not all(isinstance(o, str) and o for o in options):
                raise ValidationError({"extra_fields": f"附加字段 {name} 需要选项列表"})


def clean_extra_values(schema: list[dict], values: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise ValidationError({"extra": "附加信息格式错误"})
    specs = {spec["name"]: spec for spec in schema}
    errors: dict[str, str] = {}
    unknown = sorted(set(values) - set(specs))
    if unknown:
        errors["extra"] = f"未知的附加字段：{'、'.join(unknown)}"
    cleaned: dict[str, Any] = {}
    for name, spec in specs.items():
        label, kind = spec["label"], spec["type"]
        raw = values.get(name)
        if raw is None or raw == "" or raw == []:
            if spec.get("required"):
                errors[name] = f"请填写“{label}”"
            continue
        try:
            cleaned[name] = _clean_one(kind, raw, spec.get("options") or [])
        except ValueError as exc:
            errors[name] = f"“{label}”{exc}"
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_one(kind: str, raw: Any, options: list[str]) -> Any:
    if kind == FieldType.TEXT:
        if not isinstance(raw, str):
            raise ValueError("应为文字")
        if len(raw) > 500:
            raise ValueError("不能超过500字")
        return raw.strip()
    if kind == FieldType.NUMBER:
        if isinstance(raw, bool):
            raise ValueError("应为数字")
        if isinstance(raw, (int, float)):
            return raw
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValueError("应为数字") from None
        if not number.is_finite():
            raise ValueError("应为数字")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == FieldType.DATE:
        try:
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValueError("应为日期（年-月-日）") from None
    if kind == FieldType.SINGLE:
        if raw not in options:
            raise ValueError("不是可选的选项")
        return raw
    if kind == FieldType.MULTI:
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise ValueError("应为选项列表")
        bad = [v for v in raw if v not in options]
        if bad:
            raise ValueError(f"包含不可选的选项：{'、'.join(bad)}")
        return [o for o in options if o in raw]  # option order, no repeats
    raise ValueError("类型无效")


class MatterConfig(models.Model):
    """事项引擎设置: one row, edited by administrators; defaults come from Django settings."""

    duplicate_window_days = models.PositiveIntegerField(_("疑似重复判定天数"), default=30)
    red_may_skip_levels = models.BooleanField(_("红色事项可越级上报"), default=True)

    class Meta:
        verbose_name = _("事项引擎设置")
        verbose_name_plural = _("事项引擎设置")

    def __str__(self) -> str:
        return "事项引擎设置"

    @classmethod
    def current(cls) -> MatterConfig:
        config = cls.objects.filter(pk=1).first()
        if config is None:
            config = cls(
                pk=1,
                duplicate_window_days=getattr(settings, "GRIDGOV_DUPLICATE_WINDOW_DAYS", 30),
                red_may_skip_levels=getattr(settings, "GRIDGOV_RED_MAY_SKIP_LEVELS", True),
            )
        return config


class Department(BaseModel):
    """部门: a department registered at a town or county; its liaisons receive matters routed to it."""

    path = models.CharField(_("地域路径"), max_length=24)
    place = models.ForeignKey("places.Place", verbose_name=_("所属地域"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("部门类型"), max_length=32, choices=DepartmentKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    liaisons = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("联络人"), blank=True, related_name="departments"
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["path", "kind", "id"]
        indexes = [models.Index(fields=["path", "id"], name="department_path_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.place_id and self.place.kind not in ("county", "town"):
            raise ValidationError({"place": "部门只能登记在县（区）或乡镇（街道）"})


class MatterQuerySet(ScopedQuerySet):
    def for_user(self, user) -> MatterQuerySet:
        """Place roles: matters located in their subtree. Department liaisons: only matters routed
        to one of their departments. Household-cluster leaders: only the matters they reported."""
        from gridgov.accounts.choices import Role

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.DEPARTMENT_LIAISON:
            routed = MatterRouting.objects.filter(department__liaisons=user).values("matter_id")
            return self.filter(id__in=routed)
        scoped = super().for_user(user)
        if user.role == Role.CLUSTER_LEADER:
            return scoped.filter(recorded_by=user)
        return scoped

    def open(self) -> MatterQuerySet:
        return self.filter(is_open=True)


# A work queue's order (`gridgov.matters.queries.work_queue`): overdue first, then the nearest deadline, matters
# without one last, then the oldest. Written with ``deadline_at IS NULL`` rather than NULLS LAST so that the queue
# indexes below serve it on SQLite too, whose indexes sort NULLs first: a town's queue of a thousand matters is then
# read 50 rows at a time instead of sorted whole on every page.
QUEUE_ORDER = (F("overdue").desc(), IsNull(F("deadline_at"), True).asc(), F("deadline_at").asc(), F("id").asc())


class Matter(BaseModel):
    """事项: one dispute, appeal, environment problem, hardship or hazard, from intake to closing."""

    path = models.CharField(_("地域路径"), max_length=24)
    kind = models.CharField(_("事项类型"), max_length=16, choices=MatterKind.choices)
    category = models.ForeignKey(Category, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="matters")
    extra = models.JSONField(_("附加信息"), default=dict, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("情况描述"), blank=True)
    search_text = models.TextField(_("检索词元"), blank=True, editable=False)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=SourceChannel.choices)

    reporter_type = models.CharField(_("反映人类型"), max_length=16, choices=ReporterType.choices)
    reporter_resident = models.ForeignKey(
        "households.Resident",
        verbose_name=_("反映人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reporter_name = models.CharField(_("反映人姓名"), max_length=50, blank=True)
    reporter_phone_sealed = models.BinaryField(_("反映人电话(密文)"), null=True, blank=True)
    reporter_phone_masked = models.CharField(_("反映人电话"), max_length=11, blank=True)

    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("涉及户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.ForeignKey("places.Place", verbose_name=_("发生地"), on_delete=models.PROTECT, related_name="+")
    point = models.JSONField(_("位置(GeoJSON)"), null=True, blank=True)
    color = models.CharField(_("风险等级"), max_length=8, choices=RiskColor.choices)

    state = models.CharField(_("状态"), max_length=16, choices=MatterState.choices, default=MatterState.PENDING)
    is_open = models.BooleanField(_("未结"), default=True)
    level = models.CharField(_("所在层级"), max_length=8, choices=Level.choices)
    holder_place = models.ForeignKey(
        "places.Place", verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    holder_path = models.CharField(_("承办单位代码"), max_length=24)
    holder_department = models.ForeignKey(
        Department, verbose_name=_("承办部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="matters"
    )
    arrived_at = models.DateTimeField(_("到达本级时间"))
    deadline_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    red_card_at = models.DateTimeField(_("红牌督办时点"), null=True, blank=True)
    overdue = models.BooleanField(_("已超期"), default=False)
    card = models.CharField(_("本级督办"), max_length=8, choices=CardColor.choices, blank=True)

    result = models.TextField(_("办理结果"), blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    feedback_accepted_at = models.DateTimeField(_("回访认可时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    answer_type = models.CharField(_("诉求类型"), max_length=16, choices=AnswerType.choices, blank=True)
    recurrence = models.CharField(_("整治方式"), max_length=16, choices=Recurrence.choices, blank=True)
    next_recurrence = models.DateField(_("下次整治日期"), null=True, blank=True)
    proxy_steward = models.ForeignKey(
        "personnel.Appointment",
        verbose_name=_("代办红管家"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)

    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("重复于"), null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    possible_duplicate = models.BooleanField(_("疑似重复"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = models.Manager.from_queryset(MatterQuerySet)()

    audit_exclude = BaseModel.audit_exclude | {"search_text"}

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["path", "id"], name="matter_path_idx"),
            models.Index(F("holder_path"), *QUEUE_ORDER, condition=Q(is_open=True), name="matter_unit_queue_idx"),
            models.Index(
                F("holder_department"), *QUEUE_ORDER, condition=Q(is_open=True), name="matter_department_queue_idx"
            ),
            models.Index(fields=["deadline_at"], condition=Q(is_open=True), name="matter_deadline_idx"),
            models.Index(fields=["red_card_at"], condition=Q(is_open=True), name="matter_red_card_idx"),
            models.Index(fields=["household", "category", "created_at"], name="matter_household_idx"),
            models.Index(fields=["kind", "path", "created_at"], name="matter_kind_path_idx"),
            # A place's matters recorded in a period: the statistics recount one village-month at a time.
            models.Index(fields=["path", "created_at"], name="matter_path_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        """受理编号, e.g. JF-2026-000123."""
        prefix = {"dispute": "JF", "appeal": "SQ", "environment": "HJ", "hardship": "KN", "hazard": "YH"}
        year = self.created_at.year if self.created_at else dt.date.today().year
        return f"{prefix.get(self.kind, 'SX')}-{year}-{self.pk or 0:06d}"

    @property
    def reporter_known(self) -> bool:
        return self.reporter_type != ReporterType.ANONYMOUS

    @property
    def reporter_display(self) -> str:
        if self.reporter_type == ReporterType.RESIDENT and self.reporter_resident_id:
            return self.reporter_resident.name
        if self.reporter_type == ReporterType.OUTSIDER:
            return self.reporter_name
        return "匿名"

    @property
    def deadline_level(self) -> str:
        return DeadlineLevel.DEPARTMENT if self.holder_department_id else self.level

    def set_reporter_phone(self, value: str) -> None:
        if not value:
            self.reporter_phone_sealed, self.reporter_phone_masked = None, ""
            return
        self.reporter_phone_sealed = sealer().seal(value, REPORTER_PHONE_CONTEXT)
        self.reporter_phone_masked = mask_phone(value)

    def reveal_reporter_phone(self) -> str:
        if self.reporter_type == ReporterType.RESIDENT and self.reporter_resident_id:
            return self.reporter_resident.reveal_phone()
        if not self.reporter_phone_sealed:
            return ""
        return sealer().open(bytes(self.reporter_phone_sealed), REPORTER_PHONE_CONTEXT)

    def refresh_search_text(self) -> None:
        self.search_text = bigram_tokens(f"{self.title} {self.description}")


class MatterRouting(BaseModel):
    """交办记录: every department a matter was ever routed to (what its liaisons may read)."""

    path = models.CharField(_("地域路径"), max_length=24)
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="routings")
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="routings"
    )
    routed_at = models.DateTimeField(_("交办时间"))

    class Meta:
        verbose_name = _("交办记录")
        verbose_name_plural = _("交办记录")
        ordering = ["routed_at", "id"]
        indexes = [models.Index(fields=["department", "matter"], name="routing_department_idx")]

    def __str__(self) -> str:
        return f"{self.matter_id} → {self.department}"


class MatterChildQuerySet(ScopedQuerySet):
    """Rows that belong to one matter are visible exactly when the matter is."""

    def for_user(self, user):
        from gridgov.accounts.choices import Role

        if user is not None and getattr(user, "role", None) in (Role.DEPARTMENT_LIAISON, Role.CLUSTER_LEADER):
            return self.filter(matter__in=Matter.objects.for_user(user).values("id"))
        return super().for_user(user)


MatterChildManager = models.Manager.from_queryset(MatterChildQuerySet)


class MatterEvent(BaseModel):
    """事项流转记录: one timeline row per action."""

    path = models.CharField(_("地域路径"), max_length=24)
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=32, choices=MatterAction.choices)
    from_state = models.CharField(_("原状态"), max_length=16, choices=MatterState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, choices=MatterState.choices)
    from_level = models.CharField(_("原层级"), max_length=16, choices=DeadlineLevel.choices, blank=True)
    to_level = models.CharField(_("新层级"), max_length=16, choices=DeadlineLevel.choices)
    from_unit = models.ForeignKey(
        "places.Place", verbose_name=_("原承办单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "places.Place", verbose_name=_("新承办单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_department = models.ForeignKey(
        Department, verbose_name=_("原承办部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_department = models.ForeignKey(
        Department, verbose_name=_("新承办部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    objects = MatterChildManager()

    class Meta:
        verbose_name = _("事项流转记录")
        verbose_name_plural = _("事项流转记录")
        ordering = ["matter", "at", "id"]
        indexes = [
            models.Index(fields=["matter", "at", "id"], name="matterevent_matter_idx"),
            models.Index(fields=["path", "id"], name="matterevent_path_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"


class MediationSession(BaseModel):
    """调解记录: a mediation session of a dispute, scheduled and then held."""

    path = models.CharField(_("地域路径"), max_length=24)
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="mediations")
    scheduled_for = models.DateTimeField(_("调解时间"))
    venue = models.CharField(_("调解地点"), max_length=200, blank=True)
    mediators = models.ManyToManyField("personnel.Appointment", verbose_name=_("调解人员"), related_name="mediations")
    parties = models.TextField(_("当事人"), blank=True)
    outcome = models.CharField(_("调解结果"), max_length=16, choices=MediationOutcome.choices, blank=True)
    held_at = models.DateTimeField(_("实际调解时间"), null=True, blank=True)
    summary = models.TextField(_("调解情况"), blank=True)
    agreement_text = models.TextField(_("达成协议内容"), blank=True)
    level = models.CharField(_("组织层级"), max_length=16, choices=DeadlineLevel.choices)

    objects = MatterChildManager()

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["matter", "scheduled_for", "id"]
        indexes = [models.Index(fields=["path", "id"], name="mediation_path_idx")]

    def __str__(self) -> str:
        return f"{self.scheduled_for:%Y-%m-%d} {self.get_outcome_display() or '待调解'}"


class MediationAgreement(BaseModel):
    """人民调解协议书: the data printed on the agreement (the PDF comes later)."""

    path = models.CharField(_("地域路径"), max_length=24)
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="agreements")
    session = models.ForeignKey(
        MediationSession, verbose_name=_("调解记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("协议书编号"), max_length=64)
    organisation = models.CharField(_("调解组织"), max_length=100)
    parties = models.JSONField(_("当事人"), default=list, help_text="[{name, role, address, contact}]")
    facts = models.TextField(_("纠纷主要事实、争议事项"))
    terms = models.TextField(_("经调解，自愿达成如下协议"))
    performance = models.TextField(_("履行方式、时限"), blank=True)
    signed_on = models.DateField(_("签订日期"))
    mediator_names = models.CharField(_("调解员"), max_length=200, blank=True)

    objects = MatterChildManager()

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")
        ordering = ["matter", "signed_on", "id"]
        indexes = [models.Index(fields=["path", "id"], name="agreement_path_idx")]

    def __str__(self) -> str:
        return self.number


class Feedback(BaseModel):
    """回访: what the reporter was told and said; "rejected" reopens the matter."""

    path = models.CharField(_("地域路径"), max_length=24)
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="feedbacks")
    method = models.CharField(_("回访方式"), max_length=16, choices=FeedbackMethod.choices)
    contacted_at = models.DateTimeField(_("回访时间"))
    said = models.TextField(_("反映人意见"))
    satisfaction = models.PositiveSmallIntegerField(_("满意度(1-5)"), null=True, blank=True)
    verdict = models.CharField(_("是否认可"), max_length=16, choices=FeedbackVerdict.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = MatterChildManager()

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["matter", "contacted_at", "id"]
        indexes = [models.Index(fields=["path", "id"], name="feedback_path_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="feedback_satisfaction_1_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contacted_at:%Y-%m-%d} {self.get_verdict_display()}"


class DeadlineRule(models.Model):
    """办理时限: hours a matter of a kind and color may stay at a level before it is overdue."""

    kind = models.CharField(_("事项类型"), max_length=16, choices=MatterKind.choices)
    color = models.CharField(_("风险等级"), max_length=8, choices=RiskColor.choices)
    level = models.CharField(_("层级"), max_length=16, choices=DeadlineLevel.choices)
    hours = models.PositiveIntegerField(_("时限(小时)"))
    auto_escalate = models.BooleanField(_("超期自动上报"), default=False)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        ordering = ["kind", "color", "level"]
        constraints = [models.UniqueConstraint(fields=["kind", "color", "level"], name="deadline_rule_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}/{self.get_color_display()}/{self.get_level_display()}: {self.hours}小时"


class Supervision(BaseModel):
    """督办: a yellow card at the first breach of a time limit, a red card at twice the limit."""

    path = models.CharField(_("地域路径"), max_length=24)
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="supervisions")
    color = models.CharField(_("督办等级"), max_length=8, choices=CardColor.choices)
    level = models.CharField(_("被督办层级"), max_length=16, choices=DeadlineLevel.choices)
    holder_place = models.ForeignKey(
        "places.Place", verbose_name=_("被督办单位"), on_delete=models.PROTECT, related_name="+"
    )
    holder_department = models.ForeignKey(
        Department, verbose_name=_("被督办部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("督办事由"), max_length=500)
    issued_at = models.DateTimeField(_("督办时间"))
    holding_since = models.DateTimeField(_("本级受理起始"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = MatterChildManager()

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["path", "id"], name="supervision_path_idx")]
        constraints = [
            # The deadline job issues each automatic card once per holding; cards issued by hand
            # (``issued_by`` set) are checked by `actions.supervise`.
            models.UniqueConstraint(
                fields=["matter", "color", "holding_since"],
                condition=Q(issued_by__isnull=True),
                name="supervision_once_per_holding",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_color_display()} {self.matter_id}"


def media_root() -> str:
    """Where uploaded files live: ``MEDIA_ROOT``, else ``<GRIDGOV_VAR_DIR or BASE_DIR/var>/media``."""
    root = getattr(settings, "MEDIA_ROOT", "")
    if root:
        return str(root)
    var = getattr(settings, "VAR_DIR", None) or Path(settings.BASE_DIR) / "var"
    return str(Path(var) / "media")


class PrivateStorage(FileSystemStorage):
    """Files under `media_root()`, read at use (so tests may point it elsewhere). They have no public URL:
    the scoped attachment view serves them."""

    @property
    def base_location(self):  # type: ignore[override]
        return media_root()

    @property
    def location(self):  # type: ignore[override]
        import os

        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("附件没有公开地址，请通过事项页面查看")


_private_storage = PrivateStorage()


def private_storage():
    """Attachments' storage: files under `media_root()`, or the deployment's storage when it sets one
    (``GRIDGOV_FILE_STORAGE``, e.g. an object store every app node reaches)."""
    if getattr(settings, "GRIDGOV_FILE_STORAGE", ""):
        from django.core.files.storage import storages

        return storages["default"]
    return _private_storage


class Attachment(BaseModel):
    """附件: a photo or document of a matter; its type is checked by content, its file is served only in scope."""

    path = models.CharField(_("地域路径"), max_length=24)
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), storage=private_storage, max_length=200)
    kind = models.CharField(_("类别"), max_length=16, choices=AttachmentKind.choices)
    content_type = models.CharField(_("文件类型"), max_length=100)
    original_name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField("SHA-256", max_length=64)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = MatterChildManager()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["matter", "id"]
        indexes = [
            models.Index(fields=["matter", "id"], name="attachment_matter_idx"),
            models.Index(fields=["path", "id"], name="attachment_path_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_photo(self) -> bool:
        return self.kind == AttachmentKind.PHOTO

    @property
    def inline(self) -> bool:
        """Shown in the browser (photos, PDF) rather than downloaded."""
        return self.kind == AttachmentKind.PHOTO or self.content_type == "application/pdf"
