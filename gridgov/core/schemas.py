"""API schemas shared by every app's router (one name, one schema in the OpenAPI document)."""

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
