"""/api/v1/publicity."""

from ninja import Router

router = Router(tags=["宣讲活动"])
