"""API schemas shared by every app's router (one name, one schema in the OpenAPI document)."""

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, Schema


class ErrorOut(Schema):
    """The body of every refused or invalid API call: what went wrong, and per field (or question) why."""

    detail: str = Field(description="错误说明")
    errors: dict[str, list[str]] = Field(default_factory=dict, description="按字段（摸排为摸排项标识）的错误")


def error_body(exc: Exception) -> dict:
    """`ErrorOut` of a refusal or a `ValidationError`: all messages in ``detail``, per field in ``errors``."""
    if isinstance(exc, ValidationError):
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
        return {"detail": "；".join(str(m) for m in exc.messages), "errors": errors}
    return {"detail": str(exc), "errors": {}}


MAX_LIMIT = 200


class PageOut(Schema):
    """One page of a list: each app's page schema adds ``items``."""

    limit: int = Field(description="每页条数")
    offset: int = Field(description="本页起始位置")
    next_offset: int | None = Field(description="下一页的 offset；没有下一页时为 null")


class PeriodQuery(Schema):
    """Paging, place and date range of a ledger's list; each app's query schema adds its own filters."""

    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")
    place: str | None = Field(None, pattern=r"^\d{2,24}$", description="只列出该地域（代码）及其下级的记录")
    since: dt.date | None = Field(None, description="日期不早于")
    until: dt.date | None = Field(None, description="日期不晚于")


def page(items, params: PeriodQuery, next_offset: int | None) -> dict:
    """The body of a `PageOut` for ``items`` read with ``params``."""
    return {"items": items, "limit": params.limit, "offset": params.offset, "next_offset": next_offset}
