"""Forms of the taxonomy pages (categories with their extra fields, departments). They parse input;
`actions.save_category` / `actions.save_department` decide and make the change."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.choices import Role
from gridgov.accounts.models import User
from gridgov.matters import actions
from gridgov.matters.choices import DepartmentKind, FieldType, MatterKind
from gridgov.matters.models import FIELD_NAME_RE, Category, Department
from gridgov.places.models import Place

OPTION_SPLIT = re.compile(r"[\n,，、;；]+")


class GroupField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.get_kind_display()} / {obj.name}"


class CategoryForm(forms.Form):
    kind = forms.ChoiceField(label=_("事项类型"), choices=MatterKind.choices)
    code = forms.CharField(
        label=_("代码"), max_length=64, help_text=_("小写英文，可用“.”分级，如 dispute.neighbour；创建后不能修改")
    )
    name = forms.CharField(label=_("名称"), max_length=100)
    parent = GroupField(label=_("上级分组"), required=False, queryset=Category.objects.none(), empty_label="——")
    selectable = forms.BooleanField(label=_("可选用（不勾选则为分组）"), required=False, initial=True)
    department_kind = forms.ChoiceField(
        label=_("通常承办部门"), required=False, choices=[("", "——"), *DepartmentKind.choices]
    )
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, max_value=100000, initial=0)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, category: Category | None = None, **kwargs):
        self.category = category
        if category is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": category.kind,
                    "code": category.code,
                    "name": category.name,
                    "parent": category.parent_id,
                    "selectable": category.selectable,
                    "department_kind": category.department_kind,
                    "sort_order": category.sort_order,
                    "active": category.active,
                },
            )
        super().__init__(*args, **kwargs)
        groups = Category.objects.filter(selectable=False).order_by("kind", "sort_order", "code")
        if category is not None:
            groups = groups.filter(kind=category.kind).exclude(pk=category.pk)
            for name in ("kind", "code"):  # what matters and Open311 service codes refer to
                self.fields[name].disabled = True
                self.fields[name].required = False
        self.fields["parent"].queryset = groups


class ExtraFieldForm(forms.Form):
    name = forms.CharField(label=_("标识"), max_length=40, required=False, help_text=_("小写英文，如 area_mu"))
    label = forms.CharField(label=_("名称"), max_length=50, required=False)
    type = forms.ChoiceField(label=_("类型"), choices=FieldType.choices, initial=FieldType.TEXT)
    required = forms.BooleanField(label=_("必填"), required=False)
    options = forms.CharField(
        label=_("选项"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("单选、多选时填写，每行一个或用顿号分隔"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors or data.get("DELETE"):
            return data
        name, label = (data.get("name") or "").strip(), (data.get("label") or "").strip()
        if not name and not label:
            data["empty"] = True
            return data
        if not FIELD_NAME_RE.match(name):
            self.add_error("name", _("标识应为小写英文字母开头，只含小写字母、数字和下划线"))
        if not label:
            self.add_error("label", _("请填写名称"))
        options = [o.strip() for o in OPTION_SPLIT.split(data.get("options") or "") if o.strip()]
        if data.get("type") in (FieldType.SINGLE, FieldType.MULTI) and not options:
            self.add_error("options", _("单选、多选须填写选项"))
        data["option_list"] = list(dict.fromkeys(options))
        return data

    def spec(self) -> dict[str, Any]:
        d = self.cleaned_data
        spec: dict[str, Any] = {"name": d["name"].strip(), "label": d["label"].strip(), "type": d["type"]}
        if d.get("required"):
            spec["required"] = True
        if d["type"] in (FieldType.SINGLE, FieldType.MULTI):
            spec["options"] = d["option_list"]
        return spec


ExtraFieldFormSet = forms.formset_factory(ExtraFieldForm, extra=2, can_delete=True, max_num=30, validate_max=True)


def extra_field_initial(category: Category | None) -> list[dict[str, Any]]:
    return [
        {
            "name": spec.get("name", ""),
            "label": spec.get("label", ""),
            "type": spec.get("type", FieldType.TEXT),
            "required": bool(spec.get("required")),
            "options": "\n".join(spec.get("options") or []),
        }
        for spec in (category.extra_fields if category else []) or []
    ]


def category_input(form: CategoryForm, formset, category: Category | None) -> actions.CategoryInput:
    d = form.cleaned_data
    specs = [f.spec() for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    specs = [s for s in specs if s["name"]]
    return actions.CategoryInput(
        kind=category.kind if category else d["kind"],
        code=category.code if category else d["code"],
        name=d["name"],
        parent=d["parent"],
        selectable=d["selectable"],
        department_kind=d["department_kind"],
        extra_fields=specs,
        sort_order=d["sort_order"] or 0,
        active=d["active"],
    )


class LiaisonField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name or obj.username}（{obj.username}）"


class PlaceOption(forms.ModelChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class DepartmentForm(forms.Form):
    place = PlaceOption(label=_("所属地域"), queryset=Place.objects.none())
    kind = forms.ChoiceField(label=_("部门类型"), choices=DepartmentKind.choices)
    name = forms.CharField(label=_("名称"), max_length=100)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    liaisons = LiaisonField(
        label=_("联络人"),
        required=False,
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("部门联络人账号；联络人只看到交办给本部门的事项"),
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, user, *args, department: Department | None = None, **kwargs):
        if department is not None:
            kwargs.setdefault(
                "initial",
                {
                    "place": department.place_id,
                    "kind": department.kind,
                    "name": department.name,
                    "phone": department.phone,
                    "liaisons": list(department.liaisons.values_list("id", flat=True)),
                    "active": department.active,
                },
            )
        super().__init__(*args, **kwargs)
        code = user.place.code
        self.fields["place"].queryset = Place.objects.filter(
            kind__in=["county", "town"], code__startswith=code
        ).order_by("code")
        self.fields["liaisons"].queryset = (
            User.objects.filter(role=Role.DEPARTMENT_LIAISON, is_active=True, place__code__startswith=code)
            .select_related("place")
            .order_by("username")
        )

    def department_input(self) -> actions.DepartmentInput:
        d = self.cleaned_data
        return actions.DepartmentInput(
            place=d["place"],
            kind=d["kind"],
            name=d["name"],
            phone=d["phone"],
            liaisons=list(d["liaisons"]),
            active=d["active"],
        )
