"""Forms of the import and export pages. They validate input; `actions.py` does the work."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Length
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridgov.places.choices import CODE_LENGTH
from gridgov.places.models import Place
from gridgov.registers.actions import MIN_REASON

EXPORT_LEVELS_BELOW = 2  # the export form offers the user's place and two levels beneath it


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("户籍表（.xlsx）"),
        help_text=_("请使用下载的模板填写；一行一人，同一户编号的各行为一户。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.GRIDGOV_UPLOAD_MAX_BYTES
        if upload.size > limit:  # before reading a byte of it
            raise forms.ValidationError(
                f"文件过大（{upload.size / 1024 / 1024:.1f} MB），上限为 {limit / 1024 / 1024:.1f} MB"
            )
        self.data_bytes = upload.read(limit + 1)  # type and zip-bomb checks: actions.create_import
        return upload


def _place_label(place: Place) -> str:
    indent = "\u2003" * max(0, (len(place.code) - 6) // 3)  # an em space: as wide as an ideographic one, not CJK
    return indent + gettext("%(name)s（%(code)s）") % {"name": place.name, "code": place.code}


class ExportForm(forms.Form):
    place = forms.CharField(label=_("导出范围"), widget=forms.Select)
    reveal = forms.BooleanField(label=_("导出完整身份证号和电话（将记入审计日志）"), required=False)
    reason = forms.CharField(label=_("导出完整信息的理由"), required=False, max_length=200)

    def __init__(self, user, *args, requested: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope = user.place.code
        levels = sorted(CODE_LENGTH.values())
        below = [n for n in levels if n > len(scope)][:EXPORT_LEVELS_BELOW]
        deepest = below[-1] if below else len(scope)
        offered = (
            Place.objects.for_user(user)
            .annotate(code_length=Length("code"))
            .filter(Q(code_length__lte=deepest) | Q(code=requested))
            .only("code", "name")
            .order_by("code")
        )
        self.fields["place"].widget.choices = [(p.code, _place_label(p)) for p in offered]
        self.fields["place"].initial = requested or scope
        if not getattr(user, "may_reveal_pii", False):
            del self.fields["reveal"]
            del self.fields["reason"]

    def clean_place(self) -> Place:
        code = self.cleaned_data["place"].strip()
        place = Place.objects.for_user(self.user).filter(code=code).first()
        if place is None:
            raise forms.ValidationError(_("地域不存在或不在您的管辖范围内"))
        return place

    def clean(self):
        data = super().clean()
        if data.get("reveal") and len((data.get("reason") or "").strip()) < MIN_REASON:
            self.add_error("reason", f"导出完整身份证号和电话须说明理由（至少{MIN_REASON}个字）")
        return data
