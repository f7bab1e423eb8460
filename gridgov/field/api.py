"""/api/v1/field."""

from ninja import Router

router = Router(tags=["移动端"])
