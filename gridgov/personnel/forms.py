"""Forms validate typed input; the actions decide and change. Places and residents are looked up in scope."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import User
from gridgov.core.models import scope_prefix
from gridgov.households.models import Resident, id_number_index
from gridgov.personnel.choices import AppointmentRole
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place
from gridgov.utils.idnumber import InvalidIdNumber, parse_id_number

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _today():
    return timezone.localdate()


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach an action's ValidationError to the form: to its field when the form has one."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error.messages[0] if error.messages else "")
    else:
        for message in exc.messages:
            form.add_error(None, message)


class ScopedForm(forms.Form):
    """A form that looks up places, residents and accounts within the acting user's area."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def _place(self, code: str, kinds: set[str] | None = None, label: str = _("地域")) -> Place:
        code = (code or "").strip()
        place = Place.objects.for_user(self.user).filter(code=code).first() if code.isdigit() else None
        if place is None:
            raise ValidationError(
                _("%(label)s代码 %(code)s 不存在或不在您的管辖范围内") % {"label": label, "code": code}
            )
        if kinds is not None and place.kind not in kinds:
            raise ValidationError(_("%(name)s 不是%(what)s") % {"name": place.name, "what": label})
        return place


class NominationForm(ScopedForm):
    place_code = forms.CharField(label=_("任职地域代码"), max_length=24)
    role = forms.ChoiceField(label=_("职务"), choices=AppointmentRole.choices)
    person_name = forms.CharField(label=_("被提名人姓名"), max_length=50, required=False)
    id_number = forms.CharField(
        label=_("居民身份证号（选填，关联已登记居民）"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    nominated_by = forms.CharField(label=_("提名人/提名方式"), max_length=100, help_text=_("如：群众推荐、网格长提名"))
    nominated_on = forms.DateField(label=_("提名日期"), initial=_today, widget=DATE)

    def clean_place_code(self) -> Place:
        return self._place(self.cleaned_data["place_code"])

    def clean_id_number(self) -> Resident | None:
        raw = (self.cleaned_data.get("id_number") or "").strip()
        if not raw:
            return None
        try:
            value = parse_id_number(raw).value
        except InvalidIdNumber as exc:
            raise ValidationError(str(exc)) from None
        resident = Resident.objects.for_user(self.user).filter(id_number_index=id_number_index(value)).first()
        if resident is None:
            raise ValidationError(_("在您的管辖范围内没有登记该身份证号的居民"))
        return resident

    def clean(self):
        data = super().clean()
        if not data.get("id_number") and not (data.get("person_name") or "").strip() and "id_number" not in self.errors:
            self.add_error("person_name", _("请填写被提名人姓名，或填写已登记居民的身份证号"))
        return data

    def action_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "place": d["place_code"],
            "role": d["role"],
            "person_name": d.get("person_name") or "",
            "resident": d.get("id_number"),
            "nominated_by": d["nominated_by"],
            "nominated_on": d["nominated_on"],
        }


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("评议意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reviewed_on = forms.DateField(label=_("评议日期"), initial=_today, widget=DATE)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不予通过理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    rejected_on = forms.DateField(label=_("日期"), initial=_today, widget=DATE)


class AppointForm(ScopedForm):
    term_start = forms.DateField(label=_("任期开始"), initial=_today, widget=DATE)
    term_end = forms.DateField(label=_("任期结束"), required=False, widget=DATE)
    account = forms.CharField(label=_("关联系统账号（用户名，选填）"), max_length=150, required=False)

    def clean_account(self) -> User | None:
        username = (self.cleaned_data.get("account") or "").strip()
        if not username:
            return None
        account = User.objects.select_related("place").filter(username=username).first()
        prefix = scope_prefix(self.user)
        if account is None or account.place is None or prefix is None or not account.place.code.startswith(prefix):
            raise ValidationError(_("账号 %(name)s 不存在或不在您的管辖范围内") % {"name": username})
        return account


class EndTermForm(forms.Form):
    ended_on = forms.DateField(label=_("离任日期"), initial=_today, widget=DATE)
    reason = forms.CharField(label=_("离任原因"), max_length=200)


class GridsField(forms.CharField):
    """Grid codes separated by spaces, commas or new lines."""

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        return [c for c in text.replace(",", " ").replace("，", " ").split() if c]


class PartyGroupForm(ScopedForm):
    village_code = forms.CharField(label=_("所属村/社区代码"), max_length=24)
    name = forms.CharField(label=_("党小组名称"), max_length=100)
    leader_name = forms.CharField(label=_("党小组长"), max_length=50, required=False)
    grid_codes = GridsField(
        label=_("覆盖网格代码（可多个，以空格或逗号分隔）"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_village_code(self) -> Place:
        return self._place(self.cleaned_data["village_code"], {PlaceKind.VILLAGE}, _("村/社区"))

    def clean_grid_codes(self) -> list[Place]:
        return [self._place(code, {PlaceKind.GRID}, _("网格")) for code in self.cleaned_data["grid_codes"]]


class PatrolTeamForm(ScopedForm):
    place_code = forms.CharField(label=_("所属乡镇或村/社区代码"), max_length=24)
    name = forms.CharField(label=_("巡逻队名称"), max_length=100)
    grid_codes = GridsField(
        label=_("巡逻网格代码（可多个，以空格或逗号分隔）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_place_code(self) -> Place:
        return self._place(self.cleaned_data["place_code"], {PlaceKind.TOWN, PlaceKind.VILLAGE}, _("乡镇或村/社区"))

    def clean_grid_codes(self) -> list[Place]:
        return [self._place(code, {PlaceKind.GRID}, _("网格")) for code in self.cleaned_data["grid_codes"]]


class ChatGroupForm(ScopedForm):
    grid_code = forms.CharField(label=_("网格代码"), max_length=24)
    name = forms.CharField(label=_("群名称"), max_length=100)
    owner_name = forms.CharField(label=_("群主"), max_length=50, required=False)
    member_count = forms.IntegerField(label=_("群成员数"), min_value=0, initial=0)

    def clean_grid_code(self) -> Place:
        return self._place(self.cleaned_data["grid_code"], {PlaceKind.GRID}, _("网格"))
