"""Forms of chat notices. They validate input; `actions.py` makes the change."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.chatnotices import queries
from gridgov.chatnotices.actions import NoticeInput
from gridgov.chatnotices.choices import NoticeFormat
from gridgov.households.forms import apply_errors  # noqa: F401  (re-exported for the views)


class PlaceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class NoticeForm(forms.Form):
    """发布群通知: written once, sent to every chat group of the selected villages or grids."""

    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(
        label=_("正文"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown 格式可用 **加粗**、> 引用；群机器人每条消息最多约 1300 个汉字"),
    )
    format = forms.ChoiceField(
        label=_("格式"), choices=NoticeFormat.choices, initial=NoticeFormat.MARKDOWN, widget=forms.RadioSelect
    )
    places = PlaceField(
        label=_("发送范围"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则发送到您范围内的全部微信群"),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].queryset = queries.target_places(user)

    def notice_input(self) -> NoticeInput:
        d = self.cleaned_data
        return NoticeInput(title=d["title"], body=d["body"], format=d["format"], places=list(d["places"]))


class WebhookForm(forms.Form):
    webhook = forms.CharField(
        label=_("群机器人 Webhook 地址"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("在企业微信群中添加群机器人后复制其 Webhook 地址（或其中的 key）；留空并保存则取消群机器人"),
    )
