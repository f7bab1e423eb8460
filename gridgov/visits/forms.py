"""Forms of the visits ledger. They validate input; `actions.py` makes the change."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.choices import BUSINESS_ROLES
from gridgov.accounts.models import User
from gridgov.households.forms import apply_errors  # noqa: F401  (re-exported for the views)
from gridgov.households.models import Household
from gridgov.visits.actions import VisitInput, ancestor_paths
from gridgov.visits.choices import VisitMode, VulnerableCategory
from gridgov.visits.models import VulnerableMember


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name or obj.username}（{obj.get_role_display()}）"


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: VulnerableMember) -> str:
        return f"{obj.resident.name}（{obj.get_category_display()}）"


def visitor_choices(household: Household):
    """Accounts whose area includes the household: its grid's workers, the village committee, the town."""
    return (
        User.objects.filter(is_active=True, role__in=BUSINESS_ROLES, place__code__in=ancestor_paths(household.path))
        .only("id", "username", "display_name", "role")
        .order_by("-place__code", "id")
    )


class VisitForm(forms.Form):
    visited_at = forms.DateTimeField(
        label=_("走访时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    mode = forms.ChoiceField(
        label=_("方式"), choices=VisitMode.choices, initial=VisitMode.DOOR, widget=forms.RadioSelect
    )
    visitors = UserChoiceField(
        label=_("走访人"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    companions = forms.CharField(label=_("其他同行人员"), max_length=200, required=False)
    people_met = forms.CharField(label=_("见到的人"), max_length=200, required=False)
    vulnerable_member = MemberChoiceField(
        label=_("探访关爱对象"), queryset=VulnerableMember.objects.none(), required=False, empty_label=_("（无）")
    )
    findings = forms.CharField(
        label=_("走访情况"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    longitude = forms.FloatField(label=_("经度"), required=False, min_value=73, max_value=136)
    latitude = forms.FloatField(label=_("纬度"), required=False, min_value=3, max_value=54)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, user, household: Household, *args, member: VulnerableMember | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.household = user, household
        self.fields["visitors"].queryset = visitor_choices(household)
        self.fields["vulnerable_member"].queryset = (
            VulnerableMember.objects.for_user(user).filter(household=household, active=True).select_related("resident")
        )
        if not self.is_bound:
            self.initial.setdefault("visited_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("visitors", [user.pk])
            self.initial.setdefault("client_uuid", uuid.uuid4())  # a second submit of this page adds nothing
            if member is not None:
                self.initial.setdefault("vulnerable_member", member.pk)
        for name in ("longitude", "latitude"):
            self.fields[name].widget.attrs["step"] = "any"

    def clean(self):
        data = super().clean()
        if (data.get("longitude") is None) != (data.get("latitude") is None):
            self.add_error("latitude", _("经度和纬度需同时填写"))
        return data

    def visit_input(self) -> VisitInput:
        data = self.cleaned_data
        lng, lat = data.get("longitude"), data.get("latitude")
        return VisitInput(
            household=self.household,
            visited_at=data["visited_at"],
            mode=data["mode"],
            people_met=data["people_met"],
            findings=data["findings"],
            companions=data["companions"],
            visitors=list(data["visitors"]) or [self.user],
            point={"type": "Point", "coordinates": [lng, lat]} if lng is not None and lat is not None else None,
            vulnerable_member=data.get("vulnerable_member"),
            client_uuid=data.get("client_uuid"),
        )


class VulnerableForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=VulnerableCategory.choices)
    check_every_days = forms.IntegerField(
        label=_("探访周期（天）"), min_value=1, max_value=365, required=False, help_text=_("留空按类别默认周期")
    )
    since = forms.DateField(label=_("纳入日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(
        label=_("情况说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class EndForm(forms.Form):
    reason = forms.CharField(label=_("移出原因"), max_length=200)


class CadenceForm(forms.Form):
    check_every_days = forms.IntegerField(label=_("探访周期（天）"), min_value=1, max_value=365)


class RuleForm(forms.Form):
    place_code = forms.RegexField(label=_("地域代码"), regex=r"^\d{6,16}$", max_length=16)
    every_days = forms.IntegerField(label=_("每户走访周期（天）"), min_value=1, max_value=3650)
    priority_every_days = forms.IntegerField(
        label=_("重点关注户走访周期（天）"), min_value=1, max_value=3650, help_text=_("有关爱对象或重点人员的户")
    )
    remind_days = forms.IntegerField(label=_("提前提醒（天）"), min_value=0, max_value=60)
