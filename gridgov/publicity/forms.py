"""Forms of publicity events: they validate input; `actions.py` makes the change."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.households.forms import apply_errors  # noqa: F401  (re-exported for the views)
from gridgov.places.models import Place
from gridgov.publicity.actions import EventInput
from gridgov.publicity.choices import EVENT_PLACE_KINDS, Channel, Topic
from gridgov.publicity.common import places_for_form


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        indent = {"village": "", "group": "\u2003", "grid": "\u2003\u2003"}.get(obj.kind, "")
        return f"{indent}{obj.name}"


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class EventForm(forms.Form):
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = PlaceChoiceField(label=_("地点"), queryset=Place.objects.none(), empty_label=_("请选择村、组或网格"))
    topic = forms.ChoiceField(label=_("宣讲内容"), choices=Topic.choices)
    title = forms.CharField(label=_("主题"), max_length=200)
    channel = forms.ChoiceField(label=_("宣讲方式"), choices=Channel.choices)
    speaker = forms.CharField(label=_("宣讲人"), max_length=100)
    attendance = forms.IntegerField(
        label=_("受众人次"), min_value=0, max_value=100_000, initial=0, help_text=_("广播、网络宣传可填 0")
    )
    summary = forms.CharField(
        label=_("活动情况"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = MultipleImageField(label=_("照片"), required=False, help_text=_("JPEG、PNG 或 WebP，每场最多 9 张"))
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["place"].queryset = places_for_form(user, EVENT_PLACE_KINDS)
        self.fields["attendance"].widget.attrs["inputmode"] = "numeric"
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())
            self.initial.setdefault("speaker", user.display_name or user.username)
            self.initial.setdefault("client_uuid", uuid.uuid4())  # a second submit of this page adds nothing
            if user.place_id and user.place.kind in EVENT_PLACE_KINDS:
                self.initial.setdefault("place", user.place_id)

    def event_input(self) -> EventInput:
        data = self.cleaned_data
        return EventInput(
            place=data["place"],
            held_on=data["held_on"],
            topic=data["topic"],
            title=data["title"],
            channel=data["channel"],
            speaker=data["speaker"],
            attendance=data["attendance"],
            summary=data["summary"],
            photos=data["photos"],
            client_uuid=data.get("client_uuid"),
        )


class PhotoForm(forms.Form):
    photos = MultipleImageField(label=_("照片"))
