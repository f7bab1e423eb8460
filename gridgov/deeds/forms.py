"""Forms of practical deeds: they validate input; `actions.py` makes the change."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.deeds.actions import DeedInput
from gridgov.deeds.choices import DEED_PLACE_KINDS, DeedCategory
from gridgov.households.forms import apply_errors  # noqa: F401  (re-exported for the views)
from gridgov.households.models import Household
from gridgov.places.models import Place
from gridgov.publicity.common import places_for_form
from gridgov.publicity.forms import PlaceChoiceField


class DeedForm(forms.Form):
    done_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ChoiceField(label=_("类别"), choices=DeedCategory.choices)
    title = forms.CharField(label=_("实事内容"), max_length=200)
    household_number = forms.CharField(
        label=_("受益户编号"), max_length=32, required=False, help_text=_("为某一户办的实事填写户编号")
    )
    place = PlaceChoiceField(
        label=_("地点"), queryset=Place.objects.none(), required=False, empty_label=_("（按受益户）")
    )
    beneficiary = forms.CharField(
        label=_("受益对象"), max_length=200, required=False, help_text=_("如：五组 12 户村民；填了户编号可不填")
    )
    done_by = forms.CharField(label=_("办理人"), max_length=200)
    description = forms.CharField(
        label=_("办理情况"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.household = None
        self.fields["place"].queryset = places_for_form(user, DEED_PLACE_KINDS)
        if not self.is_bound:
            self.initial.setdefault("done_on", timezone.localdate())
            self.initial.setdefault("done_by", user.display_name or user.username)
            self.initial.setdefault("client_uuid", uuid.uuid4())  # a second submit of this page adds nothing

    def clean_household_number(self) -> str:
        number = self.cleaned_data["household_number"].strip()
        if number:
            self.household = (
                Household.objects.for_user(self.user).select_related("grid", "cluster").filter(number=number).first()
            )
            if self.household is None:
                raise forms.ValidationError(_("辖区内没有该户编号"))
        return number

    def deed_input(self) -> DeedInput:
        data = self.cleaned_data
        return DeedInput(
            done_on=data["done_on"],
            category=data["category"],
            title=data["title"],
            done_by=data["done_by"],
            place=data.get("place"),
            household=self.household,
            beneficiary=data["beneficiary"],
            description=data["description"],
            client_uuid=data.get("client_uuid"),
        )
