"""Forms of the matter pages. They parse input; `actions.py` decides and makes the change."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.core import counting
from gridgov.households.forms import apply_errors
from gridgov.households.models import Household, Resident
from gridgov.households.queries import ID_NUMBER_RE, id_index_of, normalize_id_query
from gridgov.matters import actions
from gridgov.matters.choices import (
    LEVEL_ORDER,
    AnswerType,
    CardColor,
    DeadlineLevel,
    FeedbackMethod,
    FeedbackVerdict,
    FieldType,
    Level,
    MatterKind,
    MediationOutcome,
    Recurrence,
    ReporterType,
    RiskColor,
    SourceChannel,
)
from gridgov.matters.models import Category, Department, Matter, MediationSession
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EXTRA_PREFIX = "x_"


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _now_local() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class PlaceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.parent.name} / {obj.name}" if obj.parent_id else obj.name


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Appointment) -> str:
        return f"{obj.person_name}（{obj.get_role_display()}）"


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Appointment) -> str:
        return f"{obj.person_name}（{obj.get_role_display()}）"


def categories_of(kind: str):
    return (
        Category.objects.filter(kind=kind, selectable=True, active=True)
        .select_related("parent")
        .order_by("sort_order", "code")
    )


def extra_form_fields(category: Category | None) -> dict[str, forms.Field]:
    """Form fields for a category's extra-field schema, named ``x_<name>``."""
    out: dict[str, forms.Field] = {}
    for spec in (category.extra_fields if category else []) or []:
        label, required = spec["label"], bool(spec.get("required"))
        kind = spec["type"]
        if kind == FieldType.NUMBER:
            field: forms.Field = forms.DecimalField(label=label, required=required)
        elif kind == FieldType.DATE:
            field = forms.DateField(label=label, required=required, widget=DATE_WIDGET)
        elif kind == FieldType.SINGLE:
            choices = [("", "——")] + [(o, o) for o in spec.get("options", [])]
            field = forms.ChoiceField(label=label, required=required, choices=choices)
        elif kind == FieldType.MULTI:
            field = forms.MultipleChoiceField(
                label=label,
                required=required,
                choices=[(o, o) for o in spec.get("options", [])],
                widget=forms.CheckboxSelectMultiple,
            )
        else:
            field = forms.CharField(label=label, required=required, max_length=500)
        out[EXTRA_PREFIX + spec["name"]] = field
    return out


def extra_values(cleaned: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in cleaned.items():
        if not key.startswith(EXTRA_PREFIX) or value in (None, "", []):
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif not isinstance(value, (str, list)):
            value = str(value)
        values[key[len(EXTRA_PREFIX) :]] = value
    return values


def intake_places(user):
    """Places a matter may be located at, within the user's area: down to clusters for a village or grid,
    villages and grids for a town or county (a household number pins a matter further down)."""
    kinds = ["village", "group", "grid", "cluster"]
    if user.place_id and user.place.kind in ("county", "town"):
        kinds = ["village", "grid"]
    return Place.objects.for_user(user).filter(kind__in=kinds).order_by("code")


class IntakeForm(forms.Form):
    """登记事项 on behalf of a resident (web form, phone-friendly)."""

    kind = forms.ChoiceField(label=_("事项类型"), choices=MatterKind.choices)
    category = CategoryField(label=_("分类"), queryset=Category.objects.none(), empty_label=_("请选择分类"))
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(label=_("情况描述"), required=False, max_length=5000, widget=textarea(4))
    channel = forms.ChoiceField(label=_("来源渠道"), choices=SourceChannel.choices, initial=SourceChannel.VISIT)
    color = forms.ChoiceField(
        label=_("风险等级"), choices=RiskColor.choices, initial=RiskColor.BLUE, widget=forms.RadioSelect
    )
    reporter_type = forms.ChoiceField(
        label=_("反映人"), choices=ReporterType.choices, initial=ReporterType.RESIDENT, widget=forms.RadioSelect
    )
    reporter_lookup = forms.CharField(
        label=_("居民身份证号或姓名"), required=False, max_length=50, help_text=_("身份证号须完整；姓名须在辖区内唯一")
    )
    reporter_name = forms.CharField(label=_("反映人姓名"), required=False, max_length=50)
    reporter_phone = forms.CharField(label=_("反映人电话"), required=False, max_length=20)
    household_number = forms.CharField(
        label=_("涉及户编号"), required=False, max_length=32, help_text=_("不填则取反映人所在户")
    )
    place = PlaceField(label=_("发生地"), queryset=Place.objects.none(), required=False, empty_label=_("（按涉及户）"))
    answer_type = forms.ChoiceField(label=_("诉求类型"), required=False, choices=[("", "——"), *AnswerType.choices])
    recurrence = forms.ChoiceField(label=_("整治方式"), required=False, choices=[("", "——"), *Recurrence.choices])
    report_reason = forms.CharField(
        label=_("上报理由"),
        required=False,
        max_length=2000,
        widget=textarea(2),
        help_text=_("“登记并上报”时填写；不填则记为“登记时即上报”"),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        kind = self.data.get("kind") or self.initial.get("kind") or MatterKind.DISPUTE
        if kind not in MatterKind.values:
            kind = MatterKind.DISPUTE
        self.kind_value = kind
        self.fields["category"].queryset = categories_of(kind)
        self.fields["category"].widget.attrs.update(
            {"hx-get": reverse("matters:extra_fields"), "hx-target": "#extra-fields", "hx-trigger": "change"}
        )
        self.fields["place"].queryset = intake_places(user)
        self.category_obj = None
        raw = self.data.get("category") or self.initial.get("category")
        if raw and str(raw).isdigit():
            self.category_obj = categories_of(kind).filter(pk=int(raw)).first()
        self.fields.update(extra_form_fields(self.category_obj))

    @property
    def extra_bound_fields(self):
        return [self[name] for name in self.fields if name.startswith(EXTRA_PREFIX)]

    @property
    def main_bound_fields(self):
        return [self[name] for name in self.fields if not name.startswith(EXTRA_PREFIX)]

    def _resident(self, lookup: str) -> Resident | None:
        residents = Resident.objects.for_user(self.user)
        as_id = normalize_id_query(lookup)
        if ID_NUMBER_RE.match(as_id):
            found = list(residents.filter(id_number_index=id_index_of(as_id)).select_related("household")[:2])
        elif re.fullmatch(r"\d[\dXx]*", as_id):
            self.add_error("reporter_lookup", _("身份证号应为18位"))
            return None
        else:
            found = list(residents.filter(name=lookup.strip()).select_related("household")[:2])
        if not found:
            self.add_error("reporter_lookup", _("辖区内没有找到该居民"))
            return None
        if len(found) > 1:
            self.add_error("reporter_lookup", _("辖区内有同名居民，请输入身份证号"))
            return None
        return found[0]

    def clean(self):
        data = super().clean()
        self.resident = None
        self.household = None
        if data.get("reporter_type") == ReporterType.RESIDENT:
            lookup = (data.get("reporter_lookup") or "").strip()
            if not lookup:
                self.add_error("reporter_lookup", _("请输入反映人的身份证号或姓名"))
            else:
                self.resident = self._resident(lookup)
        number = (data.get("household_number") or "").strip()
        if number:
            self.household = (
                Household.objects.for_user(self.user).select_related("grid", "cluster").filter(number=number).first()
            )
            if self.household is None:
                self.add_error("household_number", _("辖区内没有该户"))
        elif self.resident is not None and self.resident.household_id and data.get("place") is None:
            self.household = (
                Household.objects.select_related("grid", "cluster").filter(pk=self.resident.household_id).first()
            )
        return data

    def matter_input(self) -> actions.MatterInput:
        data = self.cleaned_data
        reporter = actions.Reporter(
            type=data["reporter_type"],
            resident=self.resident,
            name=data.get("reporter_name", ""),
            phone=data.get("reporter_phone", ""),
        )
        return actions.MatterInput(
            kind=data["kind"],
            category=data["category"],
            title=data["title"],
            description=data.get("description", ""),
            channel=data["channel"],
            color=data["color"],
            reporter=reporter,
            household=self.household,
            place=data.get("place"),
            extra=extra_values(data),
            answer_type=data.get("answer_type", ""),
            recurrence=data.get("recurrence", ""),
        )


def apply_intake_errors(form, exc: ValidationError) -> None:
    """An action's ValidationError on the intake form: its field names mapped to the form's."""
    if hasattr(exc, "error_dict"):
        renamed = {}
        for name, errors in exc.error_dict.items():
            target = name
            if "x_" + name in form.fields:
                target = "x_" + name
            elif name == "reporter":
                target = "reporter_lookup"
            elif name == "household":
                target = "household_number"
            renamed[target] = errors
        exc = ValidationError(renamed)
    apply_errors(form, exc)


class QuickReportForm(forms.Form):
    """联户长快报: what, where, color."""

    what = forms.CharField(label=_("什么事"), max_length=200)
    where = forms.CharField(label=_("在哪里"), max_length=200)
    color = forms.ChoiceField(
        label=_("紧急程度"), choices=RiskColor.choices, initial=RiskColor.BLUE, widget=forms.RadioSelect
    )


QUICK_REPORT_CATEGORY = {"appeal": "appeal.other"}


# ---------------------------------------------------------------- action forms (one per action)


class ActionForm(forms.Form):
    """Base: ``run(user, matter)`` calls the action with the cleaned data."""

    def __init__(self, matter: Matter, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.matter = matter

    def run(self, user, matter: Matter):  # pragma: no cover - overridden
        raise NotImplementedError


class NoteForm(ActionForm):
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=textarea(2))


class AcceptForm(NoteForm):
    def run(self, user, matter):
        return actions.accept(user, matter, note=self.cleaned_data["note"])


class CloseForm(NoteForm):
    def run(self, user, matter):
        return actions.close(user, matter, note=self.cleaned_data["note"])


class ResolveOnSpotForm(ActionForm):
    result = forms.CharField(label=_("处置情况"), max_length=5000, widget=textarea())
    succeeded = forms.TypedChoiceField(
        label=_("处置结果"),
        choices=[("1", _("已解决")), ("0", _("未能解决"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    recurrence = forms.ChoiceField(label=_("整治方式"), required=False, choices=[("", "——"), *Recurrence.choices])
    next_recurrence = forms.DateField(label=_("下次整治日期"), required=False, widget=DATE_WIDGET)

    def __init__(self, matter, *args, **kwargs):
        super().__init__(matter, *args, **kwargs)
        if matter.kind != MatterKind.ENVIRONMENT:
            del self.fields["recurrence"], self.fields["next_recurrence"]

    def run(self, user, matter):
        data = self.cleaned_data
        return actions.resolve_on_spot(
            user,
            matter,
            result=data["result"],
            succeeded=data["succeeded"],
            recurrence=data.get("recurrence", ""),
            next_recurrence=data.get("next_recurrence"),
        )


def _levels_above(matter: Matter) -> list[tuple[str, str]]:
    here = LEVEL_ORDER.index(Level(matter.level))
    return [(lv.value, lv.label) for lv in LEVEL_ORDER[here + 1 :]]


class ReportUpForm(ActionForm):
    reason = forms.CharField(label=_("上报理由"), max_length=2000, widget=textarea(2))
    to_level = forms.ChoiceField(label=_("上报到"), required=False)

    def __init__(self, matter, *args, **kwargs):
        super().__init__(matter, *args, **kwargs)
        levels = _levels_above(matter)
        if matter.color == RiskColor.RED and len(levels) > 1:
            self.fields["to_level"].choices = [("", _("上一级")), *levels]
        else:
            del self.fields["to_level"]

    def run(self, user, matter):
        return actions.report_up(
            user, matter, reason=self.cleaned_data["reason"], to_level=self.cleaned_data.get("to_level") or None
        )


def departments_for(matter: Matter):
    """Departments registered at the holder's town or county (or above)."""
    codes = [matter.holder_path[:n] for n in (6, 9) if len(matter.holder_path) >= n]
    return Department.objects.filter(active=True, path__in=codes).order_by("-path", "kind", "id")


class RouteForm(ActionForm):
    department = forms.ModelChoiceField(label=_("交办部门"), queryset=Department.objects.none())
    note = forms.CharField(label=_("交办意见"), required=False, max_length=2000, widget=textarea(2))

    def __init__(self, matter, *args, **kwargs):
        super().__init__(matter, *args, **kwargs)
        self.fields["department"].queryset = departments_for(matter)

    def run(self, user, matter):
        return actions.route_to_department(
            user, matter, self.cleaned_data["department"], note=self.cleaned_data["note"]
        )


class DepartmentReplyForm(ActionForm):
    result = forms.CharField(label=_("办理结果"), max_length=5000, widget=textarea())

    def run(self, user, matter):
        return actions.department_reply(user, matter, result=self.cleaned_data["result"])


class SendBackForm(ActionForm):
    result = forms.CharField(
        label=_("办理结果"), required=False, max_length=5000, widget=textarea(2), help_text=_("不填则沿用部门反馈")
    )

    def run(self, user, matter):
        return actions.send_back(user, matter, result=self.cleaned_data["result"])


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=textarea(2))


class ReturnForm(ReasonForm):
    def run(self, user, matter):
        return actions.return_with_reason(user, matter, reason=self.cleaned_data["reason"])


class ReopenForm(ReasonForm):
    def run(self, user, matter):
        return actions.reopen(user, matter, reason=self.cleaned_data["reason"])


class MergeForm(ActionForm):
    original = forms.RegexField(
        label=_("原事项受理编号"), regex=r"^\s*(?:[A-Z]{2}-\d{4}-)?0*\d{1,12}\s*$", help_text=_("如 JF-2026-000123")
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)

    def clean_original(self) -> int:
        return int(re.search(r"(\d+)\s*$", self.cleaned_data["original"]).group(1))

    def run(self, user, matter):
        original = Matter.objects.for_user(user).filter(pk=self.cleaned_data["original"]).first()
        if original is None:
            raise actions.ActionRefused(str(_("原事项不存在或不在您的管辖范围内")))
        return actions.merge_as_duplicate(user, matter, original, note=self.cleaned_data["note"])


def mediators_for(matter: Matter, roles=actions.MEDIATOR_ROLES):
    codes = [matter.path[:n] for n in range(6, len(matter.path) + 1)]
    return Appointment.objects.filter(role__in=roles, status=AppointmentStatus.APPOINTED, path__in=codes).order_by(
        "-path", "role", "id"
    )


class ScheduleMediationForm(ActionForm):
    scheduled_for = forms.DateTimeField(label=_("调解时间"), widget=DATETIME_WIDGET)
    venue = forms.CharField(label=_("调解地点"), required=False, max_length=200)
    mediators = PeopleField(
        label=_("调解人员"), queryset=Appointment.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    parties = forms.CharField(label=_("当事人"), required=False, max_length=2000)

    def __init__(self, matter, *args, **kwargs):
        super().__init__(matter, *args, **kwargs)
        self.fields["mediators"].queryset = mediators_for(matter)
        self.fields["scheduled_for"].initial = _now_local() + dt.timedelta(days=1)

    def run(self, user, matter):
        d = self.cleaned_data
        return actions.schedule_mediation(
            user, matter, scheduled_for=d["scheduled_for"], mediators=d["mediators"], venue=d["venue"],
            parties=d["parties"],
        )  # fmt: skip


class SessionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: MediationSession) -> str:
        return f"{timezone.localtime(obj.scheduled_for):%Y-%m-%d %H:%M} {obj.venue}".strip()


class RecordMediationForm(ActionForm):
    session = SessionField(
        label=_("调解安排"), required=False, queryset=MediationSession.objects.none(), empty_label=_("（当场调解）")
    )
    mediators = PeopleField(
        label=_("调解人员（当场调解时）"),
        required=False,
        queryset=Appointment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    outcome = forms.ChoiceField(label=_("调解结果"), choices=MediationOutcome.choices, widget=forms.RadioSelect)
    summary = forms.CharField(label=_("调解情况"), required=False, max_length=5000, widget=textarea())
    agreement_text = forms.CharField(label=_("达成协议内容"), required=False, max_length=5000, widget=textarea(2))

    def __init__(self, matter, *args, **kwargs):
        super().__init__(matter, *args, **kwargs)
        pending = MediationSession.objects.filter(matter=matter, outcome="").order_by("scheduled_for", "id")
        self.fields["session"].queryset = pending
        self.fields["mediators"].queryset = mediators_for(matter)

    def run(self, user, matter):
        d = self.cleaned_data
        return actions.record_mediation(
            user, matter, outcome=d["outcome"], session=d["session"], summary=d["summary"],
            agreement_text=d["agreement_text"], mediators=d["mediators"] or (),
        )  # fmt: skip


def parse_parties(text: str) -> list[dict[str, str]]:
    """One party per line: 姓名，身份（申请人/被申请人），住址，联系方式 (commas of either width)."""
    parties = []
    for line in text.splitlines():
        parts = [p.strip() for p in re.split(r"[，,]", line.strip())]
        if not parts or not parts[0]:
            continue
        keys = ["name", "role", "address", "contact"]
        parties.append({k: v for k, v in zip(keys, parts, strict=False) if v})
    return parties


def committee_of(matter) -> str:
    """The people's mediation committee (人民调解委员会) that mediates where ``matter`` is held: the holding
    village's, town's or county's (for a department, the unit that routed it); empty at grid level, where the
    village's committee is meant but the grid's page names no village."""
    if matter.level == "grid" or matter.holder_place_id is None:
        return ""
    return f"{matter.holder_place.name}人民调解委员会"


class AgreementForm(ActionForm):
    number = forms.CharField(label=_("协议书编号"), max_length=64)
    organisation = forms.CharField(label=_("调解组织"), max_length=100)
    parties = forms.CharField(
        label=_("当事人"),
        max_length=2000,
        widget=textarea(3),
        help_text=_("每行一人：姓名，身份，住址，联系方式"),
    )
    facts = forms.CharField(label=_("纠纷主要事实、争议事项"), max_length=5000, widget=textarea())
    terms = forms.CharField(label=_("经调解，自愿达成如下协议"), max_length=5000, widget=textarea())
    performance = forms.CharField(label=_("履行方式、时限"), required=False, max_length=2000, widget=textarea(2))
    mediator_names = forms.CharField(label=_("调解员"), required=False, max_length=200)
    signed_on = forms.DateField(label=_("签订日期"), widget=DATE_WIDGET)

    def __init__(self, matter, *args, **kwargs):
        super().__init__(matter, *args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()
        self.fields["organisation"].initial = committee_of(matter)

    def run(self, user, matter):
        d = self.cleaned_data
        return actions.record_agreement(
            user,
            matter,
            actions.AgreementInput(
                number=d["number"], organisation=d["organisation"], parties=parse_parties(d["parties"]),
                facts=d["facts"], terms=d["terms"], signed_on=d["signed_on"], performance=d["performance"],
                mediator_names=d["mediator_names"],
            ),
        )  # fmt: skip


class AnswerForm(ActionForm):
    answer_type = forms.ChoiceField(label=_("诉求类型"), choices=AnswerType.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("答复内容"), max_length=5000, widget=textarea())

    def run(self, user, matter):
        return actions.answer(
            user, matter, answer_type=self.cleaned_data["answer_type"], text=self.cleaned_data["text"]
        )


class RectifyForm(ActionForm):
    measures = forms.CharField(label=_("整改措施"), max_length=5000, widget=textarea())

    def run(self, user, matter):
        return actions.rectify(user, matter, measures=self.cleaned_data["measures"])


class ReinspectForm(ActionForm):
    passed = forms.TypedChoiceField(
        label=_("复查结论"),
        choices=[("1", _("整改到位")), ("0", _("未整改到位"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("复查情况"), max_length=2000, widget=textarea(2))

    def run(self, user, matter):
        return actions.reinspect(user, matter, passed=self.cleaned_data["passed"], note=self.cleaned_data["note"])


class ProxyForm(ActionForm):
    steward = PersonField(label=_("代办红管家"), queryset=Appointment.objects.none())
    result = forms.CharField(label=_("代办结果"), max_length=5000, widget=textarea(2))

    def __init__(self, matter, *args, **kwargs):
        super().__init__(matter, *args, **kwargs)
        self.fields["steward"].queryset = mediators_for(matter, frozenset({AppointmentRole.RED_STEWARD}))

    def run(self, user, matter):
        return actions.proxy_handle(
            user, matter, steward=self.cleaned_data["steward"], result=self.cleaned_data["result"]
        )


class FeedbackForm(ActionForm):
    method = forms.ChoiceField(label=_("回访方式"), choices=FeedbackMethod.choices, initial=FeedbackMethod.PHONE)
    contacted_at = forms.DateTimeField(label=_("回访时间"), widget=DATETIME_WIDGET)
    said = forms.CharField(label=_("反映人意见"), max_length=5000, widget=textarea(2))
    verdict = forms.ChoiceField(label=_("是否认可"), choices=FeedbackVerdict.choices, widget=forms.RadioSelect)
    satisfaction = forms.TypedChoiceField(
        label=_("满意度"),
        required=False,
        choices=[("", "——"), *[(str(i), "★" * i) for i in range(5, 0, -1)]],
        coerce=int,
        empty_value=None,
    )

    def __init__(self, matter, *args, **kwargs):
        super().__init__(matter, *args, **kwargs)
        self.fields["contacted_at"].initial = _now_local()

    def run(self, user, matter):
        d = self.cleaned_data
        return actions.record_feedback(
            user,
            matter,
            actions.FeedbackInput(
                method=d["method"], contacted_at=d["contacted_at"], said=d["said"], verdict=d["verdict"],
                satisfaction=d["satisfaction"],
            ),
        )  # fmt: skip


class AttachmentForm(ActionForm):
    file = forms.FileField(
        label=_("照片或文件"),
        help_text=_("JPG、PNG、WebP 照片，PDF、Word（.docx）、Excel（.xlsx）文件"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.pdf,.docx,.xlsx"}),
    )
    caption = forms.CharField(label=_("说明"), required=False, max_length=200)

    def run(self, user, matter):
        return actions.add_attachment(user, matter, self.cleaned_data["file"], caption=self.cleaned_data["caption"])


class SuperviseForm(ActionForm):
    color = forms.ChoiceField(
        label=_("督办等级"), choices=CardColor.choices, initial=CardColor.YELLOW, widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("督办事由"), max_length=500, widget=textarea(2))

    def run(self, user, matter):
        return actions.supervise(user, matter, color=self.cleaned_data["color"], reason=self.cleaned_data["reason"])


class EditMatterForm(ActionForm):
    """修改事项: the holder corrects what was recorded; a color change needs a reason."""

    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(label=_("情况描述"), required=False, max_length=5000, widget=textarea())
    color = forms.ChoiceField(label=_("风险等级"), choices=RiskColor.choices, widget=forms.RadioSelect)
    category = CategoryField(label=_("分类"), queryset=Category.objects.none())
    reason = forms.CharField(
        label=_("修改理由"), required=False, max_length=2000, widget=textarea(2), help_text=_("修改风险等级时必填")
    )

    def __init__(self, matter, *args, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "title": matter.title,
                "description": matter.description,
                "color": matter.color,
                "category": matter.category_id,
                **{EXTRA_PREFIX + k: v for k, v in (matter.extra or {}).items()},
            },
        )
        super().__init__(matter, *args, **kwargs)
        self.fields["category"].queryset = (
            Category.objects.filter(Q(kind=matter.kind, selectable=True, active=True) | Q(pk=matter.category_id))
            .select_related("parent")
            .order_by("sort_order", "code")
        )
        self.fields.update(extra_form_fields(matter.category))

    def run(self, user, matter):
        d = self.cleaned_data
        same = d["category"].pk == matter.category_id
        return actions.edit_matter(
            user,
            matter,
            actions.MatterEdit(
                title=d["title"], description=d["description"], color=d["color"], category=d["category"],
                extra=extra_values(d) if same else None, reason=d["reason"],
            ),
        )  # fmt: skip


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": AcceptForm,
    "resolve_on_spot": ResolveOnSpotForm,
    "report_up": ReportUpForm,
    "route_to_department": RouteForm,
    "department_reply": DepartmentReplyForm,
    "send_back": SendBackForm,
    "return_with_reason": ReturnForm,
    "merge_as_duplicate": MergeForm,
    "reopen": ReopenForm,
    "schedule_mediation": ScheduleMediationForm,
    "record_mediation": RecordMediationForm,
    "record_agreement": AgreementForm,
    "answer": AnswerForm,
    "rectify": RectifyForm,
    "reinspect": ReinspectForm,
    "proxy_handle": ProxyForm,
    "record_feedback": FeedbackForm,
    "close": CloseForm,
    "add_attachment": AttachmentForm,
    "edit_matter": EditMatterForm,
    "supervise": SuperviseForm,
}


# ---------------------------------------------------------------- list filters


LEVEL_CHOICES = [(v, label) for v, label in DeadlineLevel.choices]
FEEDBACK_CHOICES = [
    ("", _("全部")),
    ("accepted", _("回访认可")),
    ("rejected", _("回访不认可")),
    ("any", _("已回访")),
    ("none", _("未回访")),
]


class ListFilters(forms.Form):
    """The matters list's filters. Besides the fields a user picks, the statistics link here with the filters
    of the figure they state (办结、按时办结、在网格或村级办结、回访认可、超期 ...), so that the list holds exactly the
    matters the figure counts and shows the same total."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部")), *MatterKind.choices])
    category = forms.IntegerField(required=False, min_value=1)
    color = forms.ChoiceField(label=_("风险"), required=False, choices=[("", _("全部")), *RiskColor.choices])
    state = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(label=_("来源"), required=False, choices=[("", _("全部")), *SourceChannel.choices])
    level = forms.MultipleChoiceField(label=_("办理层级"), required=False, choices=LEVEL_CHOICES)
    late = forms.ChoiceField(
        label=_("时限"), required=False, choices=[("", _("全部")), ("0", _("从未超期")), ("1", _("曾超期"))]
    )
    feedback = forms.ChoiceField(label=_("回访"), required=False, choices=FEEDBACK_CHOICES)
    overdue = forms.ChoiceField(label=_("超期"), required=False, choices=[("", _("全部")), ("1", _("现已超期"))])
    place = forms.RegexField(required=False, regex=r"^\d{6,24}$")
    holder = forms.RegexField(required=False, regex=r"^\d{6,24}$")
    holder_exact = forms.BooleanField(required=False)
    since = forms.DateField(label=_("起始日期"), required=False, widget=DATE_WIDGET)
    until = forms.DateField(label=_("截止日期"), required=False, widget=DATE_WIDGET)

    ADVANCED = ("channel", "level", "late", "feedback", "overdue")

    def __init__(self, *args, **kwargs):
        from gridgov.matters.choices import MatterState

        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [
            ("", _("全部（不含已合并的重复事项）")),
            ("open", _("未办结")),
            ("done", _("已办结（含待回访）")),
            *MatterState.choices,
        ]

    def values(self) -> dict[str, Any]:
        """The valid, non-empty filters (an invalid one is ignored rather than failing the page)."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [], False)}


def dimension_filters(values: dict[str, Any]) -> dict[str, Any]:
    """The list's filters as the statistics' dimensions of a matter (`gridgov.stats.sources.MATTERS`)."""
    from gridgov.matters.choices import DONE_STATES, NO_FEEDBACK, OPEN_STATES, MatterState

    out: dict[str, Any] = {}
    for name in ("kind", "color", "channel"):
        if values.get(name):
            out[name] = values[name]
    if values.get("category"):
        category = values["category"]
        out["category"] = [category, *Category.objects.filter(parent_id=category).values_list("id", flat=True)]
    state = values.get("state", "")
    if state == "open":
        out["state"] = sorted(OPEN_STATES)
    elif state == "done":
        out["state"] = list(DONE_STATES)
    elif state:
        out["state"] = [state]
    else:
        out["state"] = [s for s in MatterState.values if s != MatterState.MERGED]
    if values.get("level"):
        out["level"] = list(values["level"])
    if values.get("late"):
        out["late"] = values["late"] == "1"
    feedback = values.get("feedback", "")
    if feedback == "any":
        out["feedback"] = ["accepted", "rejected"]
    elif feedback == "none":
        out["feedback"] = NO_FEEDBACK
    elif feedback:
        out["feedback"] = feedback
    if values.get("overdue"):
        out["overdue"] = True
    return out


def apply_filters(qs, values: dict[str, Any]):
    qs = counting.narrow("matters", qs, dimension_filters(values))
    if values.get("place"):
        qs = qs.filter(path__within=values["place"])
    if values.get("holder"):
        holder = values["holder"]
        qs = qs.filter(holder_path=holder) if values.get("holder_exact") else qs.filter(holder_path__within=holder)
    tz = timezone.get_current_timezone()
    if values.get("since"):
        qs = qs.filter(created_at__gte=dt.datetime.combine(values["since"], dt.time.min, tzinfo=tz))
    if values.get("until"):
        qs = qs.filter(
            created_at__lt=dt.datetime.combine(values["until"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return qs
