"""Forms of deliberation meetings: they validate input; `actions.py` makes the change."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.deliberations.actions import GROUP_ONLY, DeliberationInput
from gridgov.deliberations.choices import Subject
from gridgov.households.forms import apply_errors  # noqa: F401  (re-exported for the views)
from gridgov.places.models import Place
from gridgov.publicity.common import places_for_form


def textarea(rows: int):
    return forms.Textarea(attrs={"rows": rows})


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        return obj.name


class DeliberationForm(forms.Form):
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    group = GroupChoiceField(label=_("村民小组"), queryset=Place.objects.none(), empty_label=_("请选择村民小组"))
    subject = forms.ChoiceField(label=_("议事内容"), choices=Subject.choices)
    topic = forms.CharField(label=_("议题"), max_length=200)
    host = forms.CharField(label=_("主持人"), max_length=100)
    participant_count = forms.IntegerField(label=_("参加人数"), min_value=1, max_value=10_000)
    participants = forms.CharField(
        label=_("参加人员"), max_length=1000, required=False, widget=textarea(2), help_text=_("姓名，用顿号分隔")
    )
    discussion = forms.CharField(label=_("协商情况"), max_length=5000, required=False, widget=textarea(3))
    decisions = forms.CharField(label=_("议定事项"), max_length=5000, widget=textarea(4))
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = places_for_form(user, GROUP_ONLY)
        self.fields["participant_count"].widget.attrs["inputmode"] = "numeric"
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())
            self.initial.setdefault("client_uuid", uuid.uuid4())  # a second submit of this page adds nothing

    def deliberation_input(self) -> DeliberationInput:
        data = self.cleaned_data
        return DeliberationInput(
            group=data["group"],
            held_on=data["held_on"],
            subject=data["subject"],
            topic=data["topic"],
            host=data["host"],
            participant_count=data["participant_count"],
            participants=data["participants"],
            discussion=data["discussion"],
            decisions=data["decisions"],
            client_uuid=data.get("client_uuid"),
        )
