"""What the auditor may read of an audit row: the one declared place for masking, model by model.

The auditor sees who did what to which record, when and from where, never the business content. Each value of a
row's before/after is shown, labelled, referenced or masked by this table:
- shown by kind, unless a rule says otherwise: choices (by their label), references to other records (by id),
  numbers, dates, times, flags, uuids;
- masked by kind: every text, JSON and file field, floats (coordinates), and any key that is not a field of the
  model. A new model or field therefore starts masked, and is shown only once it is listed here;
- key-population records (the whole `keypersons` app) show no field at all, only "重点人员记录已变更".
The object's own name (its ``str()`` when the row was written) is shown only for models listed with
``name_shown``; the others show as "<verbose name> #<id>".
The event rows' ``detail`` keys are audit metadata (what was viewed, exported, revealed and why); unknown keys
are masked, and so are the filters of key-population views.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.audit.choices import AuditAction

SHOW, LABEL, REF, MASK = "show", "label", "ref", "mask"
MASKED = gettext_lazy("（已隐去）")
EMPTY = "—"
KEY_PERSON_CHANGED = gettext_lazy("重点人员记录已变更")
CHANGE_ACTIONS = {AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE}
MAX_LIST = 20


@dataclass(frozen=True)
class Rule:
    """How one model's values are shown to the auditor (see the module's docstring for the defaults)."""

    show: frozenset[str] = frozenset()  # text fields shown as they are: titles, codes, names of places
    mask: frozenset[str] = frozenset()  # fields whose kind is shown by default, masked here (personal facts)
    name_shown: bool = False  # the object's name (its str()) may be shown
    summary: str = ""  # the whole change reduced to this sentence
    keys: dict[str, str] = field(default_factory=dict)  # keys that are not fields, shown with these labels


def _rule(*, show=(), mask=(), name_shown=False, summary="", keys=None) -> Rule:
    return Rule(frozenset(show), frozenset(mask), name_shown, summary, keys or {})


ALWAYS_SHOWN = frozenset({"path", "holder_path"})  # place codes: where, never who
KEY_POPULATION = _rule(summary=KEY_PERSON_CHANGED)
APP_RULES = {"keypersons": KEY_POPULATION}
RULES: dict[str, Rule] = {
    "accounts.user": _rule(
        show={"username", "display_name"},
        name_shown=True,
        keys={"place": gettext_lazy("地域"), "unlocked": gettext_lazy("解锁")},
    ),
    "places.place": _rule(show={"code", "name"}, name_shown=True),
    "households.household": _rule(show={"number"}),  # the address is personal
    "households.resident": _rule(
        mask={"birth_date", "sex", "relation", "residence_type", "is_party_member", "works_away"}
    ),
    "personnel.patrolteam": _rule(show={"name"}, name_shown=True),
    "personnel.appointment": _rule(),
    "personnel.partygroup": _rule(show={"name"}, name_shown=True),
    "personnel.chatgroup": _rule(show={"name"}, name_shown=True),
    "registers.registerimport": _rule(show={"filename", "sha256", "message"}, name_shown=True),
    "matters.category": _rule(show={"code", "name"}, name_shown=True),
    "matters.department": _rule(show={"name", "phone"}, name_shown=True),
    "matters.matter": _rule(show={"title"}, name_shown=True),  # reference and title
    "matters.matterrouting": _rule(name_shown=True),
    "matters.matterevent": _rule(),
    "matters.mediationsession": _rule(name_shown=True),
    "matters.mediationagreement": _rule(show={"number", "organisation"}, name_shown=True),
    "matters.feedback": _rule(name_shown=True),
    "matters.supervision": _rule(name_shown=True),
    "matters.attachment": _rule(show={"content_type", "sha256"}),
    "open311.apikey": _rule(show={"name", "prefix"}, name_shown=True),
    "open311.servicerequest": _rule(name_shown=True),
    "visits.visitrule": _rule(name_shown=True),
    "visits.vulnerablemember": _rule(mask={"category"}),  # a person's circumstances
    "visits.visit": _rule(name_shown=True),
    "patrols.patrol": _rule(name_shown=True),
    "chatnotices.chatnotice": _rule(show={"title"}, name_shown=True),
    "chatnotices.chatdelivery": _rule(name_shown=True),
    "publicity.publicityevent": _rule(show={"title"}, name_shown=True),
    "publicity.publicityphoto": _rule(show={"content_type"}, name_shown=True),
    "deliberations.deliberation": _rule(show={"topic"}, name_shown=True),
    "deeds.deed": _rule(show={"title"}, name_shown=True),
    "cleanups.responsibilityarea": _rule(show={"name"}, name_shown=True),
    "cleanups.cleanupround": _rule(name_shown=True),
    "cleanups.cleanupproblem": _rule(),  # its name is its description
    "campaigns.campaign": _rule(show={"title"}, name_shown=True),
    "campaigns.householdcheck": _rule(name_shown=True),
}
DEFAULT_RULE = _rule()

# Event rows: the detail keys that are audit metadata, with their labels. Any other key is masked.
DETAIL_LABELS = {
    "username": gettext_lazy("用户名"),
    "until": gettext_lazy("锁定至"),
    "minutes": gettext_lazy("锁定分钟"),
    "field": gettext_lazy("字段"),
    "reason": gettext_lazy("理由"),
    "view": gettext_lazy("页面"),
    "ids": gettext_lazy("记录"),
    "rows": gettext_lazy("行数"),
    "masked": gettext_lazy("已脱敏"),
    "format": gettext_lazy("格式"),
    "place": gettext_lazy("地域"),
    "scope": gettext_lazy("范围"),
    "ledger": gettext_lazy("台账"),
    "filters": gettext_lazy("筛选条件"),
    "filename": gettext_lazy("文件名"),
    "sha256": gettext_lazy("文件摘要"),
    "status": gettext_lazy("状态"),
    "counts": gettext_lazy("数量"),
    "campaign": gettext_lazy("摸排"),
    "api_token": gettext_lazy("令牌名称"),
    "token_id": gettext_lazy("令牌ID"),
    "source": gettext_lazy("来源"),
    "seed": gettext_lazy("随机种子"),
    "towns": gettext_lazy("乡镇"),
    "cutoff": gettext_lazy("清理截止"),
    "retention_days": gettext_lazy("保留天数"),
    "base_seq": gettext_lazy("链起点"),
    "export": gettext_lazy("导出内容"),
    "writer": gettext_lazy("写入者"),
    # account security events (accounts.actions): what happened, never a secret
    "event": gettext_lazy("事件"),
    "activation_code_id": gettext_lazy("激活码ID"),
    "issued_by": gettext_lazy("发放人"),
    "issued_at": gettext_lazy("发放时间"),
    "expires_at": gettext_lazy("到期时间"),
    "replaced": gettext_lazy("作废旧激活码"),
    "failures": gettext_lazy("错误次数"),
    "activation_codes_voided": gettext_lazy("作废激活码"),
    "api_tokens_revoked": gettext_lazy("撤销令牌"),
}
MASKED_IN_KEY_POPULATION_VIEWS = {"filters"}  # a key-population list's filters name colors and categories


@dataclass(frozen=True)
class Line:
    """One line of a row's readable change: a label and the value, or the old and the new value."""

    label: str
    value: str = ""
    old: str | None = None  # set for an update: old -> value

    def text(self) -> str:
        if self.old is not None:
            return _("%(label)s：%(old)s → %(value)s") % {"label": self.label, "old": self.old, "value": self.value}
        return _("%(label)s：%(value)s") % {"label": self.label, "value": self.value}


@dataclass(frozen=True)
class Shown:
    """An audit row as the auditor reads it."""

    object_label: str
    summary: str
    lines: list[Line]

    def text(self) -> str:
        return "\n".join([self.summary, *(line.text() for line in self.lines)] if self.summary else
                         [line.text() for line in self.lines])  # fmt: skip


def rule_for(object_type: str) -> Rule:
    app_label = object_type.split(".", 1)[0]
    return APP_RULES.get(app_label) or RULES.get(object_type, DEFAULT_RULE)


@lru_cache(maxsize=256)
def _model(object_type: str) -> type[models.Model] | None:
    if "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except LookupError:
        return None


@lru_cache(maxsize=2048)
def _field(object_type: str, key: str) -> models.Field | None:
    model = _model(object_type)
    if model is None:
        return None
    for f in model._meta.concrete_fields:
        if key in (f.attname, f.name):
            return f
    return None


SHOWN_KINDS = (
    models.BooleanField, models.IntegerField, models.AutoField, models.DateField, models.UUIDField,
    models.DurationField,
)  # fmt: skip


def kind_of(object_type: str, key: str) -> str:
    """SHOW, LABEL, REF or MASK for the value ``key`` of a row about ``object_type`` (see the module's docstring)."""
    rule = rule_for(object_type)
    f = _field(object_type, key)
    if key in rule.mask:
        return MASK
    if key in rule.keys:  # a value the action wrote itself (e.g. a place's code), not the field's own
        return SHOW
    if f is None:
        return SHOW if key in rule.show or key in ALWAYS_SHOWN else MASK
    if f.choices:
        return LABEL
    if key in rule.show or key in ALWAYS_SHOWN:
        return SHOW
    if f.is_relation:
        return REF
    if isinstance(f, SHOWN_KINDS):
        return SHOW
    return MASK


def label_of(object_type: str, key: str) -> str:
    keys = rule_for(object_type).keys
    if key in keys:
        return str(keys[key])
    f = _field(object_type, key)
    return str(f.verbose_name) if f is not None else key


def _time_text(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        return value
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _plain(value: Any) -> str:
    if value is None or value == "":
        return EMPTY
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, list):
        items = [_plain(v) for v in value[:MAX_LIST]]
        more = _("等 %(n)d 项") % {"n": len(value)} if len(value) > MAX_LIST else ""
        return _("、").join(items) + more  # the list separator of the language (", " in English)
    if isinstance(value, dict):
        return _("；").join(f"{k}={_plain(v)}" for k, v in value.items())
    return str(value)


def value_text(object_type: str, key: str, value: Any) -> str:
    """``value`` of ``key`` as the auditor sees it."""
    kind = kind_of(object_type, key)
    if value is None or value == "":
        return EMPTY
    if kind == MASK:
        return str(MASKED)
    if kind == REF:
        return f"#{value}"
    if kind == LABEL:
        labels = dict(_field(object_type, key).flatchoices)
        return str(labels.get(value, value))
    f = _field(object_type, key)
    if isinstance(f, models.DateTimeField) and isinstance(value, str):
        return _time_text(value)
    return _plain(value)


def object_label(object_type: str, object_id: str, object_repr: str) -> str:
    if not object_type:
        return ""
    model = _model(object_type)
    name = str(model._meta.verbose_name) if model is not None else object_type
    label = f"{name} #{object_id}" if object_id else name
    if rule_for(object_type).name_shown and object_repr and object_repr != object_id:
        label = f"{label} {object_repr}"
    return label


def _change_lines(object_type: str, before: dict | None, after: dict | None) -> list[Line]:
    lines = []
    if before is not None and after is not None:  # an update: what changed, old -> new
        for key, new in after.items():
            old = before.get(key)
            label = label_of(object_type, key)
            if kind_of(object_type, key) == MASK:
                lines.append(Line(label, _("已修改（内容已隐去）")))
            else:
                lines.append(Line(label, value_text(object_type, key, new), value_text(object_type, key, old)))
        return lines
    values = after if after is not None else before or {}
    for key, value in values.items():  # a create or a delete: the record's values, the empty ones left out
        if value is None or value == "":
            continue
        lines.append(Line(label_of(object_type, key), value_text(object_type, key, value)))
    return lines


def _detail_lines(object_type: str, detail: dict) -> list[Line]:
    key_population = "view" in detail or object_type.startswith("keypersons.")
    lines = []
    for key, value in detail.items():
        label = str(DETAIL_LABELS.get(key, key))
        hidden = key not in DETAIL_LABELS or (key_population and key in MASKED_IN_KEY_POPULATION_VIEWS)
        if hidden:
            lines.append(Line(label, str(MASKED)))
        elif key == "ids" and isinstance(value, list):
            lines.append(Line(label, _plain([f"#{v}" for v in value])))
        else:
            lines.append(Line(label, _plain(value)))
    return lines


def present(row) -> Shown:
    """An audit row (an `AuditLog`) with its business content masked by the rules above."""
    rule = rule_for(row.object_type)
    label = object_label(row.object_type, row.object_id, row.object_repr)
    if rule.summary and row.action in CHANGE_ACTIONS:
        return Shown(label, str(rule.summary), [])
    lines = []
    if row.before is not None or row.after is not None:
        before = row.before if isinstance(row.before, dict) else None
        after = row.after if isinstance(row.after, dict) else None
        lines += _change_lines(row.object_type, before, after)
    if isinstance(row.detail, dict):
        lines += _detail_lines(row.object_type, row.detail)
    return Shown(label, "", lines)
