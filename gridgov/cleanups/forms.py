"""Forms of clean-ups: they validate input; `actions.py` makes the change."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.cleanups.actions import (
    AREA_PLACE_KINDS,
    COVER_KINDS,
    PROBLEM_PLACE_KINDS,
    AreaInput,
    ProblemInput,
    RoundInput,
)
from gridgov.cleanups.models import CleanupRound, ResponsibilityArea
from gridgov.households.forms import apply_errors  # noqa: F401  (re-exported for the views)
from gridgov.matters.choices import Recurrence, RiskColor
from gridgov.matters.models import Category
from gridgov.places.models import Place
from gridgov.publicity.common import places_for_form
from gridgov.publicity.forms import PlaceChoiceField


def textarea(rows: int):
    return forms.Textarea(attrs={"rows": rows})


class PlacesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        return obj.name


class AreaForm(forms.Form):
    place = PlaceChoiceField(label=_("所属"), queryset=Place.objects.none(), empty_label=_("请选择乡镇或村（社区）"))
    name = forms.CharField(label=_("责任区名称"), max_length=100)
    responsible = forms.CharField(label=_("责任人"), max_length=100)
    members = forms.CharField(
        label=_("责任人员"), max_length=1000, required=False, widget=textarea(2), help_text=_("姓名，用顿号分隔")
    )
    covers = PlacesField(
        label=_("包含村庄（村、组）"),
        queryset=Place.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, user, *args, area: ResponsibilityArea | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places_for_form(user, AREA_PLACE_KINDS)
        under = area.path if area is not None else ""
        covers = places_for_form(user, COVER_KINDS)
        self.fields["covers"].queryset = covers.filter(code__startswith=under) if under else covers
        if area is not None:
            del self.fields["place"]
            self.area = area

    def area_input(self) -> AreaInput:
        data = self.cleaned_data
        place = data["place"] if "place" in data else self.area.place
        return AreaInput(
            place=place,
            name=data["name"],
            responsible=data["responsible"],
            members=data["members"],
            covers=list(data["covers"]),
            notes=data["notes"],
        )


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ResponsibilityArea) -> str:
        return obj.name


class RoundForm(forms.Form):
    area = AreaChoiceField(label=_("责任区"), queryset=ResponsibilityArea.objects.none(), empty_label=_("请选择责任区"))
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    participant_count = forms.IntegerField(label=_("参与人数"), min_value=1, max_value=10_000)
    participants = forms.CharField(label=_("参与人员"), max_length=1000, required=False, widget=textarea(2))
    summary = forms.CharField(label=_("整治情况"), max_length=5000, required=False, widget=textarea(3))
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = ResponsibilityArea.objects.for_user(user).filter(active=True).order_by("path")
        self.fields["participant_count"].widget.attrs["inputmode"] = "numeric"
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())
            self.initial.setdefault("client_uuid", uuid.uuid4())  # a second submit of this page adds nothing

    def round_input(self) -> RoundInput:
        data = self.cleaned_data
        return RoundInput(
            area=data["area"],
            held_on=data["held_on"],
            participant_count=data["participant_count"],
            participants=data["participants"],
            summary=data["summary"],
            client_uuid=data.get("client_uuid"),
        )


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


class ProblemForm(forms.Form):
    place = PlaceChoiceField(label=_("地点"), queryset=Place.objects.none(), empty_label=_("请选择地点"))
    category = CategoryChoiceField(
        label=_("问题类别"),
        queryset=Category.objects.filter(kind="environment", selectable=True, active=True),
        empty_label=_("请选择"),
    )
    description = forms.CharField(label=_("问题描述"), max_length=500, widget=textarea(2))
    recurrence = forms.ChoiceField(label=_("整治方式"), choices=Recurrence.choices, widget=forms.RadioSelect)
    color = forms.ChoiceField(
        label=_("风险等级"), choices=RiskColor.choices, initial=RiskColor.BLUE, widget=forms.RadioSelect
    )
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, user, round_: CleanupRound, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places_for_form(user, PROBLEM_PLACE_KINDS[:3]).filter(
            code__startswith=round_.path
        )
        if not self.is_bound:
            self.initial.setdefault("client_uuid", uuid.uuid4())

    def problem_input(self) -> ProblemInput:
        data = self.cleaned_data
        return ProblemInput(
            place=data["place"],
            category=data["category"],
            description=data["description"],
            recurrence=data["recurrence"],
            color=data["color"],
            client_uuid=data.get("client_uuid"),
        )
