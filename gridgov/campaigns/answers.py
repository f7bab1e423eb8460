"""Checking a household's answers against the checklist's question types (no database access)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from gridgov.campaigns.choices import MAX_TEXT_ANSWER, QuestionKind

YES_WORDS = {"yes", "true", "1", "是", "有", "y", "on"}
NO_WORDS = {"no", "false", "0", "否", "无", "n", "off"}


def _blank(value) -> bool:
    return value is None or value == "" or value == []


def clean_answer(question, value):
    """The stored form of one answer, or ValueError with a message for the user."""
    kind = question.kind
    if kind == QuestionKind.TEXT:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError(_("应为文本"))
        text = str(value).strip()
        if len(text) > MAX_TEXT_ANSWER:
            raise ValueError(_("最多 %(n)s 个字") % {"n": MAX_TEXT_ANSWER})
        return text
    if kind == QuestionKind.NUMBER:
        if isinstance(value, bool):
            raise ValueError(_("应为数字"))
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(_("应为数字")) from None
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise ValueError(_("应为数字"))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == QuestionKind.DATE:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError(_("应为日期，如 2026-03-01")) from None
    if kind == QuestionKind.YES_NO:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise ValueError(_("应为“是”或“否”"))
    options = list(question.options or [])
    if kind == QuestionKind.SINGLE:
        if not isinstance(value, str) or value.strip() not in options:
            raise ValueError(_("应为以下选项之一：%(options)s") % {"options": "、".join(options)})
        return value.strip()
    if kind == QuestionKind.MULTI:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(_("应为选项列表"))
        unknown = [v for v in values if v.strip() not in options]
        if unknown:
            raise ValueError(
                _("“%(value)s”不是选项；可选：%(options)s") % {"value": unknown[0], "options": "、".join(options)}
            )
        chosen = {v.strip() for v in values}
        return [o for o in options if o in chosen]  # the checklist's order, no repeats
    raise ValueError(_("未知的题型"))


def clean_answers(questions: Iterable, raw: Mapping | None) -> tuple[dict, dict[str, list[str]]]:
    """(answers keyed by question key, errors keyed by question key). Unknown keys are errors too."""
    raw = dict(raw or {})
    questions = list(questions)
    known = {q.key for q in questions}
    answers: dict = {}
    errors: dict[str, list[str]] = {}
    for question in questions:
        value = raw.get(question.key)
        if _blank(value) or (isinstance(value, str) and not value.strip()):
            if question.required:
                errors[question.key] = [_("“%(question)s”为必答项") % {"question": question.text}]
            continue
        try:
            answers[question.key] = clean_answer(question, value)
        except ValueError as exc:
            errors[question.key] = [f"{question.text}：{exc}"]
    for key in raw:
        if key not in known:
            errors[str(key)[:40]] = [_("没有这个摸排项：%(key)s") % {"key": str(key)[:40]}]
    return answers, errors


def display(question, value) -> str:
    """An answer as a page or a spreadsheet shows it."""
    if _blank(value):
        return ""
    if question.kind == QuestionKind.YES_NO:
        return _("是") if value else _("否")
    if question.kind == QuestionKind.MULTI and isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)
