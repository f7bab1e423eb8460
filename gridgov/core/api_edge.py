"""The API's edge: every input of every operation is checked here, once, before any handler runs.

Installed on the API root (`gridgov.api`) through django-ninja's own mechanisms, so no route has to
remember it:

- `edge_check`, an API-wide operation decorator (``api.add_decorator``): after authentication and
  after each operation's own schema has parsed the input, it applies the operation's access marker
  (`gridgov.core.access`: an account the rule does not allow gets 404, as on the pages), then walks
  every value the handler is about to receive (path, query, body, form, nested objects and free
  JSON alike) and refuses integers beyond a 64-bit column, dates outside 1900-2100, non-finite
  numbers and control characters, with the documented 422 body;
- `validation_error`, the handler of django-ninja's own validation errors: the same 422 body
  (`ErrorOut`: a Chinese ``detail`` and the messages per field) instead of pydantic's list;
- `document_errors`: every operation of the OpenAPI document lists the error answers it can give
  (401, 404, and 400/403/422 where they apply), all with the `ErrorOut` body; integer inputs carry the
  bounds `edge_check` enforces.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterator
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from pydantic import BaseModel

from gridgov.core.access import is_allowed, rule_of
from gridgov.utils.text import has_control_characters

MAX_INT = 2**63 - 1  # PostgreSQL bigint and SQLite INTEGER: a larger id cannot exist and cannot be looked up
MIN_INT = -(2**63)
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)
SOURCES = {"path", "query", "body", "form", "file", "header", "cookie"}


class InputRefused(Exception):
    """Input the edge refused: messages per field, answered as 422 `ErrorOut`."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(errors)


def problems_of(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(field, message) for each part of an input value that no handler may receive."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not MIN_INT <= value <= MAX_INT:
            yield where, _("数值超出范围（整数须在 ±9223372036854775807 之内）")
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield where, _("须为有限的数值")
    elif isinstance(value, str):
        if has_control_characters(value):
            yield where, _("不能包含控制字符")
    elif isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        if not EARLIEST <= day <= LATEST:
            yield where, _("日期须在 %(first)s 至 %(last)s 之间") % {"first": EARLIEST, "last": LATEST}
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from problems_of(getattr(value, name), _join(where, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and has_control_characters(key):
                yield _join(where, "(键)"), _("不能包含控制字符")
            yield from problems_of(item, _join(where, str(key)))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from problems_of(item, f"{where}[{index}]")
    elif hasattr(value, "name") and hasattr(value, "size"):  # an uploaded file: its name is input too
        if isinstance(value.name, str) and has_control_characters(value.name):
            yield _join(where, "name"), _("文件名不能包含控制字符")


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def check_input(values: dict[str, Any]) -> None:
    """Raise `InputRefused` if any value a handler would receive is out of range or carries control characters."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        # A Query[...] or body schema is one argument; name its fields as the client sent them.
        where = "" if isinstance(value, BaseModel) else name
        for field, message in problems_of(value, where):
            errors.setdefault(field or name, []).append(message)
    if errors:
        raise InputRefused(errors)


def edge_check(view_func):
    """API-wide operation decorator: the operation's access rule, then `check_input`, then the handler."""
    rule = rule_of(view_func)

    @functools.wraps(view_func)
    def checked(request, *args, **values):
        if rule is not None and not is_allowed(request.user, rule):
            raise Http404("out of scope")
        check_input(values)
        return view_func(request, *args, **values)

    return checked


# ---------------------------------------------------------------- the 422 body

MESSAGES = {
    "missing": "必填",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数",
    "float_parsing": "须为数值",
    "float_type": "须为数值",
    "finite_number": "须为有限的数值",
    "bool_parsing": "须为 true 或 false",
    "bool_type": "须为 true 或 false",
    "string_type": "须为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "须小于 {lt}",
    "enum": "须为以下之一：{expected}",
    "literal_error": "须为以下之一：{expected}",
    "date_parsing": "日期格式不正确（如 2026-03-01）",
    "date_type": "日期格式不正确（如 2026-03-01）",
    "date_from_datetime_parsing": "日期格式不正确（如 2026-03-01）",
    "date_from_datetime_inexact": "日期格式不正确（如 2026-03-01）",
    "datetime_parsing": "时间格式不正确（如 2026-03-01T09:30:00+08:00）",
    "datetime_type": "时间格式不正确（如 2026-03-01T09:30:00+08:00）",
    "datetime_from_date_parsing": "时间格式不正确（如 2026-03-01T09:30:00+08:00）",
    "datetime_object_invalid": "时间格式不正确（如 2026-03-01T09:30:00+08:00）",
    "timezone_aware": "时间须带时区（如 +08:00）",
    "uuid_parsing": "须为 UUID",
    "uuid_type": "须为 UUID",
    "uuid_version": "须为 UUID",
    "list_type": "须为数组",
    "tuple_type": "须为数组",
    "dict_type": "须为对象",
    "model_type": "须为对象",
    "model_attributes_type": "须为对象",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "extra_forbidden": "不接受该字段",
    "url_parsing": "须为网址",
    "url_type": "须为网址",
}


def message_of(error: dict) -> str:
    """A Chinese message for one of pydantic's errors (its own English text for kinds not listed)."""
    template = MESSAGES.get(error.get("type", ""))
    if template is None:
        return str(error.get("msg", ""))
    context = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    try:
        return _(template).format(**context)
    except (KeyError, IndexError):
        return _(template)


def field_of(loc) -> str:
    """``body.title``-style name of an error location, without the source and the body parameter's own name."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in SOURCES:
        parts = parts[1:]
    return ".".join(parts) or "body"


def error_body_of(errors: dict[str, list[str]]) -> dict:
    detail = "；".join(f"{field}：{'，'.join(messages)}" for field, messages in errors.items())
    return {"detail": _("输入不合法：%(detail)s") % {"detail": detail}, "errors": errors}


def install(api) -> None:
    """Put the edge on an API: the operation decorator and the handlers of refused input and of 404."""
    from ninja.errors import ValidationError

    api.add_decorator(edge_check)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(field_of(error.get("loc", ())), []).append(message_of(error))
        return api.create_response(request, error_body_of(errors), status=422)

    @api.exception_handler(InputRefused)
    def input_refused(request, exc: InputRefused):
        return api.create_response(request, error_body_of(exc.errors), status=422)

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        # The same answer for a record that does not exist and one out of the account's scope.
        return api.create_response(request, {"detail": _("不存在或不在账号范围内"), "errors": {}}, status=404)


# ---------------------------------------------------------------- the OpenAPI document

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def document_errors(document: dict) -> dict:
    """Add the error answers every operation can give, and the integer bounds of `edge_check`, to an OpenAPI
    document made by django-ninja."""
    for methods in document.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            has_input = bool(operation.get("parameters")) or "requestBody" in operation
            codes = {401: _("未认证：缺少或无效的令牌，或未登录"), 404: _("不存在或不在账号范围内")}
            if has_input:
                codes[422] = _("输入不合法：detail 为说明，errors 为按字段的错误")
            if "requestBody" in operation:
                codes[400] = _("请求体无法解析")
            if method.lower() != "get":
                codes[403] = _("拒绝：无权执行，或以登录会话调用时未通过 CSRF 校验")
            for code, description in sorted(codes.items()):
                responses.setdefault(str(code), _error_response(description))
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.setdefault("minimum", 0)  # Django's int path converter takes digits only
                _bound_integers(schema)
    for schema in document.get("components", {}).get("schemas", {}).values():
        _bound_integers(schema)
    return document


def _bound_integers(schema: Any) -> None:
    if isinstance(schema, dict):
        if schema.get("type") == "integer":
            schema.setdefault("maximum", MAX_INT)
            schema.setdefault("minimum", MIN_INT)
        for value in schema.values():
            _bound_integers(value)
    elif isinstance(schema, list):
        for item in schema:
            _bound_integers(item)
