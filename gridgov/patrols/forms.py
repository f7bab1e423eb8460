"""Forms of patrol logs. They validate input; `actions.py` makes the change."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.households.forms import apply_errors  # noqa: F401  (re-exported for the views)
from gridgov.patrols import queries
from gridgov.patrols.actions import PatrolInput
from gridgov.patrols.choices import Shift
from gridgov.personnel.models import Appointment, PatrolTeam

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class MemberField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Appointment) -> str:
        return obj.person_name


class GridField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class PatrolForm(forms.Form):
    """巡逻登记: one screen on a phone; the route and the members are ticked, not typed."""

    date = forms.DateField(label=_("巡逻日期"), widget=DATE)
    shift = forms.ChoiceField(label=_("时段"), choices=Shift.choices, initial=Shift.NIGHT, widget=forms.RadioSelect)
    duration_minutes = forms.IntegerField(
        label=_("时长（分钟）"), min_value=1, max_value=1440, initial=120, widget=forms.NumberInput(attrs={"step": 10})
    )
    route = GridField(label=_("巡逻网格"), queryset=None, widget=forms.CheckboxSelectMultiple)
    members = MemberField(label=_("参加队员"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    others = forms.CharField(
        label=_("其他参加人员"), max_length=200, required=False, help_text=_("民警、网格员、志愿者等")
    )
    headcount = forms.IntegerField(
        label=_("参加人数"), min_value=1, max_value=999, required=False, help_text=_("不填则按所选队员计")
    )
    findings = forms.CharField(
        label=_("发现情况"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("无异常可不填；发现的问题保存后可一键转为事项"),
    )

    def __init__(self, user, team: PatrolTeam, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.team = user, team
        grids = queries.route_choices(user, team).order_by("code")
        self.fields["route"].queryset = grids
        self.fields["members"].queryset = queries.current_members(team)
        self.fields["date"].initial = timezone.localdate()
        if not self.is_bound:
            own = set(queries.team_grid_ids(team))
            self.initial["route"] = [g.pk for g in grids if g.pk in own]

    def patrol_input(self) -> PatrolInput:
        d = self.cleaned_data
        return PatrolInput(
            team=self.team,
            date=d["date"],
            shift=d["shift"],
            duration_minutes=d["duration_minutes"],
            route=list(d["route"]),
            members=list(d["members"]),
            others=d["others"],
            headcount=d["headcount"],
            findings=d["findings"],
        )
