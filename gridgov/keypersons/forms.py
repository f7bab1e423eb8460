"""Forms of the key-population pages. They validate input; `actions.py` makes the change."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.choices import BUSINESS_ROLES, Role
from gridgov.accounts.models import User
from gridgov.keypersons.actions import FollowUpInput
from gridgov.keypersons.choices import FollowUpMode, PersonState, RiskColor, Whereabouts
from gridgov.keypersons.models import GRANT, KeyPersonCategory
from gridgov.visits.actions import ancestor_paths


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return gettext("%(name)s（%(role)s）") % {
            "name": obj.display_name or obj.username,
            "role": obj.get_role_display(),
        }


def responsible_choices(path: str):
    """Accounts that may be 包保责任人 for someone living at ``path``: area includes it, grant held."""
    return (
        User.objects.filter(
            is_active=True,
            role__in=BUSINESS_ROLES - {Role.CLUSTER_LEADER},
            place__code__in=ancestor_paths(path),
            **{GRANT: True},
        )
        .only("id", "username", "display_name", "role")
        .order_by("-place__code", "id")
    )


class EnlistForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=KeyPersonCategory.objects.filter(active=True), empty_label=_("请选择类别")
    )
    color = forms.ChoiceField(label=_("风险等级"), choices=RiskColor.choices, initial=RiskColor.BLUE)
    responsible = AccountChoiceField(label=_("包保责任人"), queryset=User.objects.none(), required=False)
    control_measures = forms.CharField(
        label=_("稳控措施"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    enlisted_on = forms.DateField(label=_("列管日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, path: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = responsible_choices(path)


class FollowUpForm(forms.Form):
    followed_up_at = forms.DateTimeField(
        label=_("稳控时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    mode = forms.ChoiceField(label=_("方式"), choices=FollowUpMode.choices, initial=FollowUpMode.DOOR)
    whereabouts = forms.ChoiceField(label=_("去向"), choices=Whereabouts.choices, initial=Whereabouts.AT_HOME)
    whereabouts_detail = forms.CharField(label=_("去向说明"), max_length=200, required=False)
    state = forms.ChoiceField(label=_("现实表现"), choices=PersonState.choices, initial=PersonState.STABLE)
    notes = forms.CharField(
        label=_("稳控情况"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    color = forms.ChoiceField(label=_("风险等级（稳控后）"), choices=RiskColor.choices)
    color_reason = forms.CharField(
        label=_("调整理由"), max_length=300, required=False, help_text=_("风险等级有变化时必填")
    )
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, current_color: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("followed_up_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("color", current_color)
            self.initial.setdefault("client_uuid", uuid.uuid4())

    def follow_up_input(self) -> FollowUpInput:
        data = self.cleaned_data
        return FollowUpInput(
            followed_up_at=data["followed_up_at"],
            mode=data["mode"],
            whereabouts=data["whereabouts"],
            whereabouts_detail=data["whereabouts_detail"],
            state=data["state"],
            notes=data["notes"],
            color=data["color"],
            color_reason=data["color_reason"],
            client_uuid=data.get("client_uuid"),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("说明"), max_length=300)


class OutOfContactForm(forms.Form):
    since = forms.DateField(label=_("失联日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("情况说明"), max_length=300)


class ResponsibleForm(forms.Form):
    responsible = AccountChoiceField(label=_("包保责任人"), queryset=User.objects.none(), required=False)

    def __init__(self, path: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = responsible_choices(path)


class MeasuresForm(forms.Form):
    control_measures = forms.CharField(
        label=_("稳控措施"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=50)
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
    red_days = forms.IntegerField(label=_("红色稳控周期（天）"), min_value=1, max_value=365)
    yellow_days = forms.IntegerField(label=_("黄色稳控周期（天）"), min_value=1, max_value=365)
    blue_days = forms.IntegerField(label=_("蓝色稳控周期（天）"), min_value=1, max_value=365)
    active = forms.BooleanField(label=_("启用"), required=False)
