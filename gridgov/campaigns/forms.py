"""Forms of campaigns. They validate input; `actions.py` makes the change."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gridgov.campaigns.actions import CampaignInput, QuestionInput
from gridgov.campaigns.choices import MAX_QUESTIONS, QuestionKind
from gridgov.campaigns.models import Campaign, CampaignQuestion
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place

SCOPE_KINDS = (PlaceKind.COUNTY, PlaceKind.TOWN, PlaceKind.VILLAGE, PlaceKind.GROUP)


class PlacesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        depth = {PlaceKind.TOWN: 1, PlaceKind.VILLAGE: 2, PlaceKind.GROUP: 3}.get(obj.kind, 0)
        return "\u2003" * depth + obj.name


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=100)
    places = PlacesField(
        label=_("摸排范围"),
        queryset=Place.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("可多选；所选地域下的每一户都是摸排对象"),
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        label=_("说明"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, user, *args, campaign: Campaign | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].queryset = (
            Place.objects.for_user(user)
            .filter(kind__in=SCOPE_KINDS)
            .only("id", "code", "name", "kind")
            .order_by("code")
        )
        if campaign is not None and not campaign.is_draft:
            self.fields["places"].disabled = True
            self.fields["places"].help_text = _("摸排开始后不能修改范围")

    def campaign_input(self) -> CampaignInput:
        data = self.cleaned_data
        return CampaignInput(
            title=data["title"],
            places=list(data["places"]),
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            description=data.get("description", ""),
        )


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("问题"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices, initial=QuestionKind.TEXT)
    required = forms.BooleanField(label=_("必答"), required=False)
    options = forms.CharField(
        label=_("选项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("单选、多选题：每行一个选项"),
    )
    key = forms.CharField(label=_("标识"), max_length=32, required=False, help_text=_("可空，自动生成"))
    help_text = forms.CharField(label=_("填写说明"), max_length=200, required=False)

    def question_input(self) -> QuestionInput | None:
        data = self.cleaned_data
        if not data.get("text", "").strip():
            return None
        return QuestionInput(
            text=data["text"],
            kind=data["kind"],
            required=data.get("required", False),
            options=[line.strip() for line in data.get("options", "").splitlines() if line.strip()],
            key=data.get("key", ""),
            help_text=data.get("help_text", ""),
        )


QuestionFormSet = forms.formset_factory(QuestionForm, extra=3, max_num=MAX_QUESTIONS, validate_max=True)


def checklist_initial(questions: list[CampaignQuestion]) -> list[dict]:
    return [
        {
            "text": q.text,
            "kind": q.kind,
            "required": q.required,
            "options": "\n".join(q.options or []),
            "key": q.key,
            "help_text": q.help_text,
        }
        for q in questions
    ]


YES_NO = [("yes", _("是")), ("no", _("否"))]


def field_name(key: str) -> str:
    return f"a_{key}"


class CheckForm(forms.Form):
    """One household's check: a field per question, typed like the question."""

    notes = forms.CharField(label=_("备注"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, questions: list[CampaignQuestion], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        fields = {}
        for q in questions:
            common = {"label": q.text, "required": q.required, "help_text": q.help_text}
            if q.kind == QuestionKind.NUMBER:
                field = forms.DecimalField(max_digits=14, decimal_places=2, **common)
            elif q.kind == QuestionKind.DATE:
                field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
            elif q.kind == QuestionKind.YES_NO:
                field = forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
            elif q.kind == QuestionKind.SINGLE:
                field = forms.ChoiceField(choices=[(o, o) for o in q.options], widget=forms.RadioSelect, **common)
            elif q.kind == QuestionKind.MULTI:
                field = forms.MultipleChoiceField(
                    choices=[(o, o) for o in q.options], widget=forms.CheckboxSelectMultiple, **common
                )
            else:
                field = forms.CharField(max_length=500, **common)
            fields[field_name(q.key)] = field
        self.fields = {**fields, **self.fields}
        if not self.is_bound and not self.initial.get("client_uuid"):
            self.initial["client_uuid"] = uuid.uuid4()

    def answers(self) -> dict:
        out = {}
        for q in self.questions:
            value = self.cleaned_data.get(field_name(q.key))
            if value in (None, "", []):
                continue
            if q.kind == QuestionKind.YES_NO:
                value = value == "yes"
            elif q.kind == QuestionKind.NUMBER:
                value = str(value)
            out[q.key] = value
        return out

    def apply_errors(self, exc: ValidationError) -> None:
        for key, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
            name = field_name(key) if key and field_name(key) in self.fields else key
            for error in errors:
                self.add_error(name if name in self.fields else None, error)


def initial_from(questions: list[CampaignQuestion], answers: dict) -> dict:
    out = {}
    for q in questions:
        if q.key not in answers:
            continue
        value = answers[q.key]
        if q.kind == QuestionKind.YES_NO:
            value = "yes" if value else "no"
        out[field_name(q.key)] = value
    return out
