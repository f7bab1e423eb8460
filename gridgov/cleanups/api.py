"""/api/v1/cleanups."""

from ninja import Router

router = Router(tags=["环境整治"])
