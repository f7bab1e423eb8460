"""Forms for households and residents. They validate input; `actions.py` makes the change."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gridgov.households.actions import ResidentInput
from gridgov.households.choices import ETHNICITIES, HouseType, Relation, ResidenceType
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        return f"{obj.name}（{obj.code}）"


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put an action's ValidationError onto the form's fields (unknown fields go to the top)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class HouseholdForm(forms.Form):
    number = forms.CharField(label=_("户编号"), max_length=32)
    grid = PlaceChoiceField(label=_("网格"), queryset=Place.objects.none(), empty_label=_("请选择网格"))
    cluster = PlaceChoiceField(
        label=_("联户"), queryset=Place.objects.none(), required=False, empty_label=_("（暂不分配）")
    )
    address = forms.CharField(label=_("住址"), max_length=200)
    house_type = forms.ChoiceField(label=_("房屋类型"), choices=HouseType.choices, initial=HouseType.SELF_BUILT)
    longitude = forms.FloatField(label=_("经度"), required=False, min_value=73, max_value=136)
    latitude = forms.FloatField(label=_("纬度"), required=False, min_value=3, max_value=54)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = Place.objects.for_user(user).only("code", "name", "kind").order_by("code")
        self.fields["grid"].queryset = places.filter(kind=PlaceKind.GRID)
        self.fields["cluster"].queryset = places.filter(kind=PlaceKind.CLUSTER)
        self.fields["longitude"].widget.attrs["step"] = "any"
        self.fields["latitude"].widget.attrs["step"] = "any"

    def clean(self):
        data = super().clean()
        grid, cluster = data.get("grid"), data.get("cluster")
        if grid and cluster and not cluster.code.startswith(grid.code):
            self.add_error(
                "cluster", _("联户 %(cluster)s 不在网格 %(grid)s 内") % {"cluster": cluster.name, "grid": grid.name}
            )
        lng, lat = data.get("longitude"), data.get("latitude")
        if (lng is None) != (lat is None):
            self.add_error("latitude", _("经度和纬度需同时填写"))
        return data

    @property
    def point(self) -> dict | None:
        lng, lat = self.cleaned_data.get("longitude"), self.cleaned_data.get("latitude")
        return {"type": "Point", "coordinates": [lng, lat]} if lng is not None and lat is not None else None


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(
        label=_("联系电话"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices, initial=Relation.OTHER)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=[(e, e) for e in ETHNICITIES], initial="汉族")
    is_party_member = forms.BooleanField(label=_("中共党员"), required=False)
    residence_type = forms.ChoiceField(
        label=_("人口类型"), choices=ResidenceType.choices, initial=ResidenceType.REGISTERED
    )
    works_away = forms.BooleanField(label=_("外出务工"), required=False)
    works_away_place = forms.CharField(label=_("务工地"), max_length=100, required=False)

    def resident_input(self) -> ResidentInput:
        data = self.cleaned_data
        return ResidentInput(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            relation=data["relation"],
            ethnicity=data["ethnicity"],
            is_party_member=data["is_party_member"],
            residence_type=data["residence_type"],
            works_away=data["works_away"],
            works_away_place=data["works_away_place"],
        )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("新的联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
        help_text=_("留空表示清除电话"),
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("查看理由"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("例如：核实身份办理低保")}),
    )
