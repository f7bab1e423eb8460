"""The auditor's filters. They validate input; `queries.log_rows` reads."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from gridgov.audit.choices import AuditAction
from gridgov.audit.queries import LogFilters

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def object_type_choices() -> list[tuple[str, str]]:
    """Every model of the project, by its Chinese name (the audited ones and the accounts)."""
    labels = sorted(
        (m._meta.label_lower, str(m._meta.verbose_name))
        for m in apps.get_models()
        if m.__module__.startswith("gridgov.") and m._meta.app_label != "audit"
    )
    named = _("%(name)s（%(code)s）")
    return [("", _("全部")), *((value, str(named) % {"name": name, "code": value}) for value, name in labels)]


class LogFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("动作"), required=False, choices=[("", _("全部")), *AuditAction.choices])
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    object_type = forms.ChoiceField(label=_("对象类型"), required=False)
    object_id = forms.CharField(label=_("对象ID"), required=False, max_length=64)
    since = forms.DateField(label=_("起始日期"), required=False, widget=DATE_WIDGET)
    until = forms.DateField(label=_("截止日期"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = object_type_choices()

    def _clean_day(self, name: str) -> dt.date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(_("日期须在 2000-01-01 至 2099-12-31 之间"))
        return day

    def clean_since(self):
        return self._clean_day("since")

    def clean_until(self):
        return self._clean_day("until")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("截止日期不能早于起始日期"))
        return data

    def filters(self) -> LogFilters:
        """The valid filters; a field with an error is left out (the form shows why)."""
        self.is_valid()
        data = self.cleaned_data
        return LogFilters(
            action=data.get("action") or "",
            actor=(data.get("actor") or "").strip(),
            object_type=data.get("object_type") or "",
            object_id=(data.get("object_id") or "").strip(),
            since=data.get("since"),
            until=data.get("until") if "until" not in self.errors else None,
        )
