"""API schemas shared by every app's router (one name, one schema in the OpenAPI document)."""

from ninja import Field, Schema


class ErrorOut(Schema):
    """The body of every refused or invalid API call: what went wrong, and per field (or question) why."""

    detail: str = Field(description="错误说明")
    errors: dict[str, list[str]] = Field(default_factory=dict, description="按字段（摸排为摸排项标识）的错误")
